/*
 * api_spec.h - the OpenAPI document and the API reference, served from memory.
 *
 * api-spec/openapi.yaml is the machine-readable contract of the API;
 * api-spec/openapi.json is the same document generated from it, and
 * api-spec/docs/index.html the offline reference that Redocly builds from it
 * (see tests/contract/contract.mk). api_spec_load() reads the three files
 * from the --spec-dir folder once, at startup, before any request is served;
 * afterwards they are read-only, so the handlers may run on any thread. The
 * routes are cacheable: http.c adds ETag, 304, gzip and caching headers.
 *
 * A folder that cannot be read does not stop the daemon (the model is what
 * it serves): api_spec_load() says why and the three routes then answer 500
 * internal_error with that reason, so that the fault is visible where it is.
 */
#ifndef STRATA_API_SPEC_H
#define STRATA_API_SPEC_H

#include "request.h"

/* The largest file api_spec_load() accepts. */
#define API_SPEC_MAX_BYTES ((size_t)32 * 1024 * 1024)

/*
 * Read <dir>/openapi.yaml, <dir>/openapi.json (which must parse as JSON) and
 * <dir>/docs/index.html, replacing what an earlier call loaded. Returns
 * STRATA_OK, or an error code with the reason in api_spec_error(); on error
 * the routes answer 500 with that reason until a later call succeeds.
 * Not thread-safe: call it before the server starts.
 */
int api_spec_load(const char *dir);

/* Why the last api_spec_load() failed ("<file>: <reason>"), or "" after a success. */
const char *api_spec_error(void);

/* Free what api_spec_load() loaded; the routes then answer 500. */
void api_spec_unload(void);

/* GET /openapi.yaml: the document as YAML (application/yaml). */
void api_spec_yaml(const struct request *req, struct response *res);
/* GET /openapi.json: the document as JSON, compact or with ?pretty=true indented. */
void api_spec_json(const struct request *req, struct response *res);
/* GET /docs: the HTML API reference (one self-contained page, no external resources). */
void api_spec_docs(const struct request *req, struct response *res);

#endif
