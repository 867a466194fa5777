/*
 * error.c - the descriptions of Strata's error codes, for logs and for
 * messages that end with the reason a call failed.
 */
#include "error.h"

const char *strata_strerror(int code)
{
    switch (code) {
    case STRATA_OK:
        return "success";
    case STRATA_ENOMEM:
        return "out of memory or buffer limit reached";
    case STRATA_EINVAL:
        return "invalid argument or input";
    case STRATA_ENOTFOUND:
        return "not found";
    case STRATA_EIO:
        return "input/output error";
    case STRATA_EPARSE:
        return "malformed input";
    case STRATA_ESTORE:
        return "database error";
    case STRATA_ELIMIT:
        return "limit exceeded";
    default:
        return "unknown error";
    }
}
