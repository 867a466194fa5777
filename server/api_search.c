/*
 * api_search.c - GET /v1/search?q=: ranked full-text hits over every record
 * and evidence span (SQLite FTS5, bm25 with names weighing most), with
 * snippets and, for evidence, the span's and the matched terms' offsets.
 * A record hit carries `evidence` (from the store's ranking pass): the
 * spans of that record that match q too, or else its first span in article
 * order, so that a client can highlight every hit in the article without
 * fetching its item.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "search_text.h"
#include "search_plain.h"
#include "store.h"
#include "params.h"

/* The href of every hit and of an evidence hit's record (the store formats no URL). */
static int add_hrefs(cJSON *hits)
{
    cJSON *hit;
    int rc = 0;

    cJSON_ArrayForEach(hit, hits)
    {
        cJSON *record = cJSON_GetObjectItemCaseSensitive(hit, "record");
        if (!rc)
            rc = api_add_href(hit,
                              cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "type")),
                              cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hit, "id")));
        if (!rc && record)
            rc = api_add_href(
                record, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "type")),
                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "id")));
    }
    return rc;
}

/* A type= value that names no collection (or holds an empty item): its error. */
static void unknown_type(struct problem *problem, const char *value, bool empty_item)
{
    struct buf reason;

    buf_init(&reason, 0); /* the problem keeps what fits */
    if (empty_item)
        buf_puts(&reason, "an empty item in the list");
    else {
        buf_puts(&reason, "must be one or more of: ");
        for (size_t i = 0; i < catalog_collection_count; i++)
            buf_printf(&reason, "%s%s", i ? ", " : "", catalog_collections[i].name);
    }
    params_fail(problem, PROBLEM_INVALID_PARAMETER, "type", value, "%s", buf_str(&reason));
    buf_release(&reason);
}

void api_search(const struct request *req, struct response *res)
{
    static const char *const allowed[] = {"q", "q_mode", "type", "limit", "offset", NULL};
    const struct catalog_collection *types[QUERY_MAX_INCLUDES];
    struct store_search s = {NULL, types, 0, QUERY_LIMIT_DEFAULT, 0};
    struct store_error error = {{0}};
    const char *limit = NULL, *offset = NULL, *mode_name = NULL, *typed = NULL;
    enum search_mode mode = SEARCH_MODE_PLAIN;
    unsigned min_prefix = req->config ? req->config->search_min_prefix : SEARCH_MIN_PREFIX_DEFAULT;
    struct buf expression;
    long long total = 0;
    cJSON *hits = NULL, *body, *meta, *links;
    int rc;

    if (!params_check_names(req, "/v1/search", allowed, &res->problem))
        return;
    params_single(req, "q", &s.text, &res->problem);
    params_single(req, "limit", &limit, &res->problem);
    params_single(req, "offset", &offset, &res->problem);
    if (params_single(req, "q_mode", &mode_name, &res->problem) == 0)
        search_plain_mode("q_mode", mode_name, &mode, &res->problem);
    if (!s.text && res->problem.code == PROBLEM_NONE) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "parameter 'q' is required: the words to search for");
        problem_add_error(&res->problem, "q", "", "required: the words to search for");
    }
    /* blanks only: the same answer as q= on a collection, not an FTS5 syntax error */
    if (s.text && query_check_text("q", s.text, &res->problem) != 0)
        s.text = NULL;
    if (s.text && mode == SEARCH_MODE_RAW && res->problem.code == PROBLEM_NONE)
        search_text_check("q", s.text, min_prefix, &res->problem);
    if (limit)
        query_page_bound("limit", limit, &s.limit, &res->problem);
    if (offset)
        query_page_bound("offset", offset, &s.offset, &res->problem);
    for (size_t i = 0; i < req->param_count; i++) {
        const char *value = req->params[i].value, *p = value;
        if (strcmp(req->params[i].name, "type") != 0)
            continue;
        while (p) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char name[32];
            const struct catalog_collection *c = NULL;
            bool seen = false;
            if (len < sizeof(name)) {
                memcpy(name, p, len);
                name[len] = '\0';
                c = catalog_find(name);
            }
            if (!c) {
                unknown_type(&res->problem, value, len == 0);
                break;
            }
            for (size_t k = 0; k < s.type_count; k++)
                seen = seen || types[k] == c;
            if (!seen && s.type_count < QUERY_MAX_INCLUDES)
                types[s.type_count++] = c;
            p = comma ? comma + 1 : NULL;
        }
    }
    if (res->problem.code != PROBLEM_NONE)
        return;
    typed = s.text;
    buf_init(&expression, QUERY_TEXT_MAX * 4);
    if (mode == SEARCH_MODE_PLAIN) {
        rc = search_plain_expression(typed, min_prefix, &expression);
        if (rc == STRATA_EINVAL) {
            problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                        "invalid value for parameter 'q': has no letter or digit to search for");
            problem_add_error(&res->problem, "q", typed, "has no letter or digit to search for");
        } else if (rc) {
            api_fail(res, rc, "reading q");
        }
        if (rc)
            goto release_expression;
        s.text = buf_str(&expression);
    }
    rc = store_search(api_store(req), &s, &hits, &total, &error);
    if (rc) {
        api_store_problem(res, rc, &error, typed);
        goto release_expression;
    }
    rc = add_hrefs(hits);
    if (rc) {
        cJSON_Delete(hits);
        api_fail(res, rc, "linking the hits");
        goto release_expression;
    }
    body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "data", hits);
    meta = cJSON_AddObjectToObject(body, "meta");
    cJSON_AddNumberToObject(meta, "total", (double)total);
    cJSON_AddNumberToObject(meta, "count", cJSON_GetArraySize(hits));
    cJSON_AddNumberToObject(meta, "limit", (double)s.limit);
    cJSON_AddNumberToObject(meta, "offset", (double)s.offset);
    cJSON_AddStringToObject(meta, "q", typed);
    cJSON_AddStringToObject(meta, "q_mode", mode == SEARCH_MODE_RAW ? "raw" : "plain");
    cJSON_AddStringToObject(meta, "expression", s.text);
    links = cJSON_AddObjectToObject(body, "links");
    rc = links ? api_page_links(req, res, s.limit, s.offset, total, links) : STRATA_ENOMEM;
    if (rc)
        api_fail(res, rc, "rendering the hits");
    else
        api_send_json(req, res, body);
    cJSON_Delete(body);
release_expression:
    buf_release(&expression);
}
