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
 * strata_rank(fts, weight...): FTS5's bm25() to the last digit (k1 1.2,
 * b 0.75, the same IDF and average length), but a row's length comes from
 * the store's arrays instead of a lookup in fts_docsize per match.
 */
static void strata_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                        int argc, sqlite3_value **argv)
{
    const double k1 = 1.2, b = 0.75;
    const struct store *store = api->xUserData(fts);
    struct rank_data *p = NULL;
    double score = 0.0, length;
    int rc = rank_data(api, fts, &p), count = 0;

    if (rc == SQLITE_OK) {
        memset(p->frequency, 0, sizeof(double) * (size_t)p->phrases);
        rc = api->xInstCount(fts, &count);
    }
    for (int i = 0; rc == SQLITE_OK && i < count; i++) {
        int phrase, column, offset;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK)
            p->frequency[phrase] += argc > column ? sqlite3_value_double(argv[column]) : 1.0;
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    length = (double)row_value(store, store->record_tokens, store->span_tokens, api->xRowid(fts));
    for (int i = 0; i < p->phrases; i++)
        score += p->idf[i] * (p->frequency[i] * (k1 + 1.0)) /
                 (p->frequency[i] + k1 * (1 - b + b * length / p->average));
    sqlite3_result_double(ctx, -1.0 * score);
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
    if (!api || api->xCreateFunction(api, "strata_rank", store, strata_rank, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    if (sqlite3_create_function_v2(db, "strata_order", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, store,
                                   strata_order, NULL, NULL, NULL) != SQLITE_OK)
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
 * ` AND (...)` keeping the FTS rows of some collections: a record
 * collection's own rows lie in its rowid range with no span part; evidence
 * rows are those with a span part.
 */
static void append_search_types(struct buf *sql, const struct store_search *s)
{
    if (!s->types || s->type_count == 0)
        return;
    if (s->type_count == 1 && strcmp(s->types[0]->name, "evidence") != 0) {
        /* a plain rowid range: FTS5 skips the other collections itself */
        long long lo = (long long)catalog_index(s->types[0]) << FTS_COLLECTION_SHIFT;
        buf_printf(sql, " AND fts.rowid BETWEEN %lld AND %lld AND (fts.rowid & %lld) = 0", lo,
                   lo + (1LL << FTS_COLLECTION_SHIFT) - 1, FTS_PART_MASK);
        return;
    }
    buf_puts(sql, " AND (0");
    for (size_t i = 0; i < s->type_count; i++) {
        long long lo = (long long)catalog_index(s->types[i]) << FTS_COLLECTION_SHIFT;
        if (strcmp(s->types[i]->name, "evidence") == 0)
            buf_printf(sql, " OR (fts.rowid & %lld) != 0", FTS_PART_MASK);
        else
            buf_printf(sql, " OR (fts.rowid BETWEEN %lld AND %lld AND (fts.rowid & %lld) = 0)", lo,
                       lo + (1LL << FTS_COLLECTION_SHIFT) - 1, FTS_PART_MASK);
    }
    buf_putc(sql, ')');
}

/* The hit of FTS row rowid with score: who it is, its snippet, for evidence where. */
static int search_hit(struct slot *slot, const char *text, long long rowid, double score,
                      cJSON **out)
{
    const struct catalog_collection *c =
        (size_t)(rowid >> FTS_COLLECTION_SHIFT) < catalog_collection_count
            ? &catalog_collections[rowid >> FTS_COLLECTION_SHIFT]
            : NULL;
    long long rank = (rowid >> FTS_RANK_SHIFT) & FTS_PART_MASK, span = rowid & FTS_PART_MASK;
    sqlite3_stmt *stmt = NULL, *record = NULL, *marks = NULL;
    cJSON *hit = cJSON_CreateObject();
    char href[1024];
    struct buf label;
    int rc = STRATA_ESTORE;

    buf_init(&label, 0);
    if (!hit || !c)
        goto done;
    /* the record itself, or the record of the span */
    if (slot_prepare(slot, "SELECT id, label FROM records WHERE type = ?1 AND rank = ?2",
                     &record) != 0)
        goto done;
    sqlite3_bind_text(record, 1, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(record, 2, rank);
    if (sqlite3_step(record) != SQLITE_ROW)
        goto done;
    if (slot_prepare(slot,
                     "SELECT snippet(fts, -1, '<mark>', '</mark>', '\xe2\x80\xa6', 16), "
                     "highlight(fts, 3, char(1), char(2)) FROM fts WHERE fts MATCH ?1 AND "
                     "rowid = ?2",
                     &marks) != 0)
        goto done;
    sqlite3_bind_text(marks, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(marks, 2, rowid);
    if (sqlite3_step(marks) != SQLITE_ROW)
        goto done;
    if (span == 0) {
        const char *id = column_text(record, 0);
        snprintf(href, sizeof(href), "/v1/%s/%s", c->name, id);
        cJSON_AddStringToObject(hit, "type", c->name);
        cJSON_AddStringToObject(hit, "id", id);
        cJSON_AddStringToObject(hit, "label", column_text(record, 1));
        cJSON_AddStringToObject(hit, "href", href);
        cJSON_AddNumberToObject(hit, "score", score);
        cJSON_AddStringToObject(hit, "snippet", column_text(marks, 0));
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
        snprintf(href, sizeof(href), "/v1/evidence/%s", column_text(stmt, 0));
        cJSON_AddStringToObject(hit, "type", "evidence");
        cJSON_AddStringToObject(hit, "id", column_text(stmt, 0));
        cJSON_AddStringToObject(hit, "label", buf_str(&label));
        cJSON_AddStringToObject(hit, "href", href);
        cJSON_AddNumberToObject(hit, "score", score);
        cJSON_AddStringToObject(hit, "snippet", column_text(marks, 0));
        owner = cJSON_AddObjectToObject(hit, "record");
        snprintf(href, sizeof(href), "/v1/%s/%s", c->name, column_text(record, 0));
        cJSON_AddStringToObject(owner, "type", c->name);
        cJSON_AddStringToObject(owner, "id", column_text(record, 0));
        cJSON_AddStringToObject(owner, "label", column_text(record, 1));
        cJSON_AddStringToObject(owner, "href", href);
        cJSON_AddNumberToObject(hit, "start", (double)start);
        cJSON_AddNumberToObject(hit, "end", (double)sqlite3_column_int64(stmt, 2));
        cJSON_AddNumberToObject(hit, "paragraph", (double)sqlite3_column_int64(stmt, 3));
        cJSON_AddItemToObject(hit, "highlights", highlight_spans(column_text(marks, 1), start));
    }
    rc = label.failed ? STRATA_ENOMEM : 0;
done:
    statement_done(stmt);
    statement_done(record);
    statement_done(marks);
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
    struct buf where, sql;
    struct slot spare, *slot = NULL;
    sqlite3_stmt *stmt = NULL;
    struct rowids rows = {NULL, 0, 0};
    double *scores = NULL;
    cJSON *list = NULL;
    int rc, step;

    if (!store || !s || !s->text || !hits || !total)
        return STRATA_EINVAL;
    buf_init(&where, 0);
    buf_init(&sql, 0);
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
    if (rc)
        goto done;
    buf_printf(&sql, "SELECT count(*) FROM fts%s", buf_str(&where));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), NULL, &stmt, error);
    if (rc)
        goto done;
    sqlite3_bind_text(stmt, 1, s->text, -1, SQLITE_STATIC);
    step = sqlite3_step(stmt);
    if (step != SQLITE_ROW) {
        rc = step_error(slot, step, true, error);
        goto done;
    }
    *total = sqlite3_column_int64(stmt, 0);
    statement_done(stmt);
    stmt = NULL;
    if (*total == 0 || (long long)s->offset >= *total)
        goto done;

    /* rank every match (strata_rank reads no text), then build the page's hits */
    buf_reset(&sql);
    buf_printf(
        &sql,
        "SELECT rowid, strata_rank(fts, 10.0, 6.0, 3.0, 1.0) AS score FROM fts%s ORDER BY score, "
        "strata_order(rowid) LIMIT ?2 OFFSET ?3",
        buf_str(&where));
    scores = malloc((s->limit + 1) * sizeof(*scores));
    rc = (sql.failed || !scores) ? STRATA_ENOMEM
                                 : prepare_bound(slot, buf_str(&sql), NULL, &stmt, error);
    if (rc)
        goto done;
    sqlite3_bind_text(stmt, 1, s->text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (long long)s->limit);
    sqlite3_bind_int64(stmt, 3, (long long)s->offset);
    while (!rc && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (rows.count < s->limit)
            scores[rows.count] = round(-sqlite3_column_double(stmt, 1) * 1e6) / 1e6;
        rc = rowids_add(&rows, sqlite3_column_int64(stmt, 0));
    }
    if (!rc && step != SQLITE_DONE)
        rc = step_error(slot, step, true, error);
    statement_done(stmt);
    stmt = NULL;
    for (size_t i = 0; i < rows.count && !rc; i++) {
        cJSON *hit;
        rc = search_hit(slot, s->text, rows.items[i], scores[i], &hit);
        if (!rc)
            cJSON_AddItemToArray(list, hit);
        else
            error_from(error, slot->db);
    }
done:
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    buf_release(&where);
    free(rows.items);
    free(scores);
    if (rc) {
        cJSON_Delete(list);
        return rc;
    }
    *hits = list;
    return 0;
}
