/*
 * routes.c - the route table: every path the daemon serves, in one place.
 *
 * A row names the handler, the representations it can produce (JSON first:
 * the default) and whether its answer is a pure function of the model and
 * the request target (then http.c caches it per snapshot).
 */
#include "router.h"

#include "api_spec.h"
#include "ops.h"

#define JSON REPR_BIT(REPR_JSON)
#define TEXT REPR_BIT(REPR_TEXT)
#define YAML REPR_BIT(REPR_YAML)
#define HTML REPR_BIT(REPR_HTML)

const struct route routes[] = {
    {"/healthz", ops_healthz, JSON, false},       {"/readyz", ops_readyz, JSON, false},
    {"/metrics", ops_metrics, TEXT, false},       {"/openapi.yaml", api_spec_yaml, YAML, true},
    {"/openapi.json", api_spec_json, JSON, true}, {"/docs", api_spec_docs, HTML, true},
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
