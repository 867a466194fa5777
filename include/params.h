/*
 * params.h - generic query-parameter helpers, shared by the catalog-driven
 * collection parser (query.h) and the routes that take their own
 * parameters. Every failing helper records its mistake with params_fail():
 * the first mistake sets the problem's code and detail, every one adds an
 * entry naming the parameter, its value and what is allowed.
 */
#ifndef STRATA_PARAMS_H
#define STRATA_PARAMS_H

#include <stdbool.h>

#include "buf.h"
#include "problem.h"
#include "request.h"

/* Record a mistake about parameter (value may be NULL) in problem. */
void params_fail(struct problem *problem, enum problem_code code, const char *parameter,
                 const char *value, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* True for the parameters every route takes (format, pretty: http.c reads them). */
bool params_is_common(const char *name);

/* True when name is in list (NULL-terminated; NULL is the empty list). */
bool params_in_list(const char *const *list, const char *name);

/* Append "a, b, c" of a NULL-terminated list to out. */
void params_join_list(struct buf *out, const char *const *list);

/*
 * Check that every parameter of req is one of allowed (NULL-terminated;
 * `format` and `pretty` are always allowed). Otherwise fills problem with
 * PROBLEM_UNKNOWN_PARAMETER naming each unknown parameter and the allowed
 * ones (route names the route for the message) and returns false.
 */
bool params_check_names(const struct request *req, const char *route, const char *const *allowed,
                        struct problem *problem);

/*
 * The value of a parameter that may appear at most once. Returns 0 and sets
 * *value (NULL when absent), or STRATA_EINVAL with problem filled when it is
 * repeated or empty.
 */
int params_single(const struct request *req, const char *name, const char **value,
                  struct problem *problem);

/*
 * Parse a decimal integer in [minimum, maximum] (no sign, no spaces, no
 * leading zeros). Returns 0, or STRATA_EINVAL with problem naming name.
 */
int params_integer(const char *name, const char *text, long long minimum, long long maximum,
                   long long *out, struct problem *problem);

/*
 * Normalise a date bound: YYYY-MM-DD, YYYY-MM or YYYY (a real date, year
 * 0001-9999) into YYYY-MM-DD in out, the first day named when end is false
 * and the last day when it is true. Returns 0 or STRATA_EPARSE.
 */
int params_date(const char *text, bool end, char out[11]);

#endif
