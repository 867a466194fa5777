/*
 * log.h - service messages and the access log, on stderr.
 *
 * Every line is written with a single write(2) so that lines from worker
 * threads never interleave. Text lines read well in a terminal; JSON lines
 * (--log-format json) feed log pipelines.
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include <stddef.h>

#include "config.h"

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

struct access_record {
    const char *client; /* client address */
    const char *method;
    const char *target;  /* raw request target */
    const char *version; /* "HTTP/1.1" */
    int status;
    size_t bytes;   /* body bytes sent */
    double seconds; /* from the request line to the response queued */
    const char *request_id;
    const char *cache;      /* "hit", "miss", "off" or "-" */
    const char *user_agent; /* or NULL */
};

/* Choose the line format (default text). */
void log_set_format(enum log_format format);

/* A service message: "2026-01-01T00:00:00Z info: message". */
void log_message(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One access-log line. */
void log_access(const struct access_record *r);

#endif
