/*
 * api_collections.c - the collection, item and sub-collection handlers of
 * every record type, driven by the catalog, and the helpers the other
 * api_*.c files share (paging links, record finishing, error mapping).
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "provenance.h"
#include "render.h"
#include "snapshot.h"
#include "store.h"

#define MAX_COLUMNS 96

struct store *api_store(const struct request *req)
{
    return req->snapshot->store;
}

void api_fail(struct response *res, int code, const char *what)
{
    problem_set(&res->problem, PROBLEM_INTERNAL, "%s failed: %s", what, strata_strerror(code));
}

/*
 * What is wrong with a raw FTS5 expression, in our words: SQLite's message
 * names the token it stopped at or the column it does not know; anything
 * else is only "not valid".
 */
static void raw_reason(const char *message, char *out, size_t size)
{
    static const char near[] = "syntax error near \"", column[] = "no such column: ";
    const char *at = strstr(message, near);
    int len;

    if (at) {
        at += sizeof(near) - 1;
        len = (int)strcspn(at, "\"");
        if (len == 0)
            snprintf(out, size,
                     "the expression ends too early (an operator or '(' without "
                     "its terms)");
        else
            snprintf(out, size, "unexpected '%.*s' (quote words with punctuation: \"al-qaeda\")",
                     len > 64 ? 64 : len, at);
        return;
    }
    at = strstr(message, column);
    if (at) {
        at += sizeof(column) - 1;
        len = (int)strcspn(at, " ");
        snprintf(out, size,
                 "'%.*s:' is not a column; the columns are label, aliases, summary and text",
                 len > 64 ? 64 : len, at);
        return;
    }
    snprintf(out, size,
             "not a valid expression (terms, \"phrases\", AND, OR, NOT, NEAR(), "
             "prefix*, column:, parentheses)");
}

void api_store_problem(struct response *res, int code, const struct store_error *error,
                       const char *text)
{
    if (code == STRATA_EPARSE) {
        char reason[PROBLEM_TEXT_MAX];
        raw_reason(error->message, reason, sizeof(reason));
        problem_set(&res->problem, PROBLEM_INVALID_QUERY,
                    "the full-text expression in 'q' is not valid: %s; q_mode=raw takes FTS5's "
                    "expression language, without it q is searched as typed",
                    reason);
        problem_add_error(&res->problem, "q", text, "%s", reason);
        return;
    }
    problem_set(&res->problem, PROBLEM_INTERNAL, "the store failed: %s",
                error->message[0] ? error->message : strata_strerror(code));
}

void api_send_json(const struct request *req, struct response *res, const cJSON *value)
{
    if (render_json(&res->body, value, req->pretty) != 0) {
        buf_reset(&res->body);
        api_fail(res, STRATA_ENOMEM, "rendering the response");
    }
}

int api_encode_path(struct buf *out, const char *path)
{
    for (const char *p = path; *p; p++) {
        char one[2] = {*p, '\0'};
        if (*p == '/')
            buf_putc(out, '/');
        else
            query_encode(out, one);
    }
    return out->failed ? STRATA_ENOMEM : 0;
}

/* Whether the records of q get a "related" member. */
static bool wants_related(const struct query *q)
{
    return query_keeps_field(q, "related") && catalog_field_find(q->collection, "related");
}

/* background=false for an included list: background records go, the rest lose their facts. */
static void strip_background_list(cJSON *list)
{
    cJSON *record, *next;

    for (record = cJSON_IsArray(list) ? list->child : NULL; record; record = next) {
        const char *provenance =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "provenance"));
        next = record->next;
        if (provenance && strcmp(provenance, "background") == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(list, record));
        else
            provenance_strip_background(record);
    }
}

/*
 * api_record_finish with the record's related lists already read (taken
 * over, freed on every path), or NULL to read them here.
 */
static int record_finish(struct store *store, const struct query *q, cJSON *record, bool geojson,
                         cJSON *related)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "id"));
    cJSON *member, *next;
    int rc;

    if (!id) {
        cJSON_Delete(related);
        return STRATA_EINVAL;
    }
    if (query_excludes_background(q))
        provenance_strip_background(record);
    if (wants_related(q)) {
        if (!related) {
            rc = store_related(store, id, &related);
            if (rc)
                return rc;
        }
        cJSON_AddItemToObject(record, "related", related);
    } else {
        cJSON_Delete(related);
    }
    if (q->include_count) {
        cJSON *included = cJSON_CreateObject();
        if (!included)
            return STRATA_ENOMEM;
        for (size_t i = 0; i < q->include_count; i++) {
            cJSON *list;
            rc = store_related_records(store, id, q->includes[i], &list);
            if (rc) {
                cJSON_Delete(included);
                return rc;
            }
            if (query_excludes_background(q))
                strip_background_list(list);
            cJSON_AddItemToObject(included, q->includes[i]->name, list);
        }
        cJSON_AddItemToObject(record, "included", included);
    }
    if (q->field_count == 0)
        return 0;
    for (member = record->child; member; member = next) {
        next = member->next;
        if (strcmp(member->string, "included") == 0 || query_keeps_field(q, member->string))
            continue;
        if (geojson &&
            (strcmp(member->string, "coordinates") == 0 || strcmp(member->string, "id") == 0))
            continue;
        cJSON_Delete(cJSON_DetachItemViaPointer(record, member));
    }
    return 0;
}

int api_record_finish(struct store *store, const struct query *q, cJSON *record, bool geojson)
{
    return record_finish(store, q, record, geojson, NULL);
}

/*
 * api_record_finish of every record of a page, their related lists read in
 * one query (store_related_many) rather than one per record.
 */
static int page_finish(struct store *store, const struct query *q, cJSON *records, bool geojson)
{
    size_t count = (size_t)cJSON_GetArraySize(records), i = 0;
    const char **ids = NULL;
    cJSON **related = NULL, *record;
    int rc = 0;

    if (count > 0 && wants_related(q)) {
        ids = calloc(count, sizeof(*ids));
        related = calloc(count, sizeof(*related));
        if (!ids || !related) {
            free(ids);
            free(related);
            return STRATA_ENOMEM;
        }
        cJSON_ArrayForEach(record, records)
        {
            ids[i] = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "id"));
            if (!ids[i++]) {
                free(ids);
                free(related);
                return STRATA_EINVAL;
            }
        }
        rc = store_related_many(store, ids, count, related);
        free(ids);
        if (rc) {
            free(related);
            return rc;
        }
    }
    i = 0;
    cJSON_ArrayForEach(record, records)
    {
        cJSON *mine = related ? related[i] : NULL;
        if (related)
            related[i] = NULL;
        i++;
        if (!rc)
            rc = record_finish(store, q, record, geojson, mine);
        else
            cJSON_Delete(mine);
    }
    free(related);
    return rc;
}

/* path?<other params>&limit=L&offset=O */
static void page_url(struct buf *out, const struct request *req, size_t limit, size_t offset)
{
    api_encode_path(out, req->path);
    buf_putc(out, '?');
    for (size_t i = 0; i < req->param_count; i++) {
        const struct param *p = &req->params[i];
        if (strcmp(p->name, "limit") == 0 || strcmp(p->name, "offset") == 0)
            continue;
        query_encode(out, p->name);
        buf_putc(out, '=');
        query_encode(out, p->value);
        buf_putc(out, '&');
    }
    buf_printf(out, "limit=%zu&offset=%zu", limit, offset);
}

int api_page_links(const struct request *req, struct response *res, size_t limit, size_t offset,
                   long long total, cJSON *links)
{
    const char *rels[] = {"self", "first", "prev", "next", "last"};
    long long offsets[5];
    long long last = total > 0 ? ((total - 1) / (long long)limit) * (long long)limit : 0;
    struct buf url;

    offsets[0] = (long long)offset;
    offsets[1] = 0;
    offsets[2] = offset > 0 ? (offset > limit ? (long long)(offset - limit) : 0) : -1;
    offsets[3] = (long long)(offset + limit) < total ? (long long)(offset + limit) : -1;
    offsets[4] = last;
    buf_init(&url, 0);
    for (size_t i = 0; i < 5; i++) {
        if (offsets[i] < 0) {
            if (links)
                cJSON_AddNullToObject(links, rels[i]);
            continue;
        }
        buf_reset(&url);
        page_url(&url, req, limit, (size_t)offsets[i]);
        if (links)
            cJSON_AddStringToObject(links, rels[i], buf_str(&url));
        buf_printf(&res->link, "%s<%s>; rel=\"%s\"", res->link.len ? ", " : "", buf_str(&url),
                   rels[i]);
    }
    if (res->link.failed)
        buf_reset(&res->link); /* too long for a header: the body still has the links */
    res->link.failed = 0;
    res->total_count = total;
    if (url.failed) {
        buf_release(&url);
        return STRATA_ENOMEM;
    }
    buf_release(&url);
    return 0;
}

/* CSV columns of q: the kept fields (objects flattened), then included.<name>. */
static size_t csv_columns(const struct query *q, char names[][64], const char **columns)
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
        for (size_t k = 0; f->subfields[k] && n < MAX_COLUMNS; k++) {
            snprintf(names[n], 64, "%s.%s", f->name, f->subfields[k]);
            columns[n] = names[n];
            n++;
        }
    }
    for (size_t i = 0; i < q->include_count && n < MAX_COLUMNS; i++) {
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
    char names[MAX_COLUMNS][64];
    const char *columns[MAX_COLUMNS];
    cJSON *body, *meta, *links;
    int rc;

    switch (req->format) {
    case REPR_CSV:
        rc = api_page_links(req, res, q->limit, q->offset, total, NULL);
        if (!rc)
            rc = render_csv(&res->body, records, columns, csv_columns(q, names, columns));
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
        buf_reset(&res->body);
        api_fail(res, rc, "rendering the page");
    }
}

/* 404 for an id of collection c that does not exist (naming where it is, if anywhere). */
static void not_found(struct response *res, const struct catalog_collection *c, const char *id,
                      struct store *store)
{
    const char *type = NULL;
    if (store_record_type(store, id, &type) == 0 && type)
        problem_set(&res->problem, PROBLEM_NOT_FOUND,
                    "no %s has the id '%s'; it is the id of a record of %s: /v1/%s/%s", c->singular,
                    id, type, type, id);
    else
        problem_set(&res->problem, PROBLEM_NOT_FOUND, "no %s has the id '%s'", c->singular, id);
}

/* The list handler of collection c; parent/filter for a sub-collection. */
static void collection_list(const struct request *req, struct response *res,
                            const struct catalog_collection *c,
                            const struct catalog_collection *parent, const char *filter)
{
    struct store *store = api_store(req);
    struct store_error error = {{0}};
    struct store_page page = {NULL, 0};
    struct query *q = calloc(1, sizeof(*q));
    char route[128];
    int rc;

    if (!q) {
        api_fail(res, STRATA_ENOMEM, "parsing the query");
        return;
    }
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
            not_found(res, parent, req->id, store);
            free(q);
            return;
        }
        if (rc) {
            api_fail(res, rc, "looking up the parent record");
            free(q);
            return;
        }
    }
    rc = query_parse_route(q, c, req, route, QUERY_PAGED, store, &res->problem);
    if (rc) {
        if (rc != STRATA_EINVAL)
            api_fail(res, rc, "parsing the query");
        free(q);
        return;
    }
    if (parent && query_add_filter(q, filter, req->id) != 0) {
        api_fail(res, STRATA_EINVAL, "adding the parent filter");
        goto done;
    }
    rc = store_select(store, q, &page, &error);
    if (rc) {
        api_store_problem(res, rc, &error, q->text_input);
        goto done;
    }
    rc = page_finish(store, q, page.records, req->format == REPR_GEOJSON);
    if (rc) {
        api_fail(res, rc, "reading related records");
        goto done;
    }
    send_page(req, res, q, page.records, page.total);
done:
    cJSON_Delete(page.records);
    query_release(q);
    free(q);
}

static void collection_item(const struct request *req, struct response *res,
                            const struct catalog_collection *c)
{
    /* background=false strips the record's background fields; asked for by id, it is served */
    static const char *const allowed[] = {"fields", "include", "background", NULL};
    static const char *const allowed_evidence[] = {"fields", "include", NULL};
    struct store *store = api_store(req);
    struct query *q;
    cJSON *record = NULL, *body, *links;
    char href[1024], route[128];
    int rc;

    snprintf(route, sizeof(route), "%s/{id}", c->path);
    if (!query_check_names(req, route,
                           catalog_filter_find(c, "background") ? allowed : allowed_evidence,
                           &res->problem))
        return;
    q = calloc(1, sizeof(*q));
    if (!q) {
        api_fail(res, STRATA_ENOMEM, "parsing the query");
        return;
    }
    rc = query_parse_route(q, c, req, route, QUERY_NO_TEXT, store, &res->problem);
    if (rc) {
        if (rc != STRATA_EINVAL)
            api_fail(res, rc, "parsing the query");
        free(q);
        return;
    }
    rc = store_get(store, c, req->id, &record);
    if (rc == STRATA_ENOTFOUND) {
        not_found(res, c, req->id, store);
        goto done;
    }
    if (!rc)
        rc = api_record_finish(store, q, record, false);
    if (rc) {
        api_fail(res, rc, "reading the record");
        goto done;
    }
    body = cJSON_CreateObject();
    if (!body) {
        api_fail(res, STRATA_ENOMEM, "rendering the record");
        goto done;
    }
    cJSON_AddItemToObject(body, "data", record);
    record = NULL;
    links = cJSON_AddObjectToObject(body, "links");
    snprintf(href, sizeof(href), "%s/%s", c->path, req->id);
    cJSON_AddStringToObject(links, "self", href);
    cJSON_AddStringToObject(links, "collection", c->path);
    if (strcmp(c->name, "actors") == 0 || strcmp(c->name, "organizations") == 0 ||
        strcmp(c->name, "layers") == 0 || strcmp(c->name, "places") == 0) {
        snprintf(href, sizeof(href), "%s/%s/events", c->path, req->id);
        cJSON_AddStringToObject(links, "events", href);
    }
    api_send_json(req, res, body);
    cJSON_Delete(body);
done:
    cJSON_Delete(record);
    query_release(q);
    free(q);
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

#define EVENTS_OF(name, filter)                                                                    \
    void api_##name##_events(const struct request *req, struct response *res)                      \
    {                                                                                              \
        collection_list(req, res, catalog_find("events"), catalog_find(#name), filter);            \
    }

EVENTS_OF(actors, "actor")
EVENTS_OF(organizations, "organization")
EVENTS_OF(layers, "layer")
EVENTS_OF(places, "place")
