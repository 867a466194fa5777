/*
 * ops.c - liveness, readiness and metrics for operators and orchestrators.
 */
#include "ops.h"

#include "http.h"
#include "metrics.h"
#include "snapshot.h"

void ops_healthz(const struct request *req, struct response *res)
{
    (void)req;
    res->no_store = true;
    buf_puts(&res->body, "{\"status\":\"ok\"}\n");
}

void ops_readyz(const struct request *req, struct response *res)
{
    const struct snapshot *snap = req->snapshot;

    res->no_store = true;
    if (http_draining()) {
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
    if (metrics_render(&res->body, req->snapshot))
        problem_set(&res->problem, PROBLEM_INTERNAL, "out of memory rendering the metrics");
}
