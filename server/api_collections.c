/*
 * api_collections.c - the collection, item and sub-collection handlers of
 * every record type, driven by the catalog.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forgive.h"
#include "provenance.h"
#include "render.h"
#include "snapshot.h"
#include "store.h"
#include "params.h"

/* CSV columns of q: the kept fields (objects flattened), then included.<name>. */
size_t api_csv_columns(const struct query *q, char names[][64], const char **columns)
{
    const struct catalog_collection *c = q->collection;
    size_t n = 0;

    for (size_t i = 0; i < c->field_count; i++) {
        const struct catalog_field *f = &c->fields[i];
        if (!query_keeps_field(q, f->name))
            continue;
        if (!f->subfields) {
            snprintf(names[n], 64, "%s", f->name);
            columns[n] = names[n];
            n++;
            continue;
        }
        for (size_t k = 0; f->subfields[k] && n < API_MAX_COLUMNS; k++) {
            if (!query_keeps_key(q, f->name, f->subfields[k]))
                continue;
            snprintf(names[n], 64, "%s.%s", f->name, f->subfields[k]);
            columns[n] = names[n];
            n++;
        }
    }
    for (size_t i = 0; i < q->include_count && n < API_MAX_COLUMNS; i++) {
        snprintf(names[n], 64, "included.%s", q->includes[i]->name);
        columns[n] = names[n];
        n++;
    }
    return n;
}

/* Render a page of finished records in the request's representation. */
static void send_page(const struct request *req, struct response *res, const struct query *q,
                      cJSON *records, long long total)
{
    char names[API_MAX_COLUMNS][64];
    const char *columns[API_MAX_COLUMNS];
    cJSON *body, *meta, *links;
    int rc;

    switch (req->format) {
    case REPR_CSV:
        rc = api_page_links(req, res, q->limit, q->offset, total, NULL);
        if (!rc && q->bom)
            rc = buf_puts(&res->body, API_BOM) ? STRATA_ENOMEM : 0;
        if (!rc)
            rc = render_csv(&res->body, records, columns, api_csv_columns(q, names, columns));
        break;
    case REPR_NDJSON:
        rc = api_page_links(req, res, q->limit, q->offset, total, NULL);
        if (!rc)
            rc = render_ndjson(&res->body, records);
        break;
    case REPR_GEOJSON:
        rc = api_page_links(req, res, q->limit, q->offset, total, NULL);
        if (!rc)
            rc = render_geojson(&res->body, records, req->pretty);
        break;
    default:
        body = cJSON_CreateObject();
        if (!body) {
            rc = STRATA_ENOMEM;
            break;
        }
        cJSON_AddItemReferenceToObject(body, "data", records);
        meta = cJSON_AddObjectToObject(body, "meta");
        cJSON_AddNumberToObject(meta, "total", (double)total);
        cJSON_AddNumberToObject(meta, "count", cJSON_GetArraySize(records));
        cJSON_AddNumberToObject(meta, "limit", (double)q->limit);
        cJSON_AddNumberToObject(meta, "offset", (double)q->offset);
        links = cJSON_AddObjectToObject(body, "links");
        rc = links ? api_page_links(req, res, q->limit, q->offset, total, links) : STRATA_ENOMEM;
        if (!rc)
            rc = render_json(&res->body, body, req->pretty);
        cJSON_Delete(body);
    }
    if (rc) {
        api_drop_body(res);
        api_fail(res, rc, "rendering the page");
    }
}

/* A 308 to the record's id: the path with its id segment replaced, the query kept. */
static void moved(const struct request *req, struct response *res,
                  const struct catalog_collection *c, const char *id)
{
    size_t prefix = strlen(c->path) + 1 + strlen(req->id);
    const char *rest = strlen(req->path) >= prefix ? req->path + prefix : "";
    const char *query = req->raw_target ? strchr(req->raw_target, '?') : NULL;

    problem_set(&res->problem, PROBLEM_MOVED,
                "'%s' is a name of the %s '%s'; its id is the address: %s/%s%s", req->id,
                c->singular, id, c->path, id, rest);
    snprintf(res->problem.location, sizeof(res->problem.location), "%s/%s%s%s", c->path, id, rest,
             query ? query : "");
}

/*
 * 404 for an id of collection c that does not exist (naming where it is, if
 * anywhere), or a 308 to the one record the id names by name or alias; a 404
 * names the closest ids.
 */
static void not_found(const struct request *req, struct response *res,
                      const struct catalog_collection *c, const char *id, struct store *store)
{
    const char *type = NULL;
    struct forgive f;

    if (store_record_type(store, id, &type) == 0 && type) {
        problem_set(&res->problem, PROBLEM_NOT_FOUND,
                    "no %s has the id '%s'; it is the id of a record of %s: /v1/%s/%s", c->singular,
                    id, type, type, id);
        return;
    }
    forgive_lookup(req, c, id, &f);
    if (f.match[0]) {
        moved(req, res, c, f.match);
        return;
    }
    if (f.suggestion_count == 0) {
        problem_set(&res->problem, PROBLEM_NOT_FOUND, "no %s has the id '%s'", c->singular, id);
        return;
    }
    problem_set(&res->problem, PROBLEM_NOT_FOUND, "no %s has the id '%s'; did you mean %s%s%s%s%s",
                c->singular, id, f.suggestions[0], f.suggestion_count > 1 ? ", " : "",
                f.suggestion_count > 1 ? f.suggestions[1] : "", f.suggestion_count > 2 ? ", " : "",
                f.suggestion_count > 2 ? f.suggestions[2] : "");
}

/*
 * GeoJSON of events: each event takes its place's coordinates (as a place's
 * own `coordinates`, which render_geojson makes the geometry); an event
 * without a place, or whose place has none, keeps a null geometry. A page
 * names few places: each is read once.
 */
static int place_coordinates(struct store *store, cJSON *events)
{
    const struct catalog_collection *places = catalog_find("places");
    cJSON *seen = cJSON_CreateObject(), *event;
    int rc = seen ? 0 : STRATA_ENOMEM;

    cJSON_ArrayForEach(event, events)
    {
        const char *place = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event, "place"));
        cJSON *at, *copy;
        if (rc || !place || !places)
            continue;
        at = cJSON_GetObjectItemCaseSensitive(seen, place);
        if (!at) {
            cJSON *record = NULL;
            int got = store_get(store, places, place, &record);
            if (got && got != STRATA_ENOTFOUND) {
                rc = got;
                continue;
            }
            at = record ? cJSON_DetachItemFromObjectCaseSensitive(record, "coordinates") : NULL;
            cJSON_Delete(record);
            if (!at)
                at = cJSON_CreateNull();
            if (!at || !cJSON_AddItemToObject(seen, place, at)) {
                cJSON_Delete(at);
                rc = STRATA_ENOMEM;
                continue;
            }
        }
        copy = cJSON_IsObject(at) ? cJSON_Duplicate(at, true) : NULL;
        if (copy && !cJSON_AddItemToObject(event, "coordinates", copy)) {
            cJSON_Delete(copy);
            rc = STRATA_ENOMEM;
        }
    }
    cJSON_Delete(seen);
    return rc;
}

/* The list handler of collection c; parent/filter for a sub-collection. */
static void collection_list(const struct request *req, struct response *res,
                            const struct catalog_collection *c,
                            const struct catalog_collection *parent, const char *filter)
{
    struct store *store = api_store(req);
    struct store_error error = {{0}};
    struct store_page page = {NULL, 0};
    struct query *q;
    struct query_ids ids;
    char route[128];
    int rc;

    /* the route requested, for the unknown_parameter message */
    if (parent)
        snprintf(route, sizeof(route), "%s/{id}/%s", parent->path, c->name);
    else
        snprintf(route, sizeof(route), "%s", c->path);
    if (parent) {
        cJSON *found = NULL;
        rc = store_get(store, parent, req->id, &found);
        cJSON_Delete(found);
        if (rc == STRATA_ENOTFOUND) {
            not_found(req, res, parent, req->id, store);
            return;
        }
        if (rc) {
            api_fail(res, rc, "looking up the parent record");
            return;
        }
    }
    ids = api_query_ids(store);
    q = query_new(c, req, route, QUERY_PAGED, &ids, &res->problem);
    if (!q)
        return;
    if (parent && query_add_filter(q, filter, req->id) != 0) {
        api_fail(res, STRATA_EINVAL, "adding the parent filter");
        goto free_query;
    }
    if (q->bom && req->format != REPR_CSV) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter 'bom': a byte-order mark is for CSV only "
                    "(format=csv)");
        problem_add_error(&res->problem, "bom", request_param(req, "bom"),
                          "only with format=csv (Accept: text/csv)");
        goto free_query;
    }
    if (q->all) {
        api_export(req, res, q); /* takes q */
        return;
    }
    rc = store_select(store, q, &page, &error);
    if (rc) {
        api_store_problem(res, rc, &error, q->text_input);
        goto free_page;
    }
    if (req->format == REPR_GEOJSON && strcmp(c->name, "events") == 0)
        rc = place_coordinates(store, page.records);
    if (!rc)
        rc = api_page_finish(store, q, page.records, req->format == REPR_GEOJSON);
    if (rc) {
        api_fail(res, rc, "reading related records");
        goto free_page;
    }
    send_page(req, res, q, page.records, page.total);
free_page:
    cJSON_Delete(page.records);
free_query:
    query_free(q);
}

static void collection_item(const struct request *req, struct response *res,
                            const struct catalog_collection *c)
{
    /* background=false strips the record's background fields; asked for by id, it is served */
    static const char *const allowed[] = {"fields", "include", "background", NULL};
    static const char *const allowed_evidence[] = {"fields", "include", NULL};
    struct store *store = api_store(req);
    struct query *q;
    struct query_ids ids;
    cJSON *record = NULL, *body, *links;
    char href[1024], route[128];
    int rc;

    snprintf(route, sizeof(route), "%s/{id}", c->path);
    if (!params_check_names(req, route,
                            catalog_filter_find(c, "background") ? allowed : allowed_evidence,
                            &res->problem))
        return;
    ids = api_query_ids(store);
    q = query_new(c, req, route, QUERY_NO_TEXT, &ids, &res->problem);
    if (!q)
        return;
    rc = store_get(store, c, req->id, &record);
    if (rc == STRATA_ENOTFOUND) {
        not_found(req, res, c, req->id, store);
        goto free_record;
    }
    if (!rc)
        rc = api_record_finish(store, q, record, false);
    if (rc) {
        api_fail(res, rc, "reading the record");
        goto free_record;
    }
    body = cJSON_CreateObject();
    if (!body) {
        api_fail(res, STRATA_ENOMEM, "rendering the record");
        goto free_record;
    }
    cJSON_AddItemToObject(body, "data", record);
    record = NULL;
    links = cJSON_AddObjectToObject(body, "links");
    snprintf(href, sizeof(href), "%s/%s", c->path, req->id);
    cJSON_AddStringToObject(links, "self", href);
    cJSON_AddStringToObject(links, "collection", c->path);
    if (c->events_filter) {
        snprintf(href, sizeof(href), "%s/%s/events", c->path, req->id);
        cJSON_AddStringToObject(links, "events", href);
    }
    api_send_json(req, res, body);
    cJSON_Delete(body);
free_record:
    cJSON_Delete(record);
    query_free(q);
}

#define COLLECTION_HANDLERS(name)                                                                  \
    void api_##name##_list(const struct request *req, struct response *res)                        \
    {                                                                                              \
        collection_list(req, res, catalog_find(#name), NULL, NULL);                                \
    }                                                                                              \
    void api_##name##_item(const struct request *req, struct response *res)                        \
    {                                                                                              \
        collection_item(req, res, catalog_find(#name));                                            \
    }

COLLECTION_HANDLERS(actors)
COLLECTION_HANDLERS(organizations)
COLLECTION_HANDLERS(places)
COLLECTION_HANDLERS(events)
COLLECTION_HANDLERS(layers)
COLLECTION_HANDLERS(threats)
COLLECTION_HANDLERS(claims)
COLLECTION_HANDLERS(evidence)
COLLECTION_HANDLERS(relations)

#define EVENTS_OF(name)                                                                            \
    void api_##name##_events(const struct request *req, struct response *res)                      \
    {                                                                                              \
        const struct catalog_collection *parent = catalog_find(#name);                             \
        collection_list(req, res, catalog_find("events"), parent, parent->events_filter);          \
    }

EVENTS_OF(actors)
EVENTS_OF(organizations)
EVENTS_OF(layers)
EVENTS_OF(places)
