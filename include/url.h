/*
 * url.h - strict decoding of an HTTP request target (path?query).
 *
 * The daemon decodes the raw target itself instead of trusting a lenient
 * decoder: a `%` not followed by two hex digits, an encoded NUL, a control
 * character or bytes that are not UTF-8 are refused with a problem naming
 * the part at fault. In the query `+` means space; empty pieces (`a=1&&b=2`)
 * are skipped; `name` without `=` has the value "". The other direction,
 * encoding a link's parts, is here too (url_encode, url_encode_path).
 */
#ifndef STRATA_URL_H
#define STRATA_URL_H

#include <stddef.h>

#include "buf.h"
#include "problem.h"
#include "request.h"

struct url {
    char *path;           /* decoded path (owned) */
    struct param *params; /* decoded parameters in order (owned) */
    size_t param_count;
    char *storage; /* backing store of the strings (owned) */
};

/*
 * Decode target into u. At most max_params parameters are accepted. Returns
 * 0, or an error code with *problem describing it (u is then empty).
 */
int url_parse(const char *target, size_t max_params, struct url *u, struct problem *problem);

/* Free what url_parse allocated; safe on a zeroed or released url. */
void url_release(struct url *u);

/*
 * Percent-decode len bytes of src into dst (room for len + 1 bytes);
 * plus_is_space turns '+' into ' '. Returns the decoded length, or -1 when
 * the encoding is invalid, decodes to NUL or a control character, or is not
 * valid UTF-8.
 */
long url_decode(const char *src, size_t len, int plus_is_space, char *dst);

/* The value of one hex digit (either case), or -1 when c is none. */
int url_hex_value(char c);

/*
 * Append the percent-encoded form of s to out for a query component:
 * unreserved characters and `,` `:` stay, the rest is %XX. Returns 0, or
 * STRATA_ENOMEM when out has failed.
 */
int url_encode(struct buf *out, const char *s);

/* Append path percent-encoded, keeping its '/', to out; 0 or STRATA_ENOMEM. */
int url_encode_path(struct buf *out, const char *path);

#endif
