/*
 * error.h - the one set of error codes that Strata's functions return.
 *
 * An action returns 0 (STRATA_OK) on success or one of these codes; a
 * predicate returns bool. HTTP status codes never appear here: the HTTP edge
 * (problem.c, http.c) maps problems to statuses.
 */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

enum strata_error {
    STRATA_OK = 0,
    STRATA_ENOMEM,    /* an allocation failed or a buffer cap was reached */
    STRATA_EINVAL,    /* an argument or an input value is not acceptable */
    STRATA_ENOTFOUND, /* the named thing does not exist */
    STRATA_EIO,       /* reading or writing a file or socket failed */
    STRATA_EPARSE,    /* input is not well formed (JSON, URL, number, date) */
    STRATA_ESTORE,    /* the embedded database reported an error */
    STRATA_ELIMIT,    /* an input exceeds a configured limit */
};

/* A short lower-case description of code, never NULL. */
const char *strata_strerror(int code);

#endif
