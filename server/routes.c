/*
 * routes.c - the route table: every path the daemon serves, in one place.
 *
 * A row names the handler, the representations it can produce (JSON first:
 * the default) and whether its answer is a pure function of the model and
 * the request target (then http.c caches it per snapshot).
 */
#include "router.h"

#include "ops.h"

#define JSON REPR_BIT(REPR_JSON)
#define TEXT REPR_BIT(REPR_TEXT)

const struct route routes[] = {
    {"/healthz", ops_healthz, JSON, false},
    {"/readyz", ops_readyz, JSON, false},
    {"/metrics", ops_metrics, TEXT, false},
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
