/*
 * ops.c - liveness, readiness and metrics for operators and orchestrators.
 *
 * They take no parameters of their own: like every route, an unknown query
 * parameter is a 400 unknown_parameter (params_check_names), so a misspelt
 * probe is noticed instead of silently answered. `format` and `pretty`
 * belong to the HTTP core, which validated them.
 */
#include "ops.h"

#include "metrics.h"
#include "query.h"
#include "snapshot.h"
#include "params.h"

static const char *const no_parameters[] = {NULL};

void ops_healthz(const struct request *req, struct response *res)
{
    res->no_store = true;
    if (!params_check_names(req, "/healthz", no_parameters, &res->problem))
        return;
    buf_puts(&res->body, "{\"status\":\"ok\"}\n");
}

void ops_readyz(const struct request *req, struct response *res)
{
    const struct snapshot *snap = req->snapshot;

    res->no_store = true;
    if (!params_check_names(req, "/readyz", no_parameters, &res->problem))
        return;
    if (req->draining) {
        problem_set(&res->problem, PROBLEM_UNAVAILABLE,
                    "the server is draining: it finishes in-flight requests and stops");
        return;
    }
    buf_printf(&res->body,
               "{\"status\":\"ready\",\"model_version\":\"%s\",\"generation\":%lu,"
               "\"loaded_at\":\"%s\"}\n",
               snap->model->version, snap->generation, snap->last_modified);
}

void ops_metrics(const struct request *req, struct response *res)
{
    res->no_store = true;
    if (!params_check_names(req, "/metrics", no_parameters, &res->problem))
        return;
    if (metrics_render(&res->body, req->snapshot))
        problem_set(&res->problem, PROBLEM_INTERNAL, "out of memory rendering the metrics");
}
