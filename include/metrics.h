/*
 * metrics.h - process-wide counters in Prometheus text format.
 *
 * Counters are lock-free atomics indexed by route and status, so recording
 * a request never serialises worker threads.
 */
#ifndef STRATA_METRICS_H
#define STRATA_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct snapshot;

/* Route index for requests that matched no route. */
#define METRICS_UNMATCHED ((size_t)-1)

/* Count one answered request on route_index (router_index() or METRICS_UNMATCHED). */
void metrics_request(size_t route_index, int status, double seconds);
/* Count a response-cache lookup. */
void metrics_cache(bool hit);
/* Count a model reload attempt. */
void metrics_reload(bool ok);
/* Set the number of open connections (sampled by the HTTP layer). */
void metrics_connections(long open);

/* Render every metric, with the model's record counts and cache size from snap (may be NULL). */
int metrics_render(struct buf *out, struct snapshot *snap);

#endif
