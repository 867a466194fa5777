/*
 * router.h - the static route table and its matcher.
 *
 * Every route the daemon serves is one row of routes[] (routes.c). A pattern
 * is a literal path whose segments may be `{id}` (one non-empty segment).
 * HTTP semantics (methods, HEAD, OPTIONS, caching, CORS) are applied to every
 * route by http.c, never by a handler.
 */
#ifndef STRATA_ROUTER_H
#define STRATA_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

typedef void (*route_handler)(const struct request *req, struct response *res);

struct route {
    const char *pattern; /* "/v1/actors/{id}" */
    route_handler handler;
    unsigned representations; /* REPR_BIT()s the route can produce; JSON first */
    bool cacheable;           /* a pure function of (model, target, representation) */
};

extern const struct route routes[];
extern const size_t route_count;

/*
 * Find the route for a decoded path. On a match returns the route and, for
 * `{id}` patterns, points *id into id_buf (size id_size, NUL-terminated).
 * Returns NULL when no route matches or the id does not fit.
 */
const struct route *router_match(const char *path, char *id_buf, size_t id_size, const char **id);

/* Index of a route in routes[] (for metrics). */
size_t router_index(const struct route *route);

#endif
