/*
 * http.h - the HTTP server: libmicrohttpd glue and HTTP semantics for every
 * route in one place.
 *
 * The only module that includes microhttpd.h. For each request it decodes
 * the target (url.c), finds the route (router.c), applies the method rules
 * (GET, HEAD, OPTIONS 204, 405 with Allow), negotiates the representation
 * (?format= or Accept, 406 otherwise), serves from the snapshot's response
 * cache or calls the handler and caches its answer, and adds what every
 * answer carries: strong ETag and 304, Last-Modified, Cache-Control, Vary,
 * gzip, CORS, X-Request-Id, problem+json errors, limits (414, 431, 400).
 */
#ifndef STRATA_HTTP_H
#define STRATA_HTTP_H

#include <stdbool.h>

#include "config.h"

struct http_server;

/*
 * Start listening with cfg (which must outlive the server). On success
 * *out is the running server, *port the bound port, and 0 is returned; on
 * failure a message is logged and an error code returned.
 */
int http_start(const struct config *cfg, struct http_server **out, unsigned *port);

/*
 * Stop accepting connections and make /readyz answer 503 (SIGTERM): the
 * requests that follow carry draining = true (request.h).
 */
void http_begin_drain(struct http_server *server);

/* Wait until no request is in flight, at most ms milliseconds; true if idle. */
bool http_wait_idle(struct http_server *server, unsigned ms);

/*
 * Cancel the running requests (budget_cancel_all: their statements stop),
 * close every connection and free the server; NULL is a no-op.
 */
void http_stop(struct http_server *server);

#endif
