/*
 * request.c - the helpers of struct request and struct response, and the
 * table of representations (name, MIME type).
 */
#include "request.h"

#include <string.h>

struct representation_info {
    const char *name;
    const char *content_type;
};

static const struct representation_info representations[REPR_COUNT] = {
    [REPR_JSON] = {"json", "application/json; charset=utf-8"},
    [REPR_CSV] = {"csv", "text/csv; charset=utf-8; header=present"},
    [REPR_NDJSON] = {"ndjson", "application/x-ndjson; charset=utf-8"},
    [REPR_GEOJSON] = {"geojson", "application/geo+json; charset=utf-8"},
    [REPR_YAML] = {"yaml", "application/yaml; charset=utf-8"},
    [REPR_HTML] = {"html", "text/html; charset=utf-8"},
    [REPR_TEXT] = {"text", "text/plain; version=0.0.4; charset=utf-8"},
};

void response_init(struct response *res)
{
    memset(res, 0, sizeof(*res));
    buf_init(&res->body, 0);
    buf_init(&res->link, 4096);
    res->total_count = -1;
}

void response_release(struct response *res)
{
    if (res->stream)
        res->stream->free(res->stream);
    res->stream = NULL;
    buf_release(&res->body);
    buf_release(&res->link);
}

const char *representation_content_type(enum representation r)
{
    return (unsigned)r < REPR_COUNT ? representations[r].content_type : "application/octet-stream";
}

const char *representation_name(enum representation r)
{
    return (unsigned)r < REPR_COUNT ? representations[r].name : "unknown";
}

const char *request_param(const struct request *req, const char *name)
{
    for (size_t i = 0; i < req->param_count; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}
