/*
 * api.h - the /v1 resource handlers (one file per resource family) and the
 * helpers they share.
 *
 * Every handler has the route_handler signature (router.h): it reads the
 * decoded request, validates its parameters (query.h), asks the store
 * (store.h) and writes the body in the negotiated representation
 * (render.h), or describes a 4xx with problem_set()/problem_add_error().
 * A 500 (PROBLEM_INTERNAL) only when the store or memory fails.
 *
 * Shapes:
 * - a collection: {"data": [records], "meta": {"total", "count", "limit",
 *   "offset"}, "links": {"self", "first", "prev", "next", "last"}} (prev
 *   and next null at the ends), with the same links in the Link header and
 *   the total in X-Total-Count; CSV, NDJSON (and GeoJSON for places) carry
 *   just the page's records.
 * - a record: its catalog fields in order, `related` ({collection: [{id,
 *   label, href}]}) and, with include=, `included` ({collection: [records]},
 *   embedded records without their own `related`).
 * - an item: {"data": record, "links": {"self", "collection", ...}}.
 */
#ifndef STRATA_API_H
#define STRATA_API_H

#include <cjson/cJSON.h>

#include "catalog.h"
#include "query.h"
#include "request.h"

struct store;
struct store_error;

/* GET / : service, version, model version, every route. */
void api_index(const struct request *req, struct response *res);
/* GET /v1/article : the source, paragraphs with offsets; include=text adds the text. */
void api_article(const struct request *req, struct response *res);
/* GET /v1/search : ranked full-text hits over records and evidence. */
void api_search(const struct request *req, struct response *res);
/* GET /v1/timeline : events in date order, undated ones apart. */
void api_timeline(const struct request *req, struct response *res);
/* GET /v1/graph : nodes and edges for a network view. */
void api_graph(const struct request *req, struct response *res);
/* GET /v1/stats : counts and facets. */
void api_stats(const struct request *req, struct response *res);

/* GET /v1/<collection> and /v1/<collection>/{id}, for every collection. */
#define API_COLLECTION(name)                                                                       \
    void api_##name##_list(const struct request *req, struct response *res);                       \
    void api_##name##_item(const struct request *req, struct response *res)
API_COLLECTION(actors);
API_COLLECTION(organizations);
API_COLLECTION(places);
API_COLLECTION(events);
API_COLLECTION(layers);
API_COLLECTION(threats);
API_COLLECTION(claims);
API_COLLECTION(evidence);
API_COLLECTION(relations);
#undef API_COLLECTION

/* GET /v1/{actors,organizations,layers,places}/{id}/events (404 for an unknown parent). */
void api_actors_events(const struct request *req, struct response *res);
void api_organizations_events(const struct request *req, struct response *res);
void api_layers_events(const struct request *req, struct response *res);
void api_places_events(const struct request *req, struct response *res);

/* ---- helpers shared by the api_*.c files (api.c) ---- */

/* The store being served. */
struct store *api_store(const struct request *req);

/* What query_parse needs of the store: the collection of a record id (query.h). */
struct query_ids api_query_ids(struct store *store);

/*
 * Add "href" (the catalog path of collection, "/", id) to a link object, after
 * its "label" member: the store's links and hits carry no URL.
 */
int api_add_href(cJSON *object, const char *collection, const char *id);

/* A 500 problem for a store or memory failure (code from error.h). */
void api_fail(struct response *res, int code, const char *what);

/*
 * Turn a store error into the response's problem: STRATA_EPARSE is a 400
 * invalid_query on parameter `q` (value text), anything else a 500.
 */
void api_store_problem(struct response *res, int code, const struct store_error *error,
                       const char *text);

/*
 * Add `related` (when q keeps it) and `included` (q's includes) to a record
 * of q's collection and drop the fields q does not keep. geojson keeps
 * `id` and `coordinates` whatever fields= says: a GeoJSON Feature needs its
 * id and its geometry.
 */
int api_record_finish(struct store *store, const struct query *q, cJSON *record, bool geojson);

/*
 * Paging links of a page: self/first/prev/next/last as JSON members of
 * links (null where there is none) and as the Link header in res. The
 * request's other parameters are kept in their order.
 */
int api_page_links(const struct request *req, struct response *res, size_t limit, size_t offset,
                   long long total, cJSON *links);

/* The most CSV columns of a collection query. */
#define API_MAX_COLUMNS 96

/* A UTF-8 byte-order mark: what bom=true puts before a CSV. */
#define API_BOM "\xef\xbb\xbf"

/*
 * CSV columns of q into columns (pointing into names): the kept fields,
 * object fields flattened to `field.sub`, then `included.<collection>`.
 * Returns their number (at most API_MAX_COLUMNS).
 */
size_t api_csv_columns(const struct query *q, char names[][64], const char **columns);

/*
 * limit=all: stream every row q matches in the request's representation
 * (JSON, CSV or NDJSON) as res->stream, within --max-export-rows, or fill
 * res->problem. Takes q (heap-allocated, parsed): it is freed when the
 * stream is, or before returning on a problem.
 */
void api_export(const struct request *req, struct response *res, struct query *q);

/* Render value as the JSON body (compact or pretty per the request). */
void api_send_json(const struct request *req, struct response *res, const cJSON *value);

/*
 * A render that failed: drop the partial body, but keep the mark of a body
 * that passed its cap (--max-response-bytes, BUF_OVER_CAP), which http.c
 * answers with a 400 response_too_large instead of the handler's 500.
 */
void api_drop_body(struct response *res);

/*
 * api_record_finish of every record of the page records (a JSON array), their
 * related lists read in one query (store_related_many) rather than one per record.
 */
int api_page_finish(struct store *store, const struct query *q, cJSON *records, bool geojson);

#endif
