/*
 * api_stats.c - GET /v1/stats: counts per collection and the facets of the
 * model (events per layer, month, year, type and precision; kinds of
 * actors, organizations, places, threats and claims; relation types).
 */
#include "api.h"

#include "store.h"
#include "params.h"

void api_stats(const struct request *req, struct response *res)
{
    static const char *const none[] = {NULL};
    cJSON *stats = NULL, *body, *links;
    int rc;

    if (!params_check_names(req, "/v1/stats", none, &res->problem))
        return;
    rc = store_stats(api_store(req), &stats);
    if (rc) {
        api_fail(res, rc, "computing the statistics");
        return;
    }
    body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "data", stats);
    links = cJSON_AddObjectToObject(body, "links");
    cJSON_AddStringToObject(links, "self", "/v1/stats");
    api_send_json(req, res, body);
    cJSON_Delete(body);
}
