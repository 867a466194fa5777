/*
 * fuzz_query.c - libFuzzer target for query-string validation against the
 * catalog (query_parse) and for what a valid query becomes in the store
 * (store_select; store_search for q=).
 *
 * Input: the first byte picks the collection (catalog_collections[]) and the
 * route flags (QUERY_PAGED, QUERY_NO_TEXT); the rest is a query string,
 * decoded by url_parse exactly as the HTTP layer does (at most 64
 * parameters). The store is the one of tests/fixtures/valid, so that id
 * filters are looked up for real.
 *
 * Checks: a refused query is a 400-class problem (unknown or invalid
 * parameter) naming at least one parameter the request sent; an accepted one
 * respects the documented bounds, and the store runs it without an internal
 * error (only STRATA_EPARSE, a bad FTS expression, may fail: a 400, never a
 * 500); a page holds at most `limit` records and never more than the total.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "query.h"
#include "snapshot.h"
#include "store.h"
#include "url.h"

#include "fuzz.h"

static struct snapshot *snap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *root = getenv("STRATA_ROOT");
    char data[1024];
    struct model_error err;

    (void)argc;
    (void)argv;
    snprintf(data, sizeof(data), "%s/tests/fixtures/valid", root && *root ? root : ".");
    memset(&err, 0, sizeof(err));
    if (snapshot_create(data, NULL, 1, &snap, &err) != 0) {
        struct buf text;
        buf_init(&text, 0);
        model_error_format(&err, &text);
        fprintf(stderr,
                "fuzz_query: cannot load %s: %s (run from the repository root or set "
                "STRATA_ROOT)\n",
                data, buf_str(&text));
        exit(1);
    }
    return 0;
}

/* Is name a parameter of the request (or, cut to fit the problem, the start of one)? */
static bool sent_parameter(const struct url *u, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < u->param_count && n > 0; i++)
        if (strcmp(u->params[i].name, name) == 0 ||
            (n >= sizeof(((struct problem_error *)0)->parameter) - 8 &&
             strncmp(u->params[i].name, name, n) == 0))
            return true;
    return false;
}

static void check_refusal(const struct url *u, const struct problem *p)
{
    CHECK(p->code == PROBLEM_UNKNOWN_PARAMETER || p->code == PROBLEM_INVALID_PARAMETER);
    CHECK(p->detail[0] != '\0');
    CHECK(p->error_count >= 1);
    /* every error names a parameter of the request */
    for (size_t i = 0; i < p->error_count; i++)
        CHECK(sent_parameter(u, p->errors[i].parameter));
}

static void run_select(const struct query *q)
{
    struct store_page page = {NULL, 0};
    struct store_error error;
    int rc;

    memset(&error, 0, sizeof(error));
    rc = store_select(snap->store, q, &page, &error);
    if (rc == STRATA_EPARSE) {
        CHECK(q->text != NULL);
        CHECK(error.message[0] != '\0');
    } else {
        if (rc != 0)
            fprintf(stderr, "fuzz_query: store_select failed (%s): %s\n", strata_strerror(rc),
                    error.message);
        CHECK(rc == 0);
        CHECK(cJSON_IsArray(page.records));
        CHECK(page.total >= 0);
        CHECK((long long)cJSON_GetArraySize(page.records) <= page.total);
        if (q->limit)
            CHECK((size_t)cJSON_GetArraySize(page.records) <= q->limit);
    }
    cJSON_Delete(page.records);
}

static void run_search(const char *text)
{
    struct store_search s = {text, NULL, 0, 10, 0};
    struct store_error error;
    cJSON *hits = NULL;
    long long total = -1;
    int rc;

    memset(&error, 0, sizeof(error));
    rc = store_search(snap->store, &s, &hits, &total, &error);
    if (rc == STRATA_EPARSE) {
        CHECK(error.message[0] != '\0');
    } else {
        if (rc != 0)
            fprintf(stderr, "fuzz_query: store_search failed (%s): %s\n", strata_strerror(rc),
                    error.message);
        CHECK(rc == 0);
        CHECK(cJSON_IsArray(hits));
        CHECK(total >= (long long)cJSON_GetArraySize(hits));
    }
    cJSON_Delete(hits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct catalog_collection *c;
    unsigned flags;
    struct buf target;
    struct url u;
    struct problem p;
    struct request req;
    struct query_ids ids;
    struct query *q;
    int rc;

    if (size < 1 || size > 8192)
        return 0;
    c = &catalog_collections[data[0] % catalog_collection_count];
    flags = (data[0] / catalog_collection_count) & (QUERY_PAGED | QUERY_NO_TEXT);
    buf_init(&target, 0);
    buf_puts(&target, "/?");
    buf_add(&target, data + 1, size - 1);
    memset(&p, 0, sizeof(p));
    if (url_parse(buf_str(&target), 64, &u, &p) != 0) {
        buf_release(&target);
        return 0; /* the HTTP layer refuses it before any handler */
    }
    memset(&req, 0, sizeof(req));
    req.path = c->path;
    req.raw_target = buf_str(&target);
    req.params = u.params;
    req.param_count = u.param_count;
    req.snapshot = snap;

    q = calloc(1, sizeof(*q));
    CHECK(q != NULL);
    memset(&p, 0, sizeof(p));
    ids = api_query_ids(snap->store);
    rc = query_parse(q, c, &req, flags, &ids, &p);
    if (rc == STRATA_EINVAL) {
        check_refusal(&u, &p);
    } else {
        CHECK(rc == 0);
        CHECK(q->collection == c);
        CHECK(q->filter_count <= QUERY_MAX_FILTERS && q->sort_count <= QUERY_MAX_SORTS &&
              q->field_count <= QUERY_MAX_FIELDS && q->include_count <= QUERY_MAX_INCLUDES);
        CHECK(q->limit <= QUERY_LIMIT_MAX && q->offset <= QUERY_OFFSET_MAX);
        if (flags & QUERY_NO_TEXT)
            CHECK(q->text == NULL);
        if (q->text) {
            /* q= as sent is bounded; plain text's FTS5 expression may be longer (quotes, ANDs) */
            CHECK(q->text_input != NULL && strlen(q->text_input) <= QUERY_TEXT_MAX);
            CHECK(q->text_mode != SEARCH_MODE_RAW || q->text == q->text_input);
        }
        for (size_t i = 0; i < q->field_count; i++)
            CHECK(query_keeps_field(q, q->fields[i]->name));
        run_select(q);
        if (q->text)
            run_search(q->text);
        query_release(q);
    }
    query_release(q); /* safe on a released query */
    free(q);
    url_release(&u);
    buf_release(&target);
    return 0;
}
