/*
 * problem.h - RFC 9457 problem details for every 4xx and 5xx answer.
 *
 * A problem has a stable machine-readable code (`unknown_parameter`), a
 * detail sentence for people, and per-parameter errors naming the parameter,
 * the value sent and what is allowed. The HTTP status belongs to the code and
 * is looked up only at the HTTP edge with problem_status().
 */
#ifndef STRATA_PROBLEM_H
#define STRATA_PROBLEM_H

#include <stddef.h>

#include "buf.h"

enum problem_code {
    PROBLEM_NONE = 0,
    PROBLEM_UNKNOWN_PARAMETER,   /* 400 a parameter this route does not take */
    PROBLEM_INVALID_PARAMETER,   /* 400 a malformed or out-of-range value */
    PROBLEM_INVALID_QUERY,       /* 400 a full-text expression FTS5 rejects */
    PROBLEM_INVALID_ENCODING,    /* 400 bad percent-encoding, NUL, invalid UTF-8 */
    PROBLEM_TOO_MANY_PARAMETERS, /* 400 more query parameters than allowed */
    PROBLEM_NOT_FOUND,           /* 404 no such route or record */
    PROBLEM_METHOD_NOT_ALLOWED,  /* 405 */
    PROBLEM_NOT_ACCEPTABLE,      /* 406 no representation matches Accept/format */
    PROBLEM_URI_TOO_LONG,        /* 414 */
    PROBLEM_HEADERS_TOO_LARGE,   /* 431 */
    PROBLEM_RESPONSE_TOO_LARGE,  /* 400 the answer would pass --max-response-bytes or a count cap */
    PROBLEM_INTERNAL,            /* 500 */
    PROBLEM_UNAVAILABLE,         /* 503 starting, draining or no model */
    PROBLEM_QUERY_TOO_BROAD,     /* 400 the request alone needs more than --request-timeout */
    PROBLEM_DEADLINE,            /* 503 --request-timeout passed while the server was busy */
    PROBLEM_MOVED,               /* 308 a name or alias of a record: Location names its id */
    PROBLEM_CODE_COUNT
};

#define PROBLEM_MAX_ERRORS 16
#define PROBLEM_TEXT_MAX 256    /* a value echoed back (truncated) */
#define PROBLEM_REASON_MAX 1024 /* a reason: room for every allowed value of a list */

struct problem_error {
    char parameter[64];
    char value[PROBLEM_TEXT_MAX]; /* truncated, made valid UTF-8 */
    char reason[PROBLEM_REASON_MAX];
};

struct problem {
    enum problem_code code;
    char detail[PROBLEM_REASON_MAX + PROBLEM_TEXT_MAX];
    struct problem_error errors[PROBLEM_MAX_ERRORS];
    size_t error_count;
    char location[1024]; /* PROBLEM_MOVED: the Location header; "" otherwise */
};

/* Set the problem's code and detail (printf format); clears earlier errors. */
void problem_set(struct problem *p, enum problem_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add one {parameter, value, reason} entry; extra entries past the max are dropped. */
void problem_add_error(struct problem *p, const char *parameter, const char *value, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* HTTP status, stable code string, and title of a problem code. */
int problem_status(enum problem_code code);
const char *problem_code_name(enum problem_code code);
const char *problem_title(enum problem_code code);

/* Render the application/problem+json body; instance is the request target. */
int problem_render(const struct problem *p, const char *instance, int pretty, struct buf *out);

#endif
