/*
 * client.h - what the HTTP tests use to drive the real daemon: start
 * build/strata on an ephemeral port, send requests with libcurl (or raw
 * bytes over a socket for malformed requests), read status, headers, body.
 */
#ifndef STRATA_TEST_CLIENT_H
#define STRATA_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct daemon_proc {
    pid_t pid;
    unsigned port;
    char dir[256];      /* scratch directory of this daemon (port file, log) */
    char log_path[512]; /* its stderr */
};

/* The repository root: $STRATA_ROOT or ".". */
const char *client_root(void);

/*
 * Start $STRATA_BIN (default build/strata) with --port 0 --port-file and the
 * given extra arguments (NULL-terminated; may be NULL), wait until it listens.
 * Without a --data argument it serves <root>/data. Returns 0 or -1.
 */
int client_start(struct daemon_proc *d, const char *const args[]);

/* client_start with --data <root>/relative and nothing else. Returns 0 or -1. */
int client_start_data(struct daemon_proc *d, const char *relative);

/* Send sig and wait for exit at most seconds; returns the exit status, or -1. */
int client_stop(struct daemon_proc *d, int sig, double seconds);

/* The daemon's stderr so far (caller frees). */
char *client_log(const struct daemon_proc *d);

/* Whether the daemon's stderr holds text within seconds (looked at once for 0). */
bool client_log_has(const struct daemon_proc *d, const char *text, double seconds);

struct reply {
    long status;
    struct buf headers; /* the raw header block of the final response */
    struct buf body;    /* as received (not decoded) */
};

/*
 * Send method target with extra header lines ("Name: value", NULL-terminated;
 * may be NULL). Returns 0 when a response arrived.
 */
int client_request(const struct daemon_proc *d, const char *method, const char *target,
                   const char *const headers[], struct reply *r);

/* GET shorthand. */
int client_get(const struct daemon_proc *d, const char *target, struct reply *r);

/* Value of the first header called name (case-insensitive) into out; NULL if absent. */
const char *reply_header(const struct reply *r, const char *name, char *out, size_t size);

void reply_release(struct reply *r);

/*
 * Value of the first header called name (case-insensitive) in a static
 * buffer of 8 KiB that the next call overwrites; NULL if absent.
 */
const char *reply_header_str(const struct reply *r, const char *name);

/*
 * GET target and fail the test (naming target, status and body) unless the
 * status is status; returns the parsed JSON body (caller deletes; fails the
 * test when the body is not JSON).
 */
cJSON *client_get_json(const struct daemon_proc *d, const char *target, long status);

/*
 * GET target and fail the test unless the answer is an application/problem+json
 * with this status and code and, when parameter is not NULL, a first error
 * naming parameter with a reason. Returns the parsed problem (caller deletes).
 */
cJSON *client_get_problem(const struct daemon_proc *d, const char *target, long status,
                          const char *code, const char *parameter);

/* client_get_problem, the problem deleted. */
void client_expect_problem(const struct daemon_proc *d, const char *target, long status,
                           const char *code, const char *parameter);

/*
 * GET target: a 400 problem with code whose first error's reason contains
 * text (fails the test otherwise). Returns the problem (caller deletes).
 */
cJSON *client_expect_reason(const struct daemon_proc *d, const char *target, const char *code,
                            const char *text);

/*
 * The "id" members of the objects in array data, comma-separated, in a
 * static buffer of 8 KiB that the next call overwrites.
 */
const char *client_ids(const cJSON *data);

/* Seconds on the monotonic clock. */
double client_now(void);

/*
 * $STRATA_TIME_SCALE (make test-valgrind sets it), at least 1: the factor
 * that stretches every time bound of a test.
 */
double client_time_scale(void);

/* libcurl CURLOPT_WRITEFUNCTION appending to the struct buf user; 0 when it is full. */
size_t client_on_body(char *data, size_t size, size_t count, void *user);

/*
 * libcurl CURLOPT_HEADERFUNCTION appending to the struct buf user; a status
 * line ("HTTP/...") empties it first, so it keeps the final response's block.
 */
size_t client_on_header(char *data, size_t size, size_t count, void *user);

/* Run a shell command (printf format) with system(); its exit status, or -1. */
int client_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Send raw bytes on a new connection, read until close or timeout into out. */
int client_raw(const struct daemon_proc *d, const char *bytes, size_t len, double timeout,
               struct buf *out);

#endif
