/*
 * search.c - full-text search: the ranking function (bm25 from the store's
 * token counts) and the tie order registered on every read connection, and
 * store_search (ranked hits, snippets, evidence highlights).
 */
#include "store_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of FTS row rowid in one of the store's per-row arrays, or 0. */
static uint32_t row_value(const struct store *store, const uint32_t *records, const uint32_t *spans,
                          sqlite3_int64 rowid)
{
    size_t collection = (size_t)(rowid >> FTS_COLLECTION_SHIFT);
    size_t rank = (size_t)((rowid >> FTS_RANK_SHIFT) & FTS_PART_MASK);
    size_t span = (size_t)(rowid & FTS_PART_MASK);

    if (span)
        return span <= store->span_count ? spans[span] : 0;
    if (collection >= STORE_MAX_COLLECTIONS || rank == 0 ||
        store->record_base[collection] + rank > store->record_base[collection + 1])
        return 0;
    return records[store->record_base[collection] + rank - 1];
}

/*
 * strata_order(rowid): the place of an FTS row's hit in (collection, id)
 * order, so that ORDER BY score, strata_order(rowid) is the documented order
 * of hits without reading any id.
 */
static void strata_order(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct store *store = sqlite3_user_data(ctx);
    (void)argc;
    sqlite3_result_int64(ctx, row_value(store, store->record_order, store->span_order,
                                        sqlite3_value_int64(argv[0])));
}

/* Per query: the phrases' IDF and the average row length (as FTS5's bm25). */
struct rank_data {
    int phrases;
    double average;
    double *idf, *frequency;
};

static int rank_count(const Fts5ExtensionApi *api, Fts5Context *fts, void *count)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)count)++;
    return SQLITE_OK;
}

static int rank_data(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data **out)
{
    struct rank_data *p = api->xGetAuxdata(fts, 0);
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = SQLITE_OK, n;

    if (p) {
        *out = p;
        return SQLITE_OK;
    }
    n = api->xPhraseCount(fts);
    p = sqlite3_malloc64(sizeof(*p) + (size_t)n * 2 * sizeof(double));
    if (!p)
        return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p) + (size_t)n * 2 * sizeof(double));
    p->phrases = n;
    p->idf = (double *)&p[1];
    p->frequency = p->idf + n;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK)
        p->average = rows ? (double)tokens / (double)rows : 1.0;
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 hits = 0;
        rc = api->xQueryPhrase(fts, i, &hits, rank_count);
        if (rc == SQLITE_OK) {
            double idf = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));
            p->idf[i] = idf <= 0.0 ? 1e-6 : idf;
        }
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, p, sqlite3_free);
    else
        sqlite3_free(p);
    *out = rc == SQLITE_OK ? p : NULL;
    return rc;
}

/*
 * The score of the current row: FTS5's bm25() to the last digit (k1 1.2,
 * b 0.75, the same IDF and average length), but a row's length comes from
 * the store's arrays instead of a lookup in fts_docsize per match. The
 * column weights are weights[0..count).
 */
static int rank_score(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value **weights,
                      int count, double *out)
{
    const double k1 = 1.2, b = 0.75;
    const struct store *store = api->xUserData(fts);
    struct rank_data *p = NULL;
    double score = 0.0, length;
    int rc = rank_data(api, fts, &p), instances = 0;

    if (rc == SQLITE_OK) {
        memset(p->frequency, 0, sizeof(double) * (size_t)p->phrases);
        rc = api->xInstCount(fts, &instances);
    }
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase, column, offset;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK)
            p->frequency[phrase] += count > column ? sqlite3_value_double(weights[column]) : 1.0;
    }
    if (rc != SQLITE_OK)
        return rc;
    length = (double)row_value(store, store->record_tokens, store->span_tokens, api->xRowid(fts));
    for (int i = 0; i < p->phrases; i++)
        score += p->idf[i] * (p->frequency[i] * (k1 + 1.0)) /
                 (p->frequency[i] + k1 * (1 - b + b * length / p->average));
    *out = -1.0 * score;
    return SQLITE_OK;
}

/* strata_rank(fts, weight...): rank_score as an SQL value (ORDER BY strata_rank(...)). */
static void strata_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                        int argc, sqlite3_value **argv)
{
    double score = 0.0;
    int rc = rank_score(api, fts, argv, argc, &score);

    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_double(ctx, score);
}

/* ------------------------------------------------------------------ */
/* one ranking pass: count, keep the best rows, snippets only for them */

/* A ranked row: its place in the answer is (score, order), best first. */
struct ranked {
    double score; /* strata_rank: lower is better */
    uint32_t order;
    sqlite3_int64 rowid;
    char *snippet, *marks; /* for the rows kept with text (malloc'd), else NULL */
};

/* Is a better than b (earlier in the answer)? */
static bool ranked_before(const struct ranked *a, const struct ranked *b)
{
    return a->score < b->score || (a->score == b->score && a->order < b->order);
}

/*
 * What strata_collect() fills while one statement steps over every match
 * (bound as a pointer of type "strata_collector"). The heap keeps the
 * `capacity` best rows seen, the worst on top; a row worse than the heap's
 * worst (or, with a floor, not worse than the floor) is only counted.
 * `candidate` is the row being stepped when it will enter the heap: the
 * caller reads that row's snippet columns and pushes it. Matching evidence
 * spans (FTS rows with a span part) are listed in rowid order for the
 * `evidence` of record hits.
 */
struct collector {
    const struct catalog_collection *const *types; /* hits: rows of these; NULL: all */
    size_t type_count;
    struct ranked *heap;
    size_t count, capacity, allocated;
    bool has_floor;
    struct ranked floor;
    bool want_text;
    sqlite3_int64 hits; /* matching rows that are hits (the total) */
    struct ranked candidate;
    sqlite3_int64 *spans; /* matching span rows, ascending */
    size_t span_count, span_allocated;
    bool failed; /* out of memory */
};

/* Is FTS row rowid a hit of the search (its collection asked for)? */
static bool collector_wants(const struct collector *c, sqlite3_int64 rowid)
{
    size_t collection = (size_t)(rowid >> FTS_COLLECTION_SHIFT);
    bool span = (rowid & FTS_PART_MASK) != 0;

    if (!c->types || c->type_count == 0)
        return true;
    for (size_t i = 0; i < c->type_count; i++) {
        bool evidence = strcmp(c->types[i]->name, "evidence") == 0;
        if (span ? evidence : (!evidence && catalog_index(c->types[i]) == collection))
            return true;
    }
    return false;
}

static void span_note(struct collector *c, sqlite3_int64 rowid)
{
    if (c->span_count == c->span_allocated) {
        size_t n = c->span_allocated ? c->span_allocated * 2 : 256;
        sqlite3_int64 *grown = malloc(n * sizeof(*grown));
        if (!grown) {
            c->failed = true;
            return;
        }
        if (c->span_count)
            memcpy(grown, c->spans, c->span_count * sizeof(*grown));
        free(c->spans);
        c->spans = grown;
        c->span_allocated = n;
    }
    c->spans[c->span_count++] = rowid;
}

/*
 * strata_collect(fts, collector, weight...): score the row (as strata_rank,
 * which it returns), count it, and make it the candidate when it belongs
 * in the heap.
 */
static void strata_collect(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                           int argc, sqlite3_value **argv)
{
    struct collector *c = argc > 0 ? sqlite3_value_pointer(argv[0], "strata_collector") : NULL;
    const struct store *store = api->xUserData(fts);
    struct ranked row = {0.0, 0, api->xRowid(fts), NULL, NULL};
    int rc;

    if (!c) {
        sqlite3_result_error(ctx, "strata_collect: no collector", -1);
        return;
    }
    c->candidate.rowid = -1;
    if (row.rowid & FTS_PART_MASK)
        span_note(c, row.rowid);
    if (!collector_wants(c, row.rowid)) {
        sqlite3_result_null(ctx);
        return;
    }
    rc = rank_score(api, fts, argv + 1, argc - 1, &row.score);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    c->hits++;
    row.order = row_value(store, store->record_order, store->span_order, row.rowid);
    if ((!c->has_floor || ranked_before(&c->floor, &row)) &&
        (c->count < c->capacity || ranked_before(&row, &c->heap[0])))
        c->candidate = row;
    sqlite3_result_double(ctx, row.score);
}

/* strata_kept(collector, rowid): is this row the candidate, with its text wanted? */
static void strata_kept(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct collector *c = sqlite3_value_pointer(argv[0], "strata_collector");

    (void)argc;
    sqlite3_result_int(ctx, c && c->want_text && c->candidate.rowid >= 0 &&
                                c->candidate.rowid == sqlite3_value_int64(argv[1]));
}

int rank_register(struct store *store, sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (!api || api->xCreateFunction(api, "strata_rank", store, strata_rank, NULL) != SQLITE_OK ||
        api->xCreateFunction(api, "strata_collect", store, strata_collect, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    if (sqlite3_create_function_v2(db, "strata_order", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, store,
                                   strata_order, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "strata_kept", 2, SQLITE_UTF8, NULL, strata_kept, NULL, NULL,
                                   NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    return 0;
}

/* Code-point offsets of the \x01..\x02 marked runs of a highlighted quote. */
static cJSON *highlight_spans(const char *marked, long long base)
{
    cJSON *spans = cJSON_CreateArray();
    long long chars = 0, open = -1;

    for (const unsigned char *p = (const unsigned char *)marked; p && *p; p++) {
        if (*p == 1) {
            open = chars;
        } else if (*p == 2) {
            if (open >= 0) {
                cJSON *span = cJSON_CreateObject();
                cJSON_AddNumberToObject(span, "start", (double)(base + open));
                cJSON_AddNumberToObject(span, "end", (double)(base + chars));
                cJSON_AddItemToArray(spans, span);
            }
            open = -1;
        } else if ((*p & 0xc0) != 0x80) {
            chars++;
        }
    }
    return spans;
}

/*
 * ` AND (...)` keeping the FTS rows a search with types needs: a record
 * collection's rows (its records and their spans, for the hits' `evidence`)
 * lie in its rowid range; evidence rows are those with a span part. Which
 * of them are hits is collector_wants()'s call.
 */
static void append_search_types(struct buf *sql, const struct store_search *s)
{
    if (!s->types || s->type_count == 0)
        return;
    buf_puts(sql, " AND (0");
    for (size_t i = 0; i < s->type_count; i++) {
        long long lo = (long long)catalog_index(s->types[i]) << FTS_COLLECTION_SHIFT;
        if (strcmp(s->types[i]->name, "evidence") == 0)
            buf_printf(sql, " OR (fts.rowid & %lld) != 0", FTS_PART_MASK);
        else
            buf_printf(sql, " OR fts.rowid BETWEEN %lld AND %lld", lo,
                       lo + (1LL << FTS_COLLECTION_SHIFT) - 1);
    }
    buf_putc(sql, ')');
}

static void ranked_release(struct ranked *r)
{
    free(r->snippet);
    free(r->marks);
    r->snippet = r->marks = NULL;
}

static void heap_swap(struct ranked *heap, size_t a, size_t b)
{
    struct ranked t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
}

/* The worst row on top: every parent is worse than its children. */
static void heap_sift_down(struct collector *c, size_t i)
{
    for (;;) {
        size_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < c->count && ranked_before(&c->heap[worst], &c->heap[l]))
            worst = l;
        if (r < c->count && ranked_before(&c->heap[worst], &c->heap[r]))
            worst = r;
        if (worst == i)
            return;
        heap_swap(c->heap, i, worst);
        i = worst;
    }
}

/* Keep row (its strings now the heap's), dropping the worst when the heap is full. */
static int heap_push(struct collector *c, struct ranked *row)
{
    size_t i;

    if (c->count == c->capacity) {
        ranked_release(&c->heap[0]);
        c->heap[0] = *row;
        heap_sift_down(c, 0);
        return 0;
    }
    if (c->count == c->allocated) {
        size_t n = c->allocated ? c->allocated * 2 : 64;
        struct ranked *grown;
        n = n < c->capacity ? n : c->capacity;
        grown = malloc(n * sizeof(*grown));
        if (!grown) {
            ranked_release(row);
            return STRATA_ENOMEM;
        }
        if (c->count)
            memcpy(grown, c->heap, c->count * sizeof(*grown));
        free(c->heap);
        c->heap = grown;
        c->allocated = n;
    }
    i = c->count++;
    c->heap[i] = *row;
    while (i > 0 && ranked_before(&c->heap[(i - 1) / 2], &c->heap[i])) {
        heap_swap(c->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

static void collector_reset(struct collector *c, size_t capacity, bool want_text)
{
    for (size_t i = 0; i < c->count; i++)
        ranked_release(&c->heap[i]);
    c->count = 0;
    c->capacity = capacity;
    c->want_text = want_text;
    c->hits = 0;
    c->span_count = 0;
    c->candidate.rowid = -1;
}

static void collector_release(struct collector *c)
{
    collector_reset(c, 0, false);
    free(c->heap);
    free(c->spans);
}

static int ranked_compare(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    return ranked_before(a, b) ? -1 : ranked_before(b, a) ? 1 : 0;
}

static char *copy_column(sqlite3_stmt *stmt, int column, bool *failed)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    char *copy;

    if (!text)
        return NULL;
    copy = strdup((const char *)text);
    *failed = *failed || !copy;
    return copy;
}

/*
 * One pass over every match of the search (where: its WHERE clause): count
 * the hits into c and keep the best c->capacity of them (with their snippet
 * and highlighted quote when c->want_text). FTS5 expands the expression
 * once, and snippet()/highlight() run only for rows entering the heap.
 */
static int rank_pass(struct slot *slot, const char *where, const char *text, struct collector *c,
                     struct store_error *error)
{
    struct buf sql;
    sqlite3_stmt *stmt = NULL;
    int rc, step;

    buf_init(&sql, 0);
    buf_printf(&sql,
               "SELECT rowid, strata_collect(fts, ?2, 10.0, 6.0, 3.0, 1.0), CASE WHEN "
               "strata_kept(?2, rowid) THEN snippet(fts, -1, '<mark>', '</mark>', '\xe2\x80\xa6', "
               "16) END, CASE WHEN strata_kept(?2, rowid) AND (rowid & %lld) != 0 THEN "
               "highlight(fts, 3, char(1), char(2)) END FROM fts%s",
               FTS_PART_MASK, where);
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), NULL, &stmt, error);
    buf_release(&sql);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(stmt, 2, c, "strata_collector", NULL);
    while (!rc && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ranked row;
        bool failed = c->failed;
        if (c->candidate.rowid < 0 || c->candidate.rowid != sqlite3_column_int64(stmt, 0))
            continue;
        row = c->candidate;
        if (c->want_text) {
            row.snippet = copy_column(stmt, 2, &failed);
            row.marks = copy_column(stmt, 3, &failed);
        }
        rc = failed ? STRATA_ENOMEM : heap_push(c, &row);
        if (failed)
            ranked_release(&row);
    }
    if (!rc && c->failed)
        rc = STRATA_ENOMEM;
    if (!rc && step != SQLITE_DONE)
        rc = step_error(slot, step, true, error);
    statement_done(stmt);
    return rc;
}

/* Pages that start this deep take one pass with text for every row kept (cheap), deeper two. */
#define SEARCH_ONE_PASS_ROWS 1000

/*
 * The ranked rows of page [offset, offset + limit) into c->heap[0..count),
 * best first, and the number of hits into *total.
 */
static int rank_page(struct slot *slot, const char *where, const struct store_search *s,
                     struct collector *c, long long *total, struct store_error *error)
{
    int rc;

    if (s->offset + s->limit <= SEARCH_ONE_PASS_ROWS) {
        collector_reset(c, s->offset + s->limit, true);
        rc = rank_pass(slot, where, s->text, c, error);
    } else {
        /* the offset-th best row is the floor of the page: then the page with text */
        collector_reset(c, s->offset, false);
        rc = rank_pass(slot, where, s->text, c, error);
        if (!rc && c->count < s->offset) {
            *total = c->hits;
            collector_reset(c, s->limit, false);
            return 0;
        }
        if (!rc) {
            c->floor = c->heap[0];
            c->has_floor = true;
            collector_reset(c, s->limit, true);
            rc = rank_pass(slot, where, s->text, c, error);
        }
    }
    if (rc)
        return rc;
    *total = c->hits;
    if (c->count == 0)
        return 0; /* no hit: the heap may be NULL, which qsort and memmove must not get */
    qsort(c->heap, c->count, sizeof(*c->heap), ranked_compare);
    if (!c->has_floor) { /* one pass: drop the rows before the page */
        size_t skip = s->offset < c->count ? s->offset : c->count;
        for (size_t i = 0; i < skip; i++)
            ranked_release(&c->heap[i]);
        memmove(c->heap, c->heap + skip, (c->count - skip) * sizeof(*c->heap));
        c->count -= skip;
    }
    return 0;
}

/* {id, start, end, paragraph} of the evidence row of stmt, appended to list. */
static int add_span(cJSON *list, sqlite3_stmt *stmt)
{
    cJSON *span = cJSON_CreateObject();

    if (!span)
        return STRATA_ENOMEM;
    cJSON_AddItemToArray(list, span);
    cJSON_AddStringToObject(span, "id", column_text(stmt, 0));
    cJSON_AddNumberToObject(span, "start", (double)sqlite3_column_int64(stmt, 1));
    cJSON_AddNumberToObject(span, "end", (double)sqlite3_column_int64(stmt, 2));
    cJSON_AddNumberToObject(span, "paragraph", (double)sqlite3_column_int64(stmt, 3));
    return 0;
}

/* The first of c->spans at or after rowid (binary search). */
static size_t spans_from(const struct collector *c, sqlite3_int64 rowid)
{
    size_t lo = 0, hi = c->span_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->spans[mid] < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * `evidence` of a record hit (FTS row rowid, record id): its spans that
 * match too, from the ranking pass, in article order; else its first span.
 */
static int record_evidence(struct slot *slot, const struct collector *c, sqlite3_int64 rowid,
                           const char *id, cJSON *hit)
{
    cJSON *list = cJSON_AddArrayToObject(hit, "evidence");
    sqlite3_stmt *stmt = NULL;
    int rc = list ? 0 : STRATA_ENOMEM;

    for (size_t i = spans_from(c, rowid + 1);
         !rc && i < c->span_count && c->spans[i] <= (rowid | FTS_PART_MASK); i++) {
        rc = slot_prepare(slot,
                          "SELECT id, span_start, span_end, paragraph FROM evidence WHERE rowid = "
                          "?1",
                          &stmt);
        if (rc)
            break;
        sqlite3_bind_int64(stmt, 1, c->spans[i] & FTS_PART_MASK);
        rc = sqlite3_step(stmt) == SQLITE_ROW ? add_span(list, stmt) : STRATA_ESTORE;
        statement_done(stmt);
    }
    if (rc || cJSON_GetArraySize(list) > 0)
        return rc;
    rc = slot_prepare(slot,
                      "SELECT id, span_start, span_end, paragraph FROM evidence WHERE record_id = "
                      "?1 ORDER BY rowid LIMIT 1",
                      &stmt);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        rc = add_span(list, stmt);
    statement_done(stmt);
    return rc;
}

/* The hit of ranked row r: who it is, its snippet, for evidence where, for a record its spans. */
static int search_hit(struct slot *slot, const struct collector *c, const struct ranked *r,
                      cJSON **out)
{
    long long rowid = r->rowid;
    const struct catalog_collection *coll =
        (size_t)(rowid >> FTS_COLLECTION_SHIFT) < catalog_collection_count
            ? &catalog_collections[rowid >> FTS_COLLECTION_SHIFT]
            : NULL;
    long long rank = (rowid >> FTS_RANK_SHIFT) & FTS_PART_MASK, span = rowid & FTS_PART_MASK;
    double score = round(-r->score * 1e6) / 1e6;
    sqlite3_stmt *stmt = NULL, *record = NULL;
    cJSON *hit = cJSON_CreateObject();
    struct buf label;
    int rc = STRATA_ESTORE;

    buf_init(&label, 0);
    if (!hit || !coll || !r->snippet)
        goto done;
    /* the record itself, or the record of the span */
    if (slot_prepare(slot, "SELECT id, label FROM records WHERE type = ?1 AND rank = ?2",
                     &record) != 0)
        goto done;
    sqlite3_bind_text(record, 1, coll->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(record, 2, rank);
    if (sqlite3_step(record) != SQLITE_ROW)
        goto done;
    if (span == 0) {
        const char *id = column_text(record, 0);
        cJSON_AddStringToObject(hit, "type", coll->name);
        cJSON_AddStringToObject(hit, "id", id);
        cJSON_AddStringToObject(hit, "label", column_text(record, 1));
        cJSON_AddNumberToObject(hit, "score", score);
        cJSON_AddStringToObject(hit, "snippet", r->snippet);
        rc = record_evidence(slot, c, rowid, id, hit);
        if (rc)
            goto done;
    } else {
        cJSON *owner;
        long long start;
        if (slot_prepare(slot,
                         "SELECT id, span_start, span_end, paragraph, quote FROM evidence WHERE "
                         "rowid = ?1",
                         &stmt) != 0)
            goto done;
        sqlite3_bind_int64(stmt, 1, span);
        if (sqlite3_step(stmt) != SQLITE_ROW)
            goto done;
        start = sqlite3_column_int64(stmt, 1);
        shorten(column_text(stmt, 4), LABEL_QUOTE_CHARS, &label);
        cJSON_AddStringToObject(hit, "type", "evidence");
        cJSON_AddStringToObject(hit, "id", column_text(stmt, 0));
        cJSON_AddStringToObject(hit, "label", buf_str(&label));
        cJSON_AddNumberToObject(hit, "score", score);
        cJSON_AddStringToObject(hit, "snippet", r->snippet);
        owner = cJSON_AddObjectToObject(hit, "record");
        cJSON_AddStringToObject(owner, "type", coll->name);
        cJSON_AddStringToObject(owner, "id", column_text(record, 0));
        cJSON_AddStringToObject(owner, "label", column_text(record, 1));
        cJSON_AddNumberToObject(hit, "start", (double)start);
        cJSON_AddNumberToObject(hit, "end", (double)sqlite3_column_int64(stmt, 2));
        cJSON_AddNumberToObject(hit, "paragraph", (double)sqlite3_column_int64(stmt, 3));
        cJSON_AddItemToObject(hit, "highlights", highlight_spans(r->marks, start));
    }
    rc = label.failed ? STRATA_ENOMEM : 0;
done:
    statement_done(stmt);
    statement_done(record);
    buf_release(&label);
    if (rc) {
        cJSON_Delete(hit);
        return rc;
    }
    *out = hit;
    return 0;
}

int store_search(struct store *store, const struct store_search *s, cJSON **hits, long long *total,
                 struct store_error *error)
{
    struct collector c;
    struct buf where;
    struct slot spare, *slot = NULL;
    cJSON *list = NULL;
    int rc;

    if (!store || !s || !s->text || !hits || !total || s->limit == 0)
        return STRATA_EINVAL;
    memset(&c, 0, sizeof(c));
    c.types = s->types;
    c.type_count = s->type_count;
    buf_init(&where, 0);
    buf_puts(&where, " WHERE fts MATCH ?1");
    append_search_types(&where, s);
    list = cJSON_CreateArray();
    rc = (!list || where.failed) ? STRATA_ENOMEM : 0;
    if (!rc) {
        slot = slot_acquire(store, &spare);
        rc = slot ? 0 : STRATA_ESTORE;
        if (rc)
            error_from(error, NULL);
    }
    if (!rc && store_arrays(store, slot) != 0) {
        rc = STRATA_ESTORE;
        error_from(error, slot->db);
    }
    if (!rc)
        rc = rank_page(slot, buf_str(&where), s, &c, total, error);
    for (size_t i = 0; i < c.count && !rc; i++) {
        cJSON *hit;
        rc = search_hit(slot, &c, &c.heap[i], &hit);
        if (!rc)
            cJSON_AddItemToArray(list, hit);
        else
            error_from(error, slot->db);
    }
    slot_release(store, slot);
    buf_release(&where);
    collector_release(&c);
    if (rc) {
        cJSON_Delete(list);
        return rc;
    }
    *hits = list;
    return 0;
}
