/*
 * ops.h - operational routes: liveness, readiness and Prometheus metrics.
 */
#ifndef STRATA_OPS_H
#define STRATA_OPS_H

#include "request.h"

/*
 * Each takes no parameter of its own: any query parameter but `format` and
 * `pretty` (validated by the HTTP core) is a 400 unknown_parameter.
 */

/* GET /healthz: the process is alive (200 while it answers). */
void ops_healthz(const struct request *req, struct response *res);
/* GET /readyz: 200 while a model is served, 503 before the first load and while draining. */
void ops_readyz(const struct request *req, struct response *res);
/* GET /metrics: Prometheus text exposition format. */
void ops_metrics(const struct request *req, struct response *res);

#endif
