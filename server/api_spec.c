/*
 * api_spec.c - serve the OpenAPI document (YAML and JSON) and the offline
 * API reference from memory.
 *
 * The files are read once by api_spec_load(); the JSON is parsed then, so a
 * broken openapi.json is reported at startup, and kept in its compact and
 * indented forms so that ?pretty= costs nothing per request.
 */
#include "api_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "query.h"
#include "render.h"
#include "params.h"

#define PATH_MAX_BYTES 1200

struct api_spec {
    struct buf yaml;
    struct buf json_compact;
    struct buf json_pretty;
    struct buf html;
    char error[PATH_MAX_BYTES + 128]; /* why the last load failed, "" after a success */
    int loaded;
};

static struct api_spec spec = {.error = "api_spec_load() was not called"};

/* Read the whole file at path into out (capped); on failure say why in error. */
static int read_file(const char *path, struct buf *out, char *error, size_t error_size)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc = STRATA_OK;

    if (!f) {
        snprintf(error, error_size, "%s: %s", path, strerror(errno));
        return STRATA_EIO;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_add(out, chunk, n)) {
            snprintf(error, error_size, "%s: larger than %zu bytes", path, API_SPEC_MAX_BYTES);
            rc = STRATA_ELIMIT;
            goto close_file;
        }
    }
    if (ferror(f)) {
        snprintf(error, error_size, "%s: read error", path);
        rc = STRATA_EIO;
    } else if (out->len == 0) {
        snprintf(error, error_size, "%s: the file is empty", path);
        rc = STRATA_EPARSE;
    }
close_file:
    fclose(f);
    return rc;
}

/* Parse the JSON document and render its compact and indented forms (as every JSON route). */
static int json_forms(const struct buf *text, const char *path, struct buf *compact,
                      struct buf *pretty, char *error, size_t error_size)
{
    cJSON *doc = cJSON_ParseWithLength(buf_str(text), text->len);
    int rc;

    if (!doc || !cJSON_IsObject(doc)) {
        snprintf(error, error_size, "%s: not a JSON object", path);
        cJSON_Delete(doc);
        return STRATA_EPARSE;
    }
    rc = render_json(compact, doc, false);
    if (!rc)
        rc = render_json(pretty, doc, true);
    if (rc)
        snprintf(error, error_size, "%s: cannot render the document: %s", path,
                 strata_strerror(rc));
    cJSON_Delete(doc);
    return rc;
}

static void release_bodies(struct api_spec *s)
{
    buf_release(&s->yaml);
    buf_release(&s->json_compact);
    buf_release(&s->json_pretty);
    buf_release(&s->html);
    s->loaded = 0;
}

int api_spec_load(const char *dir)
{
    struct api_spec next;
    struct buf json_text;
    char path[PATH_MAX_BYTES];
    int rc;

    memset(&next, 0, sizeof(next));
    buf_init(&next.yaml, API_SPEC_MAX_BYTES);
    buf_init(&next.json_compact, API_SPEC_MAX_BYTES * 2);
    buf_init(&next.json_pretty, API_SPEC_MAX_BYTES * 2);
    buf_init(&next.html, API_SPEC_MAX_BYTES);
    buf_init(&json_text, API_SPEC_MAX_BYTES);
    if (!dir || !*dir) {
        snprintf(next.error, sizeof(next.error), "--spec-dir is empty");
        rc = STRATA_EINVAL;
        goto fail;
    }
    snprintf(path, sizeof(path), "%s/openapi.yaml", dir);
    rc = read_file(path, &next.yaml, next.error, sizeof(next.error));
    if (rc)
        goto fail;
    snprintf(path, sizeof(path), "%s/openapi.json", dir);
    rc = read_file(path, &json_text, next.error, sizeof(next.error));
    if (rc)
        goto fail;
    rc = json_forms(&json_text, path, &next.json_compact, &next.json_pretty, next.error,
                    sizeof(next.error));
    if (rc)
        goto fail;
    snprintf(path, sizeof(path), "%s/docs/index.html", dir);
    rc = read_file(path, &next.html, next.error, sizeof(next.error));
    if (rc)
        goto fail;
    buf_release(&json_text);
    release_bodies(&spec);
    spec = next;
    spec.loaded = 1;
    spec.error[0] = '\0';
    return STRATA_OK;

fail:
    buf_release(&json_text);
    release_bodies(&next);
    release_bodies(&spec);
    snprintf(spec.error, sizeof(spec.error), "%s", next.error);
    return rc;
}

const char *api_spec_error(void)
{
    return spec.error;
}

void api_spec_unload(void)
{
    release_bodies(&spec);
    snprintf(spec.error, sizeof(spec.error), "the API description was unloaded");
}

/* Copy one of the loaded bodies into the response, or describe why there is none. */
static void serve(const struct request *req, struct response *res, const char *route,
                  const struct buf *body)
{
    static const char *const none[] = {NULL};

    /* format and pretty are the only parameters (http.c validated them) */
    if (!params_check_names(req, route, none, &res->problem))
        return;
    if (!spec.loaded) {
        problem_set(&res->problem, PROBLEM_INTERNAL,
                    "the API description is not available: %s (see --spec-dir)", spec.error);
        return;
    }
    if (buf_add(&res->body, buf_str(body), body->len))
        problem_set(&res->problem, PROBLEM_INTERNAL, "out of memory copying %s", route);
}

void api_spec_yaml(const struct request *req, struct response *res)
{
    serve(req, res, "/openapi.yaml", &spec.yaml);
}

void api_spec_json(const struct request *req, struct response *res)
{
    serve(req, res, "/openapi.json", req->pretty ? &spec.json_pretty : &spec.json_compact);
}

void api_spec_docs(const struct request *req, struct response *res)
{
    serve(req, res, "/docs", &spec.html);
}
