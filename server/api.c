/*
 * api.c - the helpers every api_*.c handler shares: the store being served,
 * problems for store and memory failures, record and page finishing
 * (related, included, fields=), paging links and the JSON body.
 */
#include "api.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "forgive.h"
#include "provenance.h"
#include "render.h"
#include "snapshot.h"
#include "store.h"
#include "url.h"

struct store *api_store(const struct request *req)
{
    return req->snapshot->store;
}

static const char *collection_of(void *store, const char *id)
{
    const char *collection = NULL;
    return store_record_type(store, id, &collection) == 0 ? collection : NULL;
}

/* query_ids.suggest: a record of collections that value names, else the nearest spelling. */
static bool suggest(void *context, const char *const *collections, const char *value, char *out,
                    size_t size)
{
    char nearest[128] = "";

    for (size_t i = 0; collections[i]; i++) {
        const struct catalog_collection *c = catalog_find(collections[i]);
        struct forgive f;
        if (!c || forgive_lookup_store(context, c, value, &f) != 0)
            continue;
        if (f.match[0]) {
            snprintf(out, size, "%s", f.match);
            return true;
        }
        if (!nearest[0] && f.suggestion_count)
            snprintf(nearest, sizeof(nearest), "%s", f.suggestions[0]);
    }
    snprintf(out, size, "%s", nearest);
    return nearest[0] != '\0';
}

struct query_ids api_query_ids(struct store *store)
{
    struct query_ids ids = {collection_of, suggest, store};
    return ids;
}

/* Add name: text to record in the catalog's place, just after the member called after. */
static int add_after(cJSON *record, const char *after, const char *name, const char *text)
{
    cJSON *item = cJSON_CreateString(text), *member;

    if (!item || !cJSON_AddItemToObject(record, name, item)) {
        cJSON_Delete(item);
        return STRATA_ENOMEM;
    }
    for (member = record->child; member && strcmp(member->string, after) != 0;
         member = member->next)
        ;
    if (member && member->next && member->next != item) {
        /* relink by hand: cJSON keeps the last member in child->prev */
        cJSON_DetachItemViaPointer(record, item);
        item->prev = member;
        item->next = member->next;
        member->next->prev = item;
        member->next = item;
    }
    return 0;
}

int api_add_href(cJSON *object, const char *collection, const char *id)
{
    const struct catalog_collection *c = catalog_find(collection);
    char href[1024];

    if (!c || !id)
        return STRATA_EINVAL;
    snprintf(href, sizeof(href), "%s/%s", c->path, id);
    /* the member order of a link: href after label */
    return add_after(object, "label", "href", href);
}

/* The href of every entry of a related object (store_related: {collection: [{id, label}]}). */
static int related_hrefs(cJSON *related)
{
    cJSON *list, *entry;
    int rc = 0;

    cJSON_ArrayForEach(list, related)
    {
        cJSON_ArrayForEach(entry, list)
        {
            if (!rc)
                rc = api_add_href(
                    entry, list->string,
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "id")));
        }
    }
    return rc;
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

void api_drop_body(struct response *res)
{
    int over_cap = res->body.failed == BUF_OVER_CAP;

    buf_reset(&res->body);
    if (over_cap)
        res->body.failed = BUF_OVER_CAP;
}

void api_send_json(const struct request *req, struct response *res, const cJSON *value)
{
    if (render_json(&res->body, value, req->pretty) != 0) {
        api_drop_body(res);
        api_fail(res, STRATA_ENOMEM, "rendering the response");
    }
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

/* A relation's ends and type in words (source_label, target_label, type_label), after hedge. */
static int relation_labels(struct store *store, cJSON *record)
{
    static const char *const ends[][2] = {{"source", "source_label"}, {"target", "target_label"}};
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "type"));
    const char *verb = catalog_relation_verb(type), *after = "hedge";

    for (size_t i = 0; i < 2; i++) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, ends[i][0]));
        char *label = NULL;
        int rc = id ? store_label(store, id, &label) : STRATA_ENOTFOUND;
        if (rc && rc != STRATA_ENOTFOUND)
            return rc;
        rc = add_after(record, after, ends[i][1], label ? label : (id ? id : ""));
        free(label);
        if (rc)
            return rc;
        after = ends[i][1];
    }
    return add_after(record, after, "type_label", verb ? verb : (type ? type : ""));
}

/* relation_labels of every relation of list. */
static int relation_labels_all(struct store *store, cJSON *list)
{
    cJSON *relation;
    int rc = 0;

    cJSON_ArrayForEach(relation, list)
    {
        if (!rc)
            rc = relation_labels(store, relation);
    }
    return rc;
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

    assert(id); /* records come from the store, which always writes their id */
    if (query_excludes_background(q))
        provenance_strip_background(record);
    if (strcmp(q->collection->name, "relations") == 0) {
        rc = relation_labels(store, record);
        if (rc) {
            cJSON_Delete(related);
            return rc;
        }
    }
    if (wants_related(q)) {
        if (!related) {
            rc = store_related(store, id, &related);
            if (rc)
                return rc;
        }
        cJSON_AddItemToObject(record, "related", related);
        rc = related_hrefs(related);
        if (rc)
            return rc;
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
            if (strcmp(q->includes[i]->name, "relations") == 0) {
                rc = relation_labels_all(store, list);
                if (rc) {
                    cJSON_Delete(included);
                    return rc;
                }
            }
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
    /* fields=date.start: an object field keeps only the keys named */
    for (member = record->child; member; member = member->next) {
        cJSON *key, *after;
        /* (a member kept for another reason, GeoJSON's coordinates, keeps all its keys) */
        if (!cJSON_IsObject(member) || strcmp(member->string, "included") == 0 ||
            !query_keeps_field(q, member->string))
            continue;
        for (key = member->child; key; key = after) {
            after = key->next;
            if (!query_keeps_key(q, member->string, key->string))
                cJSON_Delete(cJSON_DetachItemViaPointer(member, key));
        }
    }
    return 0;
}

int api_record_finish(struct store *store, const struct query *q, cJSON *record, bool geojson)
{
    return record_finish(store, q, record, geojson, NULL);
}

int api_page_finish(struct store *store, const struct query *q, cJSON *records, bool geojson)
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
            assert(ids[i]); /* as in record_finish: the store writes every record's id */
            i++;
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
    url_encode_path(out, req->path);
    buf_putc(out, '?');
    for (size_t i = 0; i < req->param_count; i++) {
        const struct param *p = &req->params[i];
        if (strcmp(p->name, "limit") == 0 || strcmp(p->name, "offset") == 0)
            continue;
        url_encode(out, p->name);
        buf_putc(out, '=');
        url_encode(out, p->value);
        buf_putc(out, '&');
    }
    buf_printf(out, "limit=%zu&offset=%zu", limit, offset);
}

int api_page_links(const struct request *req, struct response *res, size_t limit, size_t offset,
                   long long total, cJSON *links)
{
    const char *rels[] = {"self", "first", "prev", "next", "last"};
    long long offsets[5];
    long long last;
    struct buf url;

    assert(limit > 0); /* the parsers refuse limit=0: a page has room for a record */
    last = total > 0 ? ((total - 1) / (long long)limit) * (long long)limit : 0;
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
