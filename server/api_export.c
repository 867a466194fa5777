/*
 * api_export.c - limit=all on a collection: every matching row, streamed.
 *
 * A spreadsheet user must never get 50 rows of 265 without noticing, so
 * limit=all answers every row in JSON (the collection's envelope), CSV or
 * NDJSON. The body is never built whole: a store cursor (store.h) reads
 * EXPORT_CHUNK records at a time as the client reads, each chunk finished
 * like a page (related lists, fields=, include=) and rendered; http.c sends
 * the pieces chunked and never caches them. Its budget is its own: at most
 * --max-export-rows rows (a larger export is refused before it starts),
 * each chunk's database work under --request-timeout, the whole stream
 * under --export-timeout (http.c), a reader that stalls dropped after the
 * idle --timeout.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "config.h"
#include "error.h"
#include "render.h"
#include "store.h"

#define EXPORT_CHUNK 200

struct export_stream {
    struct response_stream base; /* first: the stream is the struct */
    struct store *store;
    struct store_cursor *cursor;
    struct query *q;
    enum representation format;
    bool pretty;
    unsigned chunk_timeout_ms;
    long long total, sent;
    bool started;
    char *self; /* the request target, for links */
    char names[API_MAX_COLUMNS][64];
    const char *columns[API_MAX_COLUMNS];
    size_t column_count;
};

static void export_free(struct response_stream *base)
{
    struct export_stream *e = (struct export_stream *)base;

    store_cursor_close(e->cursor);
    query_free(e->q);
    free(e->self);
    free(e);
}

/* What comes before the first row: a CSV's BOM and header, JSON's envelope. */
static int export_head(struct export_stream *e, struct buf *out)
{
    cJSON *none = cJSON_CreateArray();
    int rc = none ? 0 : STRATA_ENOMEM;

    if (!rc && e->format == REPR_CSV) {
        if (e->q->bom)
            buf_puts(out, API_BOM);
        rc = render_csv(out, none, e->columns, e->column_count);
    } else if (!rc && e->format == REPR_JSON) {
        buf_puts(out, e->pretty ? "{\n  \"data\": [" : "{\"data\":[");
    }
    cJSON_Delete(none);
    return rc ? rc : out->failed ? STRATA_ENOMEM : 0;
}

/* JSON's closing: the envelope's meta and links (one page holding everything). */
static int export_tail(struct export_stream *e, struct buf *out)
{
    cJSON *rest = cJSON_CreateObject(), *meta, *links;
    struct buf text;
    int rc;

    if (!rest)
        return STRATA_ENOMEM;
    meta = cJSON_AddObjectToObject(rest, "meta");
    cJSON_AddNumberToObject(meta, "total", (double)e->total);
    cJSON_AddNumberToObject(meta, "count", (double)e->sent);
    cJSON_AddStringToObject(meta, "limit", "all");
    cJSON_AddNumberToObject(meta, "offset", (double)e->q->offset);
    links = cJSON_AddObjectToObject(rest, "links");
    cJSON_AddStringToObject(links, "self", e->self);
    cJSON_AddStringToObject(links, "first", e->self);
    cJSON_AddNullToObject(links, "prev");
    cJSON_AddNullToObject(links, "next");
    cJSON_AddStringToObject(links, "last", e->self);
    buf_init(&text, 0);
    rc = render_json(&text, rest, e->pretty);
    /* the rendered object without its opening brace continues the envelope */
    if (!rc) {
        buf_puts(out, e->pretty ? "\n  ],\n  " : "],");
        buf_add(out, buf_str(&text) + (e->pretty ? 4 : 1), text.len - (e->pretty ? 4 : 1));
    }
    buf_release(&text);
    cJSON_Delete(rest);
    return rc ? rc : out->failed ? STRATA_ENOMEM : 0;
}

static int export_rows(struct export_stream *e, cJSON *records, struct buf *out)
{
    const cJSON *record;

    switch (e->format) {
    case REPR_CSV:
        return render_csv_rows(out, records, e->columns, e->column_count);
    case REPR_NDJSON:
        return render_ndjson(out, records);
    default:
        cJSON_ArrayForEach(record, records)
        {
            buf_puts(out, e->sent || record != records->child ? "," : "");
            if (e->pretty)
                buf_puts(out, "\n");
            if (render_json(out, record, false) != 0)
                return STRATA_ENOMEM;
        }
        return out->failed ? STRATA_ENOMEM : 0;
    }
}

/* The next chunk of rows (under a budget of its own), or the end. */
static int export_next(struct response_stream *base, struct buf *out, bool *done)
{
    struct export_stream *e = (struct export_stream *)base;
    struct store_error error = {{0}};
    struct budget budget;
    cJSON *records;
    bool more = false;
    int rc;

    *done = false;
    if (!e->started) {
        e->started = true;
        return export_head(e, out);
    }
    records = cJSON_CreateArray();
    if (!records)
        return STRATA_ENOMEM;
    budget_init(&budget, e->chunk_timeout_ms, -1);
    budget_enter(&budget);
    rc = store_cursor_next(e->cursor, EXPORT_CHUNK, records, &more, &error);
    if (!rc)
        rc = api_page_finish(e->store, e->q, records, false);
    budget_leave();
    if (!rc && budget_state(&budget) != BUDGET_OK)
        rc = STRATA_ELIMIT; /* cut short: the rows may be incomplete */
    if (!rc)
        rc = export_rows(e, records, out);
    e->sent += cJSON_GetArraySize(records);
    cJSON_Delete(records);
    if (rc)
        return rc;
    if (!more) {
        *done = true;
        if (e->format == REPR_JSON)
            rc = export_tail(e, out);
    }
    return rc;
}

/* The file name a CSV export suggests: the route's last segment ("events.csv"). */
static void disposition(const struct request *req, const struct query *q, struct response *res)
{
    const char *last = strrchr(req->path, '/');
    const char *name = last && last[1] ? last + 1 : q->collection->name;

    if (req->id)
        snprintf(res->disposition, sizeof(res->disposition), "attachment; filename=\"%s-%s.csv\"",
                 req->id, name);
    else
        snprintf(res->disposition, sizeof(res->disposition), "attachment; filename=\"%s.csv\"",
                 name);
}

void api_export(const struct request *req, struct response *res, struct query *q)
{
    const struct config *cfg = req->config;
    size_t max_rows = cfg ? cfg->max_export_rows : 1000000;
    struct store_error error = {{0}};
    struct export_stream *e = NULL;
    int rc;

    if (req->format != REPR_JSON && req->format != REPR_CSV && req->format != REPR_NDJSON) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter 'limit': limit=all streams JSON, CSV or "
                    "NDJSON; page %s with limit and offset",
                    representation_name(req->format));
        problem_add_error(&res->problem, "limit", "all",
                          "all is offered for format=json, csv or ndjson");
        goto fail;
    }
    e = calloc(1, sizeof(*e));
    if (!e || !(e->self = strdup(req->raw_target))) {
        api_fail(res, STRATA_ENOMEM, "starting the export");
        goto fail;
    }
    e->base.next = export_next;
    e->base.free = export_free;
    e->store = api_store(req);
    e->q = q;
    e->format = req->format;
    e->pretty = req->pretty;
    e->chunk_timeout_ms = cfg ? cfg->request_timeout : 0;
    if (e->format == REPR_CSV)
        e->column_count = api_csv_columns(q, e->names, e->columns);
    rc = store_cursor_open(e->store, q, &e->cursor, &e->total, &error);
    if (rc) {
        api_store_problem(res, rc, &error, q->text_input);
        goto fail;
    }
    if (e->total - (long long)q->offset > (long long)max_rows) {
        problem_set(&res->problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter 'limit': limit=all would stream %lld rows; an "
                    "export holds at most %zu (--max-export-rows): narrow the filters, or page "
                    "with limit and offset",
                    e->total - (long long)q->offset, max_rows);
        problem_add_error(&res->problem, "limit", "all", "at most %zu rows; this matches %lld",
                          max_rows, e->total - (long long)q->offset);
        goto fail;
    }
    res->total_count = e->total;
    res->stream = &e->base;
    if (e->format == REPR_CSV)
        disposition(req, q, res);
    return;
fail:
    if (e) {
        e->q = q;
        export_free(&e->base);
    } else {
        query_free(q);
    }
}
