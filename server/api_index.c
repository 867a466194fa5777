/*
 * api_index.c - GET /: what this service is and where everything lives.
 *
 * The route list comes from the route table itself, so it can never miss a
 * route: each entry has its path (a URI template when it holds {id}) and the
 * representations it serves.
 */
#include "api.h"

#include <string.h>

#include "error.h"
#include "router.h"
#include "snapshot.h"
#include "params.h"

#ifndef STRATA_VERSION
#define STRATA_VERSION "0.0.0"
#endif

void api_index(const struct request *req, struct response *res)
{
    static const char *const none[] = {NULL};
    const struct model *model = req->snapshot->model;
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(model->root, "source");
    cJSON *body, *m, *links, *list;

    if (!params_check_names(req, "/", none, &res->problem))
        return;
    body = cJSON_CreateObject();
    if (!body) {
        api_fail(res, STRATA_ENOMEM, "rendering the index");
        return;
    }
    cJSON_AddStringToObject(body, "service", "strata");
    cJSON_AddStringToObject(body, "description",
                            "A read-only API over the extracted model of one article: actors, "
                            "organizations, events, strategy layers, places, threats, claims, "
                            "evidence and relations.");
    cJSON_AddStringToObject(body, "version", STRATA_VERSION);
    m = cJSON_AddObjectToObject(body, "model");
    cJSON_AddStringToObject(m, "version", model->version);
    cJSON_AddNumberToObject(m, "generation", (double)req->snapshot->generation);
    cJSON_AddStringToObject(m, "loaded_at", req->snapshot->last_modified);
    cJSON_AddItemToObject(m, "title", cJSON_Duplicate(cJSON_GetObjectItem(source, "title"), 1));
    cJSON_AddItemToObject(m, "author", cJSON_Duplicate(cJSON_GetObjectItem(source, "author"), 1));
    cJSON_AddItemToObject(m, "publication",
                          cJSON_Duplicate(cJSON_GetObjectItem(source, "publication"), 1));
    links = cJSON_AddObjectToObject(body, "links");
    list = cJSON_AddArrayToObject(body, "routes");
    for (size_t i = 0; i < route_count; i++) {
        const struct route *r = &routes[i];
        cJSON *entry = cJSON_CreateObject(), *formats;
        bool templated = strchr(r->pattern, '{') != NULL;
        cJSON_AddStringToObject(entry, "href", r->pattern);
        cJSON_AddBoolToObject(entry, "templated", templated);
        formats = cJSON_AddArrayToObject(entry, "formats");
        for (int k = 0; k < REPR_COUNT; k++)
            if (r->representations & REPR_BIT(k))
                cJSON_AddItemToArray(
                    formats, cJSON_CreateString(representation_name((enum representation)k)));
        cJSON_AddItemToArray(list, entry);
        if (!templated && strcmp(r->pattern, "/") != 0) {
            const char *name = r->pattern + 1;
            if (strncmp(name, "v1/", 3) == 0)
                name += 3;
            if (!cJSON_GetObjectItemCaseSensitive(links, name))
                cJSON_AddStringToObject(links, name, r->pattern);
        }
    }
    api_send_json(req, res, body);
    cJSON_Delete(body);
}
