/*
 * api_search.c - GET /v1/search?q=: ranked full-text hits over every record
 * and evidence span (SQLite FTS5, bm25 with names weighing most), with
 * snippets and, for evidence, the span's and the matched terms' offsets.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"

void api_search(const struct request *req, struct response *res)
{
    static const char *const allowed[] = {"q", "type", "limit", "offset", NULL};
    const struct catalog_collection *types[QUERY_MAX_INCLUDES];
    struct store_search s = {NULL, types, 0, QUERY_LIMIT_DEFAULT, 0};
    struct store_error error = {{0}};
    const char *limit = NULL, *offset = NULL;
    long long number, total = 0;
    cJSON *hits = NULL, *body, *meta, *links;
    int rc;

    if (!query_check_names(req, "/v1/search", allowed, &res->problem))
        return;
    query_single(req, "q", &s.text, &res->problem);
    query_single(req, "limit", &limit, &res->problem);
    query_single(req, "offset", &offset, &res->problem);
    if (!s.text && res->problem.code == PROBLEM_NONE) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "parameter 'q' is required: a full-text expression");
        problem_add_error(&res->problem, "q", "", "required: a full-text expression");
    }
    if (s.text && strlen(s.text) > QUERY_TEXT_MAX) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter 'q': at most %d bytes", QUERY_TEXT_MAX);
        problem_add_error(&res->problem, "q", s.text, "at most %d bytes", QUERY_TEXT_MAX);
    }
    if (limit && query_integer("limit", limit, 1, QUERY_LIMIT_MAX, &number, &res->problem) == 0)
        s.limit = (size_t)number;
    if (offset && query_integer("offset", offset, 0, QUERY_OFFSET_MAX, &number, &res->problem) == 0)
        s.offset = (size_t)number;
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
                if (res->problem.code == PROBLEM_NONE)
                    problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                                "invalid value for parameter 'type': must list collections");
                problem_add_error(&res->problem, "type", value,
                                  "must be one or more of: actors, organizations, places, "
                                  "events, layers, threats, claims, evidence, relations");
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
    rc = store_search(api_store(req), &s, &hits, &total, &error);
    if (rc) {
        api_store_problem(res, rc, &error, s.text);
        return;
    }
    body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "data", hits);
    meta = cJSON_AddObjectToObject(body, "meta");
    cJSON_AddNumberToObject(meta, "total", (double)total);
    cJSON_AddNumberToObject(meta, "count", cJSON_GetArraySize(hits));
    cJSON_AddNumberToObject(meta, "limit", (double)s.limit);
    cJSON_AddNumberToObject(meta, "offset", (double)s.offset);
    cJSON_AddStringToObject(meta, "q", s.text);
    links = cJSON_AddObjectToObject(body, "links");
    rc = links ? api_page_links(req, res, s.limit, s.offset, total, links) : STRATA_ENOMEM;
    if (rc)
        api_fail(res, rc, "rendering the hits");
    else
        api_send_json(req, res, body);
    cJSON_Delete(body);
}
