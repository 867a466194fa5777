/*
 * routes.c - the route table: every path the daemon serves, in one place.
 *
 * A row names the handler, the representations it can produce (JSON first:
 * the default) and whether its answer is a pure function of the model and
 * the request target (then http.c caches it per snapshot).
 */
#include "router.h"

#include "api.h"
#include "api_spec.h"
#include "ops.h"

#define JSON REPR_BIT(REPR_JSON)
#define TEXT REPR_BIT(REPR_TEXT)
#define YAML REPR_BIT(REPR_YAML)
#define HTML REPR_BIT(REPR_HTML)
/* a collection: JSON, CSV and NDJSON */
#define LIST (JSON | REPR_BIT(REPR_CSV) | REPR_BIT(REPR_NDJSON))

#define COLLECTION(name)                                                                           \
    {"/v1/" #name, api_##name##_list, LIST, true},                                                 \
    {                                                                                              \
        "/v1/" #name "/{id}", api_##name##_item, JSON, true                                        \
    }

const struct route routes[] = {
    {"/", api_index, JSON, true},
    {"/v1/article", api_article, JSON, true},
    COLLECTION(actors),
    {"/v1/actors/{id}/events", api_actors_events, LIST, true},
    COLLECTION(organizations),
    {"/v1/organizations/{id}/events", api_organizations_events, LIST, true},
    {"/v1/events", api_events_list, LIST | REPR_BIT(REPR_GEOJSON), true},
    {"/v1/events/{id}", api_events_item, JSON, true},
    COLLECTION(layers),
    {"/v1/layers/{id}/events", api_layers_events, LIST, true},
    {"/v1/places", api_places_list, LIST | REPR_BIT(REPR_GEOJSON), true},
    {"/v1/places/{id}", api_places_item, JSON, true},
    {"/v1/places/{id}/events", api_places_events, LIST, true},
    COLLECTION(threats),
    COLLECTION(claims),
    COLLECTION(evidence),
    COLLECTION(relations),
    {"/v1/search", api_search, JSON, true},
    {"/v1/timeline", api_timeline, JSON, true},
    {"/v1/graph", api_graph, JSON, true},
    {"/v1/stats", api_stats, JSON, true},
    {"/healthz", ops_healthz, JSON, false},
    {"/readyz", ops_readyz, JSON, false},
    {"/metrics", ops_metrics, TEXT, false},
    {"/openapi.yaml", api_spec_yaml, YAML, true},
    {"/openapi.json", api_spec_json, JSON, true},
    {"/docs", api_spec_docs, HTML, true},
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
