/*
 * negotiate.h - pure functions over request header values: content
 * negotiation (Accept, ?format=), gzip (Accept-Encoding), conditional
 * requests (If-None-Match), CORS origins and request ids.
 *
 * They take header values as strings (NULL when absent) and never allocate,
 * so they are easy to test and to fuzz.
 */
#ifndef STRATA_NEGOTIATE_H
#define STRATA_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

/*
 * Choose the representation of a route that offers mask (REPR_BIT()s; the
 * lowest set bit is the default). format is the ?format= value or NULL; it
 * wins over accept (the Accept header or NULL). Returns true and sets *out,
 * or false when nothing offered is acceptable (406).
 */
bool negotiate_format(const char *format, const char *accept, unsigned mask,
                      enum representation *out);

/*
 * Does Accept-Encoding choose gzip: allowed (present with q > 0, or `*` with
 * q > 0) and not below an explicit identity ("gzip;q=0.1, identity": no)?
 */
bool negotiate_gzip(const char *accept_encoding);

/* Does If-None-Match (a list of entity tags, or `*`) match etag (weak comparison)? */
bool negotiate_etag_match(const char *if_none_match, const char *etag);

/*
 * The Access-Control-Allow-Origin value for origin under allowed ("*" or a
 * comma list): "*" for a wildcard, origin itself when listed, NULL otherwise
 * (and for a NULL origin with a list).
 */
const char *negotiate_cors_origin(const char *allowed, const char *origin);

/* Is id safe to echo as X-Request-Id: 1-128 of [A-Za-z0-9._:/+=@-]? */
bool negotiate_request_id_valid(const char *id);

/* List the MIME types of mask, comma separated, into out (for 406 details). */
void negotiate_describe(unsigned mask, char *out, size_t size);

#endif
