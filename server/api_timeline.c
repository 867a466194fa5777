/*
 * api_timeline.c - GET /v1/timeline: the events in date order (the order
 * start: date.start, or the start of the event date.after names when later;
 * then end, then id), each with its date object (wording, interval, precision),
 * and the undated events apart in article order. It takes the filters of
 * /v1/events (with from/to, q, fields and include) but no paging: a
 * timeline is drawn whole. A timeline of more events than one answer may
 * hold (--max-response-bytes / TIMELINE_EVENT_BYTES) is refused before it is
 * built, with a 400 that says how to narrow it.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "store.h"

/* Bytes an event takes in a timeline without include= (about 1.5 KB), rounded up. */
#define TIMELINE_EVENT_BYTES 2048

/*
 * The span the events cover, earliest start and latest end, into start and
 * end ("" when none has a date). Read before fields= trims the records: the
 * span must not depend on which fields the client asked for.
 */
static void timeline_span(const cJSON *events, char start[11], char end[11])
{
    const cJSON *event;

    start[0] = end[0] = '\0';
    cJSON_ArrayForEach(event, events)
    {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(event, "date");
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(date, "start"));
        const char *e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(date, "end"));
        if (s && strlen(s) == 10 && (!start[0] || strcmp(s, start) < 0))
            memcpy(start, s, 11);
        if (e && strlen(e) == 10 && (!end[0] || strcmp(e, end) > 0))
            memcpy(end, e, 11);
    }
}

/*
 * Select, finish and return one list of q's events (NULL on failure, problem
 * set); with start and end, the span of the list too (timeline_span).
 */
static cJSON *timeline_list(struct response *res, struct store *store, struct query *q, char *start,
                            char *end)
{
    struct store_error error = {{0}};
    struct store_page page = {NULL, 0};
    cJSON *record;
    int rc = store_select(store, q, &page, &error);

    if (rc) {
        api_store_problem(res, rc, &error, q->text_input);
        return NULL;
    }
    if (start && end)
        timeline_span(page.records, start, end);
    cJSON_ArrayForEach(record, page.records)
    {
        rc = api_record_finish(store, q, record, false);
        if (rc) {
            api_fail(res, rc, "reading related records");
            cJSON_Delete(page.records);
            return NULL;
        }
    }
    return page.records;
}

/*
 * Does the timeline of q fit in one answer? Counted (one cheap query) before
 * anything is built; false with the problem set when it does not.
 */
static bool timeline_fits(const struct request *req, struct response *res, struct store *store,
                          struct query *q)
{
    size_t max_bytes = req->config ? req->config->max_response_bytes : (size_t)16 << 20;
    long long most = (long long)(max_bytes / TIMELINE_EVENT_BYTES);
    struct store_error error = {{0}};
    struct store_page page = {NULL, 0};
    int rc;

    q->limit = 1;
    q->dated = QUERY_DATED_ANY;
    rc = store_select(store, q, &page, &error);
    cJSON_Delete(page.records);
    if (rc) {
        api_store_problem(res, rc, &error, q->text);
        return false;
    }
    if (page.total <= most)
        return true;
    problem_set(&res->problem, PROBLEM_RESPONSE_TOO_LARGE,
                "the timeline would hold %lld events; one answer draws at most %lld "
                "(--max-response-bytes / %d); narrow it with from= and to=, a filter of "
                "/v1/events (type=, layer=, place=...) or q=, or page through /v1/events",
                page.total, most, TIMELINE_EVENT_BYTES);
    return false;
}

void api_timeline(const struct request *req, struct response *res)
{
    const struct catalog_collection *events = catalog_find("events");
    struct store *store = api_store(req);
    struct query *q;
    struct query_ids ids;
    cJSON *dated = NULL, *undated = NULL, *body, *data, *meta, *links;
    char start[11] = "", end[11] = "";
    struct buf self;

    ids = api_query_ids(store);
    q = query_new(events, req, "/v1/timeline", 0, &ids, &res->problem);
    if (!q)
        return;
    if (!timeline_fits(req, res, store, q)) {
        query_free(q);
        return;
    }
    q->limit = 0;
    q->dated = QUERY_DATED_ONLY;
    dated = timeline_list(res, store, q, start, end);
    if (dated) {
        q->dated = QUERY_UNDATED_ONLY;
        q->sorts[0].sort = catalog_sort_find(events, "position");
        q->sorts[0].descending = false;
        q->sort_count = 1;
        undated = timeline_list(res, store, q, NULL, NULL);
    }
    if (!dated || !undated)
        goto free_lists;
    body = cJSON_CreateObject();
    data = cJSON_AddObjectToObject(body, "data");
    cJSON_AddItemToObject(data, "dated", dated);
    cJSON_AddItemToObject(data, "undated", undated);
    meta = cJSON_AddObjectToObject(body, "meta");
    cJSON_AddNumberToObject(meta, "total", cJSON_GetArraySize(dated) + cJSON_GetArraySize(undated));
    cJSON_AddNumberToObject(meta, "dated", cJSON_GetArraySize(dated));
    cJSON_AddNumberToObject(meta, "undated", cJSON_GetArraySize(undated));
    /* the span the dated events cover: earliest start, latest end */
    if (start[0])
        cJSON_AddStringToObject(meta, "start", start);
    else
        cJSON_AddNullToObject(meta, "start");
    if (end[0])
        cJSON_AddStringToObject(meta, "end", end);
    else
        cJSON_AddNullToObject(meta, "end");
    links = cJSON_AddObjectToObject(body, "links");
    buf_init(&self, 0);
    buf_puts(&self, req->raw_target ? req->raw_target : "/v1/timeline");
    cJSON_AddStringToObject(links, "self", buf_str(&self));
    cJSON_AddStringToObject(links, "events", "/v1/events");
    buf_release(&self);
    dated = undated = NULL;
    api_send_json(req, res, body);
    cJSON_Delete(body);
free_lists:
    cJSON_Delete(dated);
    cJSON_Delete(undated);
    query_free(q);
}
