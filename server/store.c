/*
 * store.c - the SQLite database of one loaded model: schema, load, queries.
 *
 * store_open() reads the model once into C arrays (its records, their
 * evidence spans, the explicit and derived relations), sorts each collection
 * into its default order, and writes every table in that order through one
 * read-write connection to an in-memory database (SQLite's memdb VFS), in a
 * single transaction with prepared statements; secondary indexes and the
 * FTS5 index are built after the rows are in. Because every table is
 * written in its collection's default order, a row's rowid is its rank in
 * that order: the default sort is `ORDER BY rowid` and an unfiltered page is
 * a rowid range, however deep.
 *
 * What is stored once: the record documents (a JSON text per model record in
 * `docs`, keyed by collection and rank); evidence spans and derived edges are
 * rows whose documents are composed when read. The full-text index keeps no
 * ids: an FTS rowid encodes the collection, the rank of the record and the
 * rowid of the evidence span (see fts_rowid()).
 *
 * Queries run on read-only connections held in a small array of slots: a
 * caller takes a free slot with one atomic exchange, so there is no lock on
 * the hot path; each slot keeps its prepared statements. Every read
 * connection maps the writer's database image read-only (sqlite3_deserialize
 * of the same bytes, memory-mapped pages), so a connection holds no copy of
 * the data. When every slot is busy a temporary connection is opened for
 * the call.
 *
 * This is the only file that includes sqlite3.h.
 */
#include "store.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

#include "buf.h"
#include "error.h"
#include "query.h"

#define STORE_SLOTS 32
#define STORE_STATEMENTS 48
#define STORE_MAX_BYTES ((sqlite3_int64)16 * 1024 * 1024 * 1024)
#define STORE_MAX_COLLECTIONS 15
#define LABEL_QUOTE_CHARS 80
#define READER_CACHE_KIB 4096
#define WRITER_CACHE_KIB (16 * 1024)
#define FTS_HASH_BYTES (64 * 1024 * 1024)

/*
 * FTS rowid: collection (bits 56-59) | rank of the record (28-55) | rowid of
 * the evidence span (0-27, 0 for the record's own row). Ascending in the
 * order the rows are written, which FTS5 needs to append without flushing.
 */
#define FTS_COLLECTION_SHIFT 56
#define FTS_RANK_SHIFT 28
#define FTS_PART_MASK ((1LL << 28) - 1)
#define DOC_SHIFT 32 /* docs rowid: collection << 32 | rank */

struct statement {
    uint64_t hash;
    char *sql;
    sqlite3_stmt *stmt;
};

/* Record documents are stored DOC_BLOCK to a row, deflated together (see doc_block). */
#define DOC_BLOCK 8

struct slot {
    atomic_int busy;
    sqlite3 *db;
    struct statement statements[STORE_STATEMENTS];
    size_t next; /* the cache entry replaced next */
    /* the last document block inflated (a page reads neighbours in default order) */
    long long block_key;
    char *block_text;
    uint32_t block_offsets[DOC_BLOCK + 1];
};

struct store {
    const struct model *model;
    char uri[96];
    sqlite3 *writer;
    unsigned char *image; /* the writer's database bytes (owned by the writer) */
    sqlite3_int64 image_size;
    double load_seconds;
    long long counts[STORE_MAX_COLLECTIONS];   /* rows of each collection */
    char nullable[STORE_MAX_COLLECTIONS][256]; /* ",col,col," of nullable columns */
    pthread_mutex_t stats_lock;
    cJSON *stats; /* computed on first use (the model is immutable) */
    /*
     * Tokens of every FTS row (all columns), for the ranking function: a
     * record's at record_tokens[record_base[collection] + rank - 1], a
     * span's at span_tokens[span rowid]. bm25 would read each from
     * fts_docsize, one B-tree lookup per match.
     */
    uint32_t *record_tokens, *span_tokens;
    /* the same rows' places in (collection, id) order: how equal scores are ordered */
    uint32_t *record_order, *span_order;
    size_t record_base[STORE_MAX_COLLECTIONS + 1];
    size_t span_count;
    struct slot slots[STORE_SLOTS];
};

/* ------------------------------------------------------------------ */
/* ranking                                                             */

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

/* Register strata_rank on a connection. */
static int rank_register(struct store *store, sqlite3 *db)
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

/* ------------------------------------------------------------------ */
/* connections                                                         */

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void slot_close(struct slot *slot)
{
    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        sqlite3_finalize(slot->statements[i].stmt);
        free(slot->statements[i].sql);
        slot->statements[i].stmt = NULL;
        slot->statements[i].sql = NULL;
    }
    sqlite3_close(slot->db);
    slot->db = NULL;
    free(slot->block_text);
    slot->block_text = NULL;
}

/*
 * A read-only connection over the writer's image: no copy of the bytes
 * (SQLITE_DESERIALIZE_READONLY without FREEONCLOSE), pages read in place
 * (mmap_size), a small page cache for what is not mapped.
 */
static int slot_connect(struct store *store, struct slot *slot)
{
    char pragmas[200];

    if (sqlite3_open_v2(":memory:", &slot->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        goto fail;
    if (sqlite3_deserialize(slot->db, "main", store->image, store->image_size, store->image_size,
                            SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
        goto fail;
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA mmap_size = %lld; PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY; "
             "PRAGMA query_only = 1",
             (long long)store->image_size, READER_CACHE_KIB);
    if (sqlite3_exec(slot->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (rank_register(store, slot->db) != 0)
        goto fail;
    return 0;
fail:
    sqlite3_close(slot->db);
    slot->db = NULL;
    return STRATA_ESTORE;
}

/*
 * Borrow a connection: a free slot (one atomic exchange each), or a
 * temporary connection in spare when all are busy. NULL when none opens.
 */
static struct slot *slot_acquire(struct store *store, struct slot *spare)
{
    size_t start = (size_t)((uintptr_t)pthread_self() >> 4) % STORE_SLOTS;

    for (size_t i = 0; i < STORE_SLOTS; i++) {
        struct slot *slot = &store->slots[(start + i) % STORE_SLOTS];
        if (atomic_exchange(&slot->busy, 1) == 0) {
            if (!slot->db && slot_connect(store, slot) != 0) {
                atomic_store(&slot->busy, 0);
                return NULL;
            }
            return slot;
        }
    }
    memset(spare, 0, sizeof(*spare));
    return slot_connect(store, spare) == 0 ? spare : NULL;
}

static void slot_release(struct store *store, struct slot *slot)
{
    if (!slot)
        return;
    if (slot >= store->slots && slot < store->slots + STORE_SLOTS)
        atomic_store(&slot->busy, 0);
    else
        slot_close(slot);
}

/* A prepared statement for sql, from the slot's cache (reset, unbound). */
static int slot_prepare(struct slot *slot, const char *sql, sqlite3_stmt **out)
{
    uint64_t h = hash_text(sql);
    struct statement *entry;
    sqlite3_stmt *stmt;
    char *copy;

    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        entry = &slot->statements[i];
        if (entry->stmt && entry->hash == h && strcmp(entry->sql, sql) == 0) {
            *out = entry->stmt;
            return 0;
        }
    }
    if (sqlite3_prepare_v3(slot->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        return STRATA_ENOMEM;
    }
    entry = &slot->statements[slot->next];
    slot->next = (slot->next + 1) % STORE_STATEMENTS;
    sqlite3_finalize(entry->stmt);
    free(entry->sql);
    entry->hash = h;
    entry->sql = copy;
    entry->stmt = stmt;
    *out = stmt;
    return 0;
}

static void statement_done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

static void error_from(struct store_error *error, sqlite3 *db)
{
    if (error)
        snprintf(error->message, sizeof(error->message), "%s",
                 db ? sqlite3_errmsg(db) : "cannot open a connection to the store");
}

/* ------------------------------------------------------------------ */
/* SQL building                                                        */

enum bound_kind { BOUND_TEXT, BOUND_INTEGER };

struct bound {
    enum bound_kind kind;
    const char *text;
    long long number;
};

/* An SQL text with numbered parameters and the values to bind to them. */
struct builder {
    struct buf sql;
    struct bound *values;
    size_t count, alloc;
};

static void builder_init(struct builder *b)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->sql, 1024 * 1024);
}

static void builder_release(struct builder *b)
{
    buf_release(&b->sql);
    free(b->values);
    memset(b, 0, sizeof(*b));
}

/* Add a value; returns its parameter number (1-based), 0 on ENOMEM. */
static size_t builder_value(struct builder *b, enum bound_kind kind, const char *text,
                            long long number)
{
    if (b->count == b->alloc) {
        size_t alloc = b->alloc ? b->alloc * 2 : 32;
        struct bound *values = realloc(b->values, alloc * sizeof(*values));
        if (!values) {
            b->sql.failed = 1;
            return 0;
        }
        b->values = values;
        b->alloc = alloc;
    }
    b->values[b->count].kind = kind;
    b->values[b->count].text = text;
    b->values[b->count].number = number;
    return ++b->count;
}

static void builder_text(struct builder *b, const char *text)
{
    buf_printf(&b->sql, "?%zu", builder_value(b, BOUND_TEXT, text, 0));
}

static int builder_bind(const struct builder *b, sqlite3_stmt *stmt)
{
    for (size_t i = 0; i < b->count; i++) {
        int rc;
        if (b->values[i].kind == BOUND_TEXT)
            rc = sqlite3_bind_text(stmt, (int)i + 1, b->values[i].text, -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_int64(stmt, (int)i + 1, b->values[i].number);
        if (rc != SQLITE_OK)
            return STRATA_ESTORE;
    }
    return 0;
}

/* `CASE type WHEN 'actors' THEN 0 ... END`: the catalog's order of collections. */
static void append_type_order(struct buf *sql, const char *column)
{
    buf_printf(sql, "CASE %s", column);
    for (size_t i = 0; i < catalog_collection_count; i++)
        buf_printf(sql, " WHEN '%s' THEN %zu", catalog_collections[i].name, i);
    buf_puts(sql, " END");
}

/* Parse a `sort=` text of the catalog itself ("type,source,target"). */
static size_t default_sorts(const struct catalog_collection *c, struct query_sort *out, size_t max)
{
    const char *p = c->default_sort;
    size_t n = 0;

    while (*p && n < max) {
        char name[64];
        size_t len = strcspn(p, ",");
        bool descending = *p == '-';
        if (descending) {
            p++;
            len--;
        }
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, p, len);
        name[len] = '\0';
        out[n].sort = catalog_sort_find(c, name);
        out[n].descending = descending;
        if (out[n].sort)
            n++;
        p += len;
        if (*p == ',')
            p++;
    }
    return n;
}

/* True when sorts (n of them) is c's default order, which is rowid order. */
static bool is_default_order(const struct catalog_collection *c, const struct query_sort *sorts,
                             size_t n)
{
    struct query_sort defaults[QUERY_MAX_SORTS];
    size_t d = default_sorts(c, defaults, QUERY_MAX_SORTS);

    if (n == 0)
        return true;
    /* the default keys, then optionally id ascending (the tie-breaker they end with) */
    if (n == d + 1 && strcmp(sorts[d].sort->name, "id") == 0 && !sorts[d].descending)
        n = d;
    if (n != d)
        return false;
    for (size_t i = 0; i < n; i++)
        if (sorts[i].sort != defaults[i].sort || sorts[i].descending != defaults[i].descending)
            return false;
    return true;
}

static bool column_nullable(const struct store *store, const struct catalog_collection *c,
                            const char *column)
{
    char key[80];
    snprintf(key, sizeof(key), ",%s,", column);
    return strstr(store->nullable[catalog_index(c)], key) != NULL;
}

/*
 * ORDER BY clause of sort keys, ending with id; the default order is rowid.
 * NULLs sort last in both directions: descending is SQLite's own order, an
 * ascending nullable column is preceded by `column IS NULL`, so that indexes
 * still serve the sort (a NULLS LAST clause would not).
 */
static void append_order(struct buf *sql, const struct store *store,
                         const struct catalog_collection *c, const struct query_sort *sorts,
                         size_t n)
{
    bool by_id = false, first = true;

    if (is_default_order(c, sorts, n)) {
        buf_puts(sql, " ORDER BY rowid");
        return;
    }
    buf_puts(sql, " ORDER BY ");
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; sorts[i].sort->columns[k]; k++) {
            const char *column = sorts[i].sort->columns[k];
            bool simple = strspn(column, "abcdefghijklmnopqrstuvwxyz_") == strlen(column);
            const char *direction = sorts[i].descending ? "DESC" : "ASC";
            buf_puts(sql, first ? "" : ", ");
            first = false;
            if (!simple)
                buf_printf(sql, "%s %s NULLS LAST", column, direction);
            else if (!sorts[i].descending && column_nullable(store, c, column))
                buf_printf(sql, "%s IS NULL, %s ASC", column, column);
            else
                buf_printf(sql, "%s %s", column, direction);
        }
        if (strcmp(sorts[i].sort->name, "id") == 0)
            by_id = true;
    }
    if (!by_id)
        buf_puts(sql, ", id ASC");
}

/* The condition of one filter: every `$` becomes the list of its values. */
static void append_filter(struct builder *b, const struct query_filter *f)
{
    size_t first = b->count + 1;

    for (size_t i = 0; i < f->value_count; i++) {
        const char *v = f->values[i];
        if (f->filter->value == CATALOG_VALUE_BOOL)
            builder_value(b, BOUND_INTEGER, NULL, strcmp(v, "true") == 0);
        else if (f->filter->value == CATALOG_VALUE_INTEGER)
            builder_value(b, BOUND_INTEGER, NULL, strtoll(v, NULL, 10));
        else
            builder_value(b, BOUND_TEXT, v, 0);
    }
    buf_putc(&b->sql, '(');
    for (const char *p = f->filter->sql; *p; p++) {
        if (*p != '$') {
            buf_putc(&b->sql, *p);
            continue;
        }
        for (size_t i = 0; i < f->value_count; i++)
            buf_printf(&b->sql, "%s?%zu", i ? "," : "", first + i);
    }
    buf_putc(&b->sql, ')');
}

/* True when q selects every record of its collection (no condition at all). */
static bool query_unfiltered(const struct query *q)
{
    return q->filter_count == 0 && !q->text && q->dated == QUERY_DATED_ANY && !q->from[0] &&
           !q->to[0];
}

/*
 * True when q has a filter naming records by id (record=, related=, ...):
 * such a filter keeps few rows, so a full-text condition is best checked
 * row by row.
 */
static bool query_selective(const struct query *q)
{
    for (size_t i = 0; i < q->filter_count; i++)
        if (q->filters[i].filter->value == CATALOG_VALUE_ID)
            return true;
    return false;
}

/*
 * WHERE clause of a collection query. A full-text condition keeps the rows
 * whose own FTS row or one of whose evidence spans matches: the FTS rowids
 * of collection c lie in one range, and their rank bits are c's rowids.
 */
static void append_where(struct builder *b, const struct query *q)
{
    const struct catalog_collection *c = q->collection;

    buf_puts(&b->sql, " WHERE 1");
    for (size_t i = 0; i < q->filter_count; i++) {
        buf_puts(&b->sql, " AND ");
        append_filter(b, &q->filters[i]);
    }
    /* an interval filter excludes undated events: they overlap nothing */
    if (q->dated == QUERY_DATED_ONLY || q->from[0] || q->to[0])
        buf_puts(&b->sql, " AND date_start IS NOT NULL");
    if (q->dated == QUERY_UNDATED_ONLY)
        buf_puts(&b->sql, " AND date_start IS NULL");
    if (q->from[0]) {
        buf_puts(&b->sql, " AND date_end >= ");
        builder_text(b, q->from);
    }
    if (q->to[0]) {
        buf_puts(&b->sql, " AND date_start <= ");
        builder_text(b, q->to);
    }
    if (q->text && query_selective(q)) {
        /*
         * Few rows pass the other filters: probe the index for each (its FTS
         * row is known: evidence.fts_owner + rowid, or a record's rowid range)
         * rather than collect every match of the text first.
         */
        long long lo = (long long)catalog_index(c) << FTS_COLLECTION_SHIFT;
        buf_puts(&b->sql, " AND EXISTS (SELECT 1 FROM fts WHERE fts MATCH ");
        builder_text(b, q->text);
        if (strcmp(c->name, "evidence") == 0)
            buf_puts(&b->sql, " AND fts.rowid = evidence.fts_owner + evidence.rowid)");
        else
            buf_printf(&b->sql,
                       " AND fts.rowid BETWEEN %lld + (%s.rowid << %d) AND %lld + (%s.rowid << "
                       "%d) + %lld)",
                       lo, c->table, FTS_RANK_SHIFT, lo, c->table, FTS_RANK_SHIFT, FTS_PART_MASK);
    } else if (q->text) {
        if (strcmp(c->name, "evidence") == 0) {
            buf_printf(&b->sql, " AND rowid IN (SELECT fts.rowid & %lld FROM fts WHERE fts MATCH ",
                       FTS_PART_MASK);
            builder_text(b, q->text);
            buf_printf(&b->sql, " AND (fts.rowid & %lld) != 0)", FTS_PART_MASK);
        } else {
            long long lo = (long long)catalog_index(c) << FTS_COLLECTION_SHIFT;
            buf_printf(&b->sql,
                       " AND rowid IN (SELECT (fts.rowid >> %d) & %lld FROM fts WHERE fts "
                       "MATCH ",
                       FTS_RANK_SHIFT, FTS_PART_MASK);
            builder_text(b, q->text);
            buf_printf(&b->sql, " AND fts.rowid BETWEEN %lld AND %lld)", lo,
                       lo + (1LL << FTS_COLLECTION_SHIFT) - 1);
        }
    }
}

/* ------------------------------------------------------------------ */
/* schema                                                              */

/*
 * No table has a declared key: every table is written in its default order
 * with rowid = rank, and the unique indexes on ids are built afterwards
 * (sorting once is much faster than inserting into a B-tree in random
 * order). The loader has checked every id and reference before a row is
 * written; the REFERENCES clauses document the joins (PRAGMA
 * foreign_key_check verifies them on an exported database).
 */
static const char schema_sql[] =
    "CREATE TABLE records (id TEXT NOT NULL, type TEXT NOT NULL, kind TEXT, label TEXT NOT "
    "NULL, rank INTEGER NOT NULL);"
    "CREATE TABLE docs (doc BLOB NOT NULL);"
    "CREATE TABLE actors (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), role TEXT, explicit "
    "INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE aliases (record_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER NOT "
    "NULL, alias TEXT NOT NULL);"
    "CREATE TABLE actor_members (collective_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, member_id TEXT NOT NULL REFERENCES records(id));"
    "CREATE TABLE organizations (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL "
    "COLLATE NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE places (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), within TEXT REFERENCES "
    "records(id), lat REAL, lon REAL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE events (id TEXT NOT NULL REFERENCES records(id), title TEXT NOT NULL COLLATE "
    "NOCASE, type TEXT NOT NULL, date_text TEXT, date_start TEXT, date_end TEXT, "
    "date_precision TEXT NOT NULL, place TEXT REFERENCES records(id), organization TEXT "
    "REFERENCES records(id), explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position "
    "INTEGER NOT NULL, CHECK (date_end >= date_start));"
    "CREATE TABLE event_participants (event_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, participant_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(participant_id, event_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE layers (id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER NOT NULL, "
    "name TEXT NOT NULL COLLATE NOCASE, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE layer_partners (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, partner_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(partner_id, layer_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE layer_events (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, event_id TEXT NOT NULL REFERENCES records(id));"
    "CREATE TABLE layer_mechanisms (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, name TEXT NOT NULL, organization TEXT REFERENCES records(id));"
    "CREATE TABLE layer_goals (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, text TEXT NOT NULL);"
    "CREATE TABLE threats (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position "
    "INTEGER NOT NULL);"
    "CREATE TABLE threat_sources (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, source_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (source_id, "
    "threat_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE threat_targets (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, target_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (target_id, "
    "threat_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE claims (id TEXT NOT NULL REFERENCES records(id), title TEXT NOT NULL COLLATE "
    "NOCASE, text TEXT NOT NULL, kind TEXT NOT NULL, certainty TEXT NOT NULL, hedge TEXT, "
    "explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE claim_about (claim_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, record_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (record_id, "
    "claim_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE relations (id TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL "
    "REFERENCES records(id), target TEXT NOT NULL REFERENCES records(id), source_type TEXT NOT "
    "NULL, target_type TEXT NOT NULL, derived INTEGER NOT NULL, derived_from_target INTEGER, "
    "derived_field TEXT, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "basis TEXT, label TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE evidence (id TEXT NOT NULL, record_id TEXT NOT NULL REFERENCES records(id), "
    "record_type TEXT NOT NULL, field TEXT NOT NULL, ordinal INTEGER NOT NULL, span_start "
    "INTEGER NOT NULL, span_end INTEGER NOT NULL, paragraph INTEGER NOT NULL, quote TEXT NOT "
    "NULL, fts_owner INTEGER NOT NULL, CHECK (span_end > span_start));";

/* The full-text index: built by its own thread in its own database, then copied in. */
static const char fts_schema_sql[] =
    "CREATE VIRTUAL TABLE fts USING fts5(label, aliases, summary, text, tokenize = 'porter "
    "unicode61 remove_diacritics 2');";

/* FTS5's shadow tables, copied row for row from the builder's database. */
static const char *const fts_shadow_tables[] = {"fts_data", "fts_idx", "fts_content", "fts_docsize",
                                                "fts_config"};

/*
 * Created after the rows are in. One per API filter (and the joins of the
 * related lists); the default orders need none (rowid).
 */
static const char index_sql[] =
    "CREATE UNIQUE INDEX records_id ON records(id);"
    "CREATE INDEX records_type ON records(type, rank);"
    "CREATE UNIQUE INDEX actors_id ON actors(id);"
    "CREATE INDEX actors_name ON actors(name, id);"
    "CREATE INDEX actors_kind ON actors(kind);"
    "CREATE INDEX actors_country ON actors(country);"
    "CREATE INDEX actors_explicit ON actors(explicit);"
    "CREATE INDEX actors_provenance ON actors(provenance);"
    "CREATE INDEX actor_members_collective ON actor_members(collective_id, member_id);"
    "CREATE INDEX actor_members_member ON actor_members(member_id, collective_id);"
    "CREATE UNIQUE INDEX organizations_id ON organizations(id);"
    "CREATE INDEX organizations_name ON organizations(name, id);"
    "CREATE INDEX organizations_kind ON organizations(kind);"
    "CREATE INDEX organizations_explicit ON organizations(explicit);"
    "CREATE INDEX organizations_provenance ON organizations(provenance);"
    "CREATE UNIQUE INDEX places_id ON places(id);"
    "CREATE INDEX places_name ON places(name, id);"
    "CREATE INDEX places_kind ON places(kind);"
    "CREATE INDEX places_country ON places(country);"
    "CREATE INDEX places_within ON places(within);"
    "CREATE INDEX places_explicit ON places(explicit);"
    "CREATE INDEX places_provenance ON places(provenance);"
    "CREATE UNIQUE INDEX events_id ON events(id);"
    "CREATE INDEX events_date ON events(date_start, date_end);"
    "CREATE INDEX events_end ON events(date_end);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE INDEX events_precision ON events(date_precision);"
    "CREATE INDEX events_place ON events(place);"
    "CREATE INDEX events_organization ON events(organization);"
    "CREATE INDEX events_explicit ON events(explicit);"
    "CREATE INDEX events_provenance ON events(provenance);"
    "CREATE UNIQUE INDEX layers_id ON layers(id);"
    "CREATE INDEX layers_ordinal ON layers(ordinal);"
    "CREATE INDEX layers_explicit ON layers(explicit);"
    "CREATE INDEX layers_provenance ON layers(provenance);"
    "CREATE INDEX layer_events_layer ON layer_events(layer_id);"
    "CREATE INDEX layer_events_event ON layer_events(event_id, layer_id);"
    "CREATE UNIQUE INDEX threats_id ON threats(id);"
    "CREATE INDEX threats_name ON threats(name, id);"
    "CREATE INDEX threats_kind ON threats(kind);"
    "CREATE INDEX threats_explicit ON threats(explicit);"
    "CREATE INDEX threats_provenance ON threats(provenance);"
    "CREATE UNIQUE INDEX claims_id ON claims(id);"
    "CREATE INDEX claims_kind ON claims(kind);"
    "CREATE INDEX claims_certainty ON claims(certainty);"
    "CREATE INDEX claims_explicit ON claims(explicit);"
    "CREATE INDEX claims_provenance ON claims(provenance);"
    "CREATE UNIQUE INDEX relations_id ON relations(id);"
    "CREATE INDEX relations_source ON relations(source);"
    "CREATE INDEX relations_target ON relations(target);"
    "CREATE INDEX relations_type ON relations(type);"
    "CREATE INDEX relations_source_type ON relations(source_type);"
    "CREATE INDEX relations_target_type ON relations(target_type);"
    "CREATE INDEX relations_derived ON relations(derived);"
    "CREATE INDEX relations_explicit ON relations(explicit);"
    "CREATE INDEX relations_provenance ON relations(provenance);"
    "CREATE UNIQUE INDEX evidence_id ON evidence(id);"
    "CREATE INDEX evidence_record ON evidence(record_id);"
    "CREATE INDEX evidence_record_type ON evidence(record_type);"
    "CREATE INDEX evidence_paragraph ON evidence(paragraph);";

/* ------------------------------------------------------------------ */
/* the loader's memory                                                 */

/* Strings that live as long as the loader, from a few large blocks. */
struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
};

struct arena {
    struct arena_block *head;
};

static char *arena_alloc(struct arena *a, size_t n)
{
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > (size_t)1 << 20 ? n : (size_t)1 << 20;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

static const char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    char small[256], *out;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    out = arena_alloc(a, (size_t)n + 1);
    if (!out)
        return NULL;
    if ((size_t)n < sizeof(small)) {
        memcpy(out, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(out, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return out;
}

static void arena_release(struct arena *a)
{
    while (a->head) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* A growable array of fixed-size items. */
struct vec {
    void *items;
    size_t count, alloc, size;
};

static void *vec_push(struct vec *v)
{
    if (v->count == v->alloc) {
        size_t alloc = v->alloc ? v->alloc * 2 : 1024;
        void *items = realloc(v->items, alloc * v->size);
        if (!items)
            return NULL;
        v->items = items;
        v->alloc = alloc;
    }
    return (char *)v->items + v->size * v->count++;
}

/* One record of the model. */
struct entry {
    const char *id;
    const cJSON *record;
    const char *label;  /* the catalog's label field, or the id */
    size_t collection;  /* index in catalog_collections */
    size_t index;       /* in the model's array (for error paths) */
    long long rank;     /* 1-based place in its collection's default order */
    long long position; /* smallest start of its own evidence, or -1 */
    size_t span_first;  /* its spans: spans[span_first .. + span_count) */
    size_t span_count;
};

/* One evidence span, as a row of `evidence`. */
struct span {
    const char *id;
    size_t owner; /* entry */
    const char *field;
    long long ordinal, start, end, paragraph;
    const char *quote;
    long long rowid; /* rank in article order */
};

/* One edge: an explicit relation (a model record) or one derived from a field. */
struct relation {
    const char *id, *type, *label;
    size_t source, target; /* entries */
    size_t holder;         /* the relation's own entry, or the record stating the edge */
    const char *field;     /* derived: the field that states it */
    bool derived;
    long long rowid;
};

/*
 * Open addressing over every id the store gives out: a record's value is its
 * entry index, a span's and a derived edge's their index tagged.
 */
#define NOT_A_RECORD SIZE_MAX
#define TAG_SPAN ((size_t)1 << (sizeof(size_t) * 8 - 2))
#define TAG_EDGE ((size_t)1 << (sizeof(size_t) * 8 - 3))
#define TAGS (TAG_SPAN | TAG_EDGE)

struct idmap {
    const char **keys;
    size_t *values;
    size_t mask, count;
};

static size_t idmap_probe(const struct idmap *m, const char *id)
{
    size_t i = (size_t)hash_text(id) & m->mask;
    while (m->keys[i] && strcmp(m->keys[i], id) != 0)
        i = (i + 1) & m->mask;
    return i;
}

static int idmap_grow(struct idmap *m)
{
    struct idmap bigger;
    size_t size = m->keys ? (m->mask + 1) * 2 : 1024;

    bigger.keys = calloc(size, sizeof(*bigger.keys));
    bigger.values = malloc(size * sizeof(*bigger.values));
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return STRATA_ENOMEM;
    }
    bigger.mask = size - 1;
    bigger.count = m->count;
    for (size_t i = 0; m->keys && i <= m->mask; i++) {
        if (m->keys[i]) {
            size_t k = idmap_probe(&bigger, m->keys[i]);
            bigger.keys[k] = m->keys[i];
            bigger.values[k] = m->values[i];
        }
    }
    free(m->keys);
    free(m->values);
    *m = bigger;
    return 0;
}

/* Add id (not copied); 1 when it was there already, 0 when added, <0 on ENOMEM. */
static int idmap_add(struct idmap *m, const char *id, size_t value)
{
    size_t i;
    if ((m->count + 1) * 2 > (m->keys ? m->mask + 1 : 0) && idmap_grow(m) != 0)
        return -1;
    i = idmap_probe(m, id);
    if (m->keys[i])
        return 1;
    m->keys[i] = id;
    m->values[i] = value;
    m->count++;
    return 0;
}

/* The value of id, or NOT_A_RECORD when the id is not given out. */
static size_t idmap_value(const struct idmap *m, const char *id)
{
    size_t i;
    if (!id || !m->keys)
        return NOT_A_RECORD;
    i = idmap_probe(m, id);
    return m->keys[i] ? m->values[i] : NOT_A_RECORD;
}

/* The entry index of a record id, or NOT_A_RECORD. */
static size_t idmap_record(const struct idmap *m, const char *id)
{
    size_t value = idmap_value(m, id);
    return value != NOT_A_RECORD && (value & TAGS) == 0 ? value : NOT_A_RECORD;
}

static void idmap_release(struct idmap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* loading                                                             */

enum statement_id {
    ST_RECORD,
    ST_DOC,
    ST_ACTOR,
    ST_ALIAS,
    ST_MEMBER,
    ST_ORGANIZATION,
    ST_PLACE,
    ST_EVENT,
    ST_PARTICIPANT,
    ST_LAYER,
    ST_PARTNER,
    ST_LAYER_EVENT,
    ST_MECHANISM,
    ST_GOAL,
    ST_THREAT,
    ST_SOURCE,
    ST_TARGET,
    ST_CLAIM,
    ST_ABOUT,
    ST_RELATION,
    ST_EVIDENCE,
    ST_COUNT
};

static const char *const insert_sql[ST_COUNT] = {
    [ST_RECORD] = "INSERT INTO records VALUES (?,?,?,?,?)",
    [ST_DOC] = "INSERT INTO docs (rowid, doc) VALUES (?,?)",
    [ST_ACTOR] = "INSERT INTO actors (rowid, id, name, kind, country, role, explicit, provenance, "
                 "position) VALUES (?,?,?,?,?,?,?,?,?)",
    [ST_ALIAS] = "INSERT INTO aliases VALUES (?,?,?)",
    [ST_MEMBER] = "INSERT INTO actor_members VALUES (?,?,?)",
    [ST_ORGANIZATION] = "INSERT INTO organizations (rowid, id, name, kind, explicit, provenance, "
                        "position) VALUES (?,?,?,?,?,?,?)",
    [ST_PLACE] = "INSERT INTO places (rowid, id, name, kind, country, within, lat, lon, explicit, "
                 "provenance, position) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVENT] = "INSERT INTO events (rowid, id, title, type, date_text, date_start, date_end, "
                 "date_precision, place, organization, explicit, provenance, position) VALUES "
                 "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_PARTICIPANT] = "INSERT INTO event_participants VALUES (?,?,?)",
    [ST_LAYER] = "INSERT INTO layers (rowid, id, ordinal, name, explicit, provenance, position) "
                 "VALUES (?,?,?,?,?,?,?)",
    [ST_PARTNER] = "INSERT INTO layer_partners VALUES (?,?,?)",
    [ST_LAYER_EVENT] = "INSERT INTO layer_events VALUES (?,?,?)",
    [ST_MECHANISM] = "INSERT INTO layer_mechanisms VALUES (?,?,?,?)",
    [ST_GOAL] = "INSERT INTO layer_goals VALUES (?,?,?)",
    [ST_THREAT] = "INSERT INTO threats (rowid, id, name, kind, explicit, provenance, position) "
                  "VALUES (?,?,?,?,?,?,?)",
    [ST_SOURCE] = "INSERT INTO threat_sources VALUES (?,?,?)",
    [ST_TARGET] = "INSERT INTO threat_targets VALUES (?,?,?)",
    [ST_CLAIM] = "INSERT INTO claims (rowid, id, title, text, kind, certainty, hedge, explicit, "
                 "provenance, position) VALUES (?,?,?,?,?,?,?,?,?,?)",
    [ST_ABOUT] = "INSERT INTO claim_about VALUES (?,?,?)",
    [ST_RELATION] =
        "INSERT INTO relations (rowid, id, type, source, target, source_type, "
        "target_type, derived, derived_from_target, derived_field, explicit, provenance, "
        "basis, label, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVIDENCE] = "INSERT INTO evidence (rowid, id, record_id, record_type, field, ordinal, "
                    "span_start, span_end, paragraph, quote, fts_owner) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?)",
};

/* The thread that builds the full-text index while the tables are written. */
struct fts_builder {
    const struct loader *L;
    char uri[96]; /* a shared memdb database: the writer attaches it to copy it */
    sqlite3 *db;
    pthread_t thread;
    bool started;
    int rc;
    char message[300];
    uint32_t *record_order, *span_order; /* see struct store; handed over to it */
    struct vec blocks;                   /* struct doc_row: the rows of `docs` (see doc_block) */
};

struct doc_row {
    long long key;
    unsigned char *data;
    size_t size;
};

struct loader {
    sqlite3 *db;
    struct fts_builder fts;
    const struct model *model;
    struct idmap map;
    struct arena arena;
    struct vec entries;                      /* struct entry, in catalog then model order */
    struct vec spans;                        /* struct span, grouped by owner */
    struct vec relations;                    /* struct relation */
    size_t first[STORE_MAX_COLLECTIONS + 1]; /* entries of collection i: [first[i], first[i+1]) */
    size_t *ranked;     /* entry indexes, each collection's range sorted by rank */
    size_t *span_order; /* span indexes by rowid */
    sqlite3_stmt *stmts[ST_COUNT];
    struct model_error *err;
    int failed;      /* the first error code reported through load_fail */
    char where[160]; /* JSON path of the record being loaded */
};

#define ENTRY(L, i) (&((struct entry *)(L)->entries.items)[i])
#define SPAN(L, i) (&((struct span *)(L)->spans.items)[i])
#define RELATION(L, i) (&((struct relation *)(L)->relations.items)[i])

static int load_fail(struct loader *L, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(struct loader *L, int code, const char *fmt, ...)
{
    va_list ap;
    if (L->failed)
        return L->failed; /* keep the first, most precise message */
    L->failed = code;
    snprintf(L->err->file, sizeof(L->err->file), "%s", L->model->model_path);
    snprintf(L->err->path, sizeof(L->err->path), "%s", L->where);
    va_start(ap, fmt);
    vsnprintf(L->err->message, sizeof(L->err->message), fmt, ap);
    va_end(ap);
    return code;
}

static int out_of_memory(struct loader *L)
{
    return load_fail(L, STRATA_ENOMEM, "store: out of memory");
}

static void where_entry(struct loader *L, const struct entry *e)
{
    snprintf(L->where, sizeof(L->where), "$.%s[%zu]", catalog_collections[e->collection].name,
             e->index);
}

/*
 * Bind and step one insert. types: 't' text (NULL binds NULL), 'i' long long,
 * 'b' bool as int, 'd' double (NAN binds NULL). Returns 0 or an error.
 */
static int insert(struct loader *L, enum statement_id which, const char *types, ...)
{
    sqlite3_stmt *stmt = L->stmts[which];
    va_list ap;
    int rc = SQLITE_OK;

    va_start(ap, types);
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(stmt, i + 1);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, long long));
            break;
        case 'b':
            rc = sqlite3_bind_int(stmt, i + 1, va_arg(ap, int) ? 1 : 0);
            break;
        default: {
            double d = va_arg(ap, double);
            rc = isnan(d) ? sqlite3_bind_null(stmt, i + 1) : sqlite3_bind_double(stmt, i + 1, d);
            break;
        }
        }
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return load_fail(L, rc == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESTORE, "store: %s",
                         sqlite3_errmsg(L->db));
    return 0;
}

static const char *text_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int bool_of(const cJSON *object, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, key));
}

static const cJSON *array_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsArray(item) ? item : NULL;
}

/*
 * A number as an integer; 0 when it is not one or out of range (the store is
 * built while the model is validated, so nothing here may assume it valid).
 */
static long long integer_of(const cJSON *item)
{
    if (!cJSON_IsNumber(item) || !(item->valuedouble > -9e15 && item->valuedouble < 9e15))
        return 0;
    return (long long)item->valuedouble;
}

static long long number_of(const cJSON *object, const char *key)
{
    return integer_of(cJSON_GetObjectItemCaseSensitive(object, key));
}

static const char *provenance_of(const cJSON *record)
{
    return text_of(record, "provenance") ? text_of(record, "provenance") : "article";
}

/* Smallest start of a record's own evidence, or -1. */
static long long position_of(const cJSON *record)
{
    long long best = -1;
    const cJSON *span;

    cJSON_ArrayForEach(span, array_of(record, "evidence"))
    {
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(span, "start");
        if (cJSON_IsNumber(start) && (best < 0 || integer_of(start) < best))
            best = integer_of(start);
    }
    return best;
}

/* The first `max` code points of s, with "…" when cut, into out. */
static void shorten(const char *s, size_t max, struct buf *out)
{
    size_t chars = 0;
    const char *p = s;

    while (*p && chars < max) {
        p++;
        while ((*p & 0xc0) == 0x80)
            p++;
        chars++;
    }
    buf_add(out, s, (size_t)(p - s));
    if (*p)
        buf_puts(out, "\xe2\x80\xa6");
}

static const char *verb_of(const char *type)
{
    static const char *const verbs[][2] = {
        {"participant_in", "takes part in"},
        {"held_in", "is held in"},
        {"convened_by", "is convened by"},
        {"member_of", "is a member of"},
        {"official_of", "is an official of"},
        {"located_in", "is located in"},
        {"partner_in", "is a partner in"},
        {"part_of", "is part of"},
        {"mechanism_of", "is a mechanism of"},
        {"source_of", "is a source of"},
        {"threatens", "threatens"},
        {"about", "is about"},
    };
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verbs[i][0], type) == 0)
            return verbs[i][1];
    return type;
}

/* Pass one: every record of the model, its id in the map. */
static int load_map(struct loader *L)
{
    if (catalog_collection_count > STORE_MAX_COLLECTIONS)
        return load_fail(L, STRATA_EINVAL, "store: too many collections");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *r;
        size_t n = 0;
        L->first[i] = L->entries.count;
        cJSON_ArrayForEach(r, array_of(L->model->root, c->name))
        {
            const char *id = text_of(r, "id");
            struct entry *e;
            int added;
            snprintf(L->where, sizeof(L->where), "$.%s[%zu]", c->name, n);
            if (!id)
                return load_fail(L, STRATA_EINVAL, "record without an id");
            e = vec_push(&L->entries);
            if (!e)
                return out_of_memory(L);
            memset(e, 0, sizeof(*e));
            e->id = id;
            e->record = r;
            e->collection = i;
            e->index = n++;
            e->label = text_of(r, c->label) ? text_of(r, c->label) : id;
            e->position = position_of(r);
            added = idmap_add(&L->map, id, L->entries.count - 1);
            if (added < 0)
                return out_of_memory(L);
            if (added > 0)
                return load_fail(L, STRATA_EINVAL, "id '%s' is used twice", id);
        }
    }
    L->first[catalog_collection_count] = L->entries.count;
    if (L->entries.count >= (size_t)FTS_PART_MASK)
        return load_fail(L, STRATA_EINVAL, "store: too many records");
    return 0;
}

/* The spans of one evidence array, ids `<prefix><n>`. */
static int collect_spans(struct loader *L, size_t owner, const cJSON *spans, const char *prefix,
                         const char *field)
{
    const cJSON *span;
    long long n = 0;

    cJSON_ArrayForEach(span, spans)
    {
        struct span *s;
        const char *id = arena_printf(&L->arena, "%s%lld", prefix, ++n);
        int added;
        if (!id)
            return out_of_memory(L);
        added = idmap_add(&L->map, id, TAG_SPAN | L->spans.count);
        if (added < 0)
            return out_of_memory(L);
        if (added > 0)
            return load_fail(L, STRATA_EINVAL, "evidence id '%s' is already used by a record", id);
        s = vec_push(&L->spans);
        if (!s)
            return out_of_memory(L);
        s->id = id;
        s->owner = owner;
        s->field = field;
        s->ordinal = n;
        s->start = number_of(span, "start");
        s->end = number_of(span, "end");
        s->paragraph = number_of(span, "paragraph");
        s->quote = text_of(span, "quote") ? text_of(span, "quote") : "";
    }
    return 0;
}

/* Every span of a record: its mechanisms' and goals' (layers), then its own. */
static int load_spans(struct loader *L, size_t owner)
{
    struct entry *e = ENTRY(L, owner);
    const char *name = catalog_collections[e->collection].name;
    const char *prefix;
    int rc = 0;

    e->span_first = L->spans.count;
    if (strcmp(name, "layers") == 0) {
        static const char *const parts[2][2] = {{"mechanisms", "m"}, {"goals", "g"}};
        for (size_t k = 0; k < 2 && !rc; k++) {
            const cJSON *part;
            size_t i = 0;
            cJSON_ArrayForEach(part, array_of(e->record, parts[k][0]))
            {
                const char *field = arena_printf(&L->arena, "%s[%zu].evidence", parts[k][0], i);
                prefix = arena_printf(&L->arena, "%s-%s%zu-e", e->id, parts[k][1], i + 1);
                i++;
                if (!field || !prefix)
                    return out_of_memory(L);
                rc = collect_spans(L, owner, array_of(part, "evidence"), prefix, field);
                if (rc)
                    return rc;
            }
        }
    }
    prefix = arena_printf(&L->arena, "%s-e", e->id);
    if (!prefix)
        return out_of_memory(L);
    rc = collect_spans(L, owner, array_of(e->record, "evidence"), prefix, "evidence");
    ENTRY(L, owner)->span_count = L->spans.count - ENTRY(L, owner)->span_first;
    return rc;
}

/*
 * The id of a derived edge is taken already. The same edge stated twice (two
 * mechanisms of one organization) is kept once, as first stated: 0. Any
 * other owner (a record of the model, another derived edge, an evidence
 * span) refuses the model, naming both.
 */
static int edge_collision(struct loader *L, const char *id, size_t source, const char *type,
                          size_t target, size_t holder, const char *field)
{
    size_t other = idmap_value(&L->map, id);
    const struct entry *h = ENTRY(L, holder);
    const char *what = catalog_collections[h->collection].singular;

    if (other & TAG_EDGE) {
        const struct relation *r = RELATION(L, other & ~TAGS);
        if (r->source == source && r->target == target && strcmp(r->type, type) == 0)
            return 0;
        return load_fail(L, STRATA_EINVAL,
                         "the id '%s' of the relation derived from %s '%s' (field %s) is also the "
                         "id of the relation derived from '%s' (field %s): %s %s %s",
                         id, what, h->id, field, ENTRY(L, r->holder)->id, r->field,
                         ENTRY(L, r->source)->id, r->type, ENTRY(L, r->target)->id);
    }
    if (other & TAG_SPAN)
        return load_fail(L, STRATA_EINVAL,
                         "the id '%s' of the relation derived from %s '%s' (field %s) is also the "
                         "id of an evidence span of '%s'",
                         id, what, h->id, field, ENTRY(L, SPAN(L, other & ~TAGS)->owner)->id);
    return load_fail(L, STRATA_EINVAL,
                     "the id '%s' of the relation derived from %s '%s' (field %s) is also the id "
                     "of the %s '%s'",
                     id, what, h->id, field,
                     catalog_collections[ENTRY(L, other)->collection].singular, id);
}

/*
 * The derived edge `source type target` stated by field of the holder, with
 * the id `<source>-<type with - for _>-<target>` (a slug like every id).
 */
static int add_edge(struct loader *L, const char *source, const char *type, const char *target,
                    size_t holder, const char *field)
{
    size_t s = idmap_record(&L->map, source), t = idmap_record(&L->map, target);
    struct relation *r;
    struct buf id;
    const char *copy;
    int added;

    if (s == NOT_A_RECORD || t == NOT_A_RECORD)
        return load_fail(L, STRATA_EINVAL, "%s refers to unknown id '%s'", field,
                         s == NOT_A_RECORD ? source : target);
    buf_init(&id, 0);
    buf_printf(&id, "%s-", source);
    for (const char *p = type; *p; p++)
        buf_putc(&id, *p == '_' ? '-' : *p);
    buf_printf(&id, "-%s", target);
    copy = id.failed ? NULL : arena_printf(&L->arena, "%s", buf_str(&id));
    buf_release(&id);
    if (!copy)
        return out_of_memory(L);
    added = idmap_add(&L->map, copy, TAG_EDGE | L->relations.count);
    if (added < 0)
        return out_of_memory(L);
    if (added > 0)
        return edge_collision(L, copy, s, type, t, holder, field);
    r = vec_push(&L->relations);
    if (!r)
        return out_of_memory(L);
    r->id = copy;
    r->type = type;
    r->source = s;
    r->target = t;
    r->holder = holder;
    r->field = field;
    r->derived = true;
    r->label =
        arena_printf(&L->arena, "%s %s %s", ENTRY(L, s)->label, verb_of(type), ENTRY(L, t)->label);
    return r->label ? 0 : out_of_memory(L);
}

/* Edges from every id of an array field: forward (holder is the target) or backward. */
static int add_edges(struct loader *L, size_t holder, const char *field, const char *type,
                     bool holder_is_source)
{
    const struct entry *e = ENTRY(L, holder);
    const char *id = e->id;
    const cJSON *ref;

    cJSON_ArrayForEach(ref, array_of(e->record, field))
    {
        int rc;
        if (!cJSON_IsString(ref))
            continue;
        rc = holder_is_source ? add_edge(L, id, type, ref->valuestring, holder, field)
                              : add_edge(L, ref->valuestring, type, id, holder, field);
        if (rc)
            return rc;
    }
    return 0;
}

/* The edges of one record: its fields' derived edges, or itself (a relation). */
static int load_edges(struct loader *L, size_t i)
{
    const struct entry *e = ENTRY(L, i);
    const cJSON *r = e->record;
    const char *name = catalog_collections[e->collection].name, *id = e->id;
    int rc = 0;

    if (strcmp(name, "actors") == 0) {
        rc = add_edges(L, i, "members", "member_of", false);
        if (!rc && text_of(r, "country"))
            rc = add_edge(L, id, "official_of", text_of(r, "country"), i, "country");
    } else if (strcmp(name, "places") == 0) {
        if (text_of(r, "country"))
            rc = add_edge(L, id, "located_in", text_of(r, "country"), i, "country");
        if (!rc && text_of(r, "within"))
            rc = add_edge(L, id, "located_in", text_of(r, "within"), i, "within");
    } else if (strcmp(name, "events") == 0) {
        rc = add_edges(L, i, "participants", "participant_in", false);
        if (!rc && text_of(r, "place"))
            rc = add_edge(L, id, "held_in", text_of(r, "place"), i, "place");
        if (!rc && text_of(r, "organization"))
            rc = add_edge(L, id, "convened_by", text_of(r, "organization"), i, "organization");
    } else if (strcmp(name, "layers") == 0) {
        const cJSON *part;
        size_t n = 0;
        rc = add_edges(L, i, "partners", "partner_in", false);
        if (!rc)
            rc = add_edges(L, i, "events", "part_of", false);
        cJSON_ArrayForEach(part, array_of(r, "mechanisms"))
        {
            const char *org = text_of(part, "organization");
            const char *field = arena_printf(&L->arena, "mechanisms[%zu].organization", n++);
            if (rc)
                break;
            if (!field)
                return out_of_memory(L);
            if (org)
                rc = add_edge(L, org, "mechanism_of", id, i, field);
        }
    } else if (strcmp(name, "threats") == 0) {
        rc = add_edges(L, i, "sources", "source_of", false);
        if (!rc)
            rc = add_edges(L, i, "targets", "threatens", true);
    } else if (strcmp(name, "claims") == 0) {
        rc = add_edges(L, i, "about", "about", true);
    } else if (strcmp(name, "relations") == 0) {
        size_t s = idmap_record(&L->map, text_of(r, "source"));
        size_t t = idmap_record(&L->map, text_of(r, "target"));
        struct relation *x;
        if (s == NOT_A_RECORD || t == NOT_A_RECORD)
            return load_fail(L, STRATA_EINVAL, "relation refers to an unknown id");
        x = vec_push(&L->relations);
        if (!x)
            return out_of_memory(L);
        memset(x, 0, sizeof(*x));
        x->id = id;
        x->type = text_of(r, "type") ? text_of(r, "type") : "";
        x->source = s;
        x->target = t;
        x->holder = i;
        x->label =
            arena_printf(&L->arena, "%s %s %s", ENTRY(L, s)->label, e->label, ENTRY(L, t)->label);
        if (!x->label)
            return out_of_memory(L);
    }
    return rc;
}

/* ---- default orders ---- */

/* One sort key of a record, as SQLite compares it. */
enum key_kind { KEY_NULL, KEY_TEXT, KEY_NOCASE, KEY_NUMBER };

struct key {
    enum key_kind kind;
    bool descending;
    const char *text;
    double number;
};

#define MAX_KEYS 6

struct sortable {
    size_t entry;
    struct key keys[MAX_KEYS];
    size_t key_count;
};

/* SQLite's NOCASE: ASCII letters folded, then the shorter first. */
static int nocase_compare(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int r = sqlite3_strnicmp(a, b, (int)(la < lb ? la : lb));
    return r ? r : (la > lb) - (la < lb);
}

static int key_compare(const struct key *a, const struct key *b)
{
    int r;
    if (a->kind == KEY_NULL || b->kind == KEY_NULL)
        return (a->kind == KEY_NULL) - (b->kind == KEY_NULL); /* NULLs last either way */
    if (a->kind == KEY_NUMBER)
        r = (a->number > b->number) - (a->number < b->number);
    else if (a->kind == KEY_NOCASE)
        r = nocase_compare(a->text, b->text);
    else
        r = strcmp(a->text, b->text);
    return a->descending ? -r : r;
}

static int sortable_compare(const void *pa, const void *pb)
{
    const struct sortable *a = pa, *b = pb;
    for (size_t i = 0; i < a->key_count; i++) {
        int r = key_compare(&a->keys[i], &b->keys[i]);
        if (r)
            return r;
    }
    return 0;
}

/*
 * The value of a catalog sort column for a record, as the table stores it
 * (see load_rows). Returns false for a column the loader does not know.
 */
static bool record_key(const struct entry *e, const char *column, struct key *k)
{
    const cJSON *r = e->record;
    const cJSON *item = NULL;

    if (strcmp(column, "id") == 0) {
        k->kind = KEY_TEXT;
        k->text = e->id;
        return true;
    }
    if (strcmp(column, "position") == 0) {
        k->kind = KEY_NUMBER;
        k->number = (double)e->position;
        return true;
    }
    if (strcmp(column, "date_start") == 0 || strcmp(column, "date_end") == 0)
        item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "date"),
                                                column + 5);
    else if (strcmp(column, "name") == 0 || strcmp(column, "title") == 0 ||
             strcmp(column, "kind") == 0 || strcmp(column, "type") == 0 ||
             strcmp(column, "country") == 0 || strcmp(column, "ordinal") == 0)
        item = cJSON_GetObjectItemCaseSensitive(r, column);
    else
        return false;
    if (cJSON_IsString(item)) {
        bool nocase = strcmp(column, "name") == 0 || strcmp(column, "title") == 0;
        k->kind = nocase ? KEY_NOCASE : KEY_TEXT;
        k->text = item->valuestring;
    } else if (cJSON_IsNumber(item)) {
        k->kind = KEY_NUMBER;
        k->number = item->valuedouble;
    } else {
        k->kind = KEY_NULL;
    }
    return true;
}

/* Sort the records of collection ci into its default order; rank = place. */
static int rank_records(struct loader *L, size_t ci)
{
    const struct catalog_collection *c = &catalog_collections[ci];
    struct query_sort sorts[QUERY_MAX_SORTS];
    size_t n = L->first[ci + 1] - L->first[ci], nsorts = default_sorts(c, sorts, QUERY_MAX_SORTS);
    struct sortable *items;

    if (n == 0)
        return 0;
    items = calloc(n, sizeof(*items));
    if (!items)
        return out_of_memory(L);
    for (size_t i = 0; i < n; i++) {
        struct sortable *s = &items[i];
        const struct entry *e = ENTRY(L, L->first[ci] + i);
        s->entry = L->first[ci] + i;
        for (size_t k = 0; k < nsorts; k++) {
            for (size_t j = 0; sorts[k].sort->columns[j]; j++) {
                struct key *key = &s->keys[s->key_count];
                if (s->key_count == MAX_KEYS - 1 ||
                    !record_key(e, sorts[k].sort->columns[j], key)) {
                    free(items);
                    return load_fail(L, STRATA_EINVAL, "store: cannot order %s by %s", c->name,
                                     sorts[k].sort->name);
                }
                key->descending = sorts[k].descending;
                s->key_count++;
            }
        }
        record_key(e, "id", &s->keys[s->key_count++]);
    }
    qsort(items, n, sizeof(*items), sortable_compare);
    for (size_t i = 0; i < n; i++) {
        L->ranked[L->first[ci] + i] = items[i].entry;
        ENTRY(L, items[i].entry)->rank = (long long)i + 1;
    }
    free(items);
    return 0;
}

/* Relations: type, source, target, id (the catalog's "type,source,target"). */
static int relation_compare(const void *pa, const void *pb, void *context)
{
    const struct relation *a = pa, *b = pb;
    const struct loader *L = context;
    int r = strcmp(a->type, b->type);
    if (!r)
        r = strcmp(ENTRY(L, a->source)->id, ENTRY(L, b->source)->id);
    if (!r)
        r = strcmp(ENTRY(L, a->target)->id, ENTRY(L, b->target)->id);
    return r ? r : strcmp(a->id, b->id);
}

/* Evidence: span_start, span_end, id (the catalog's "start"). */
static int span_compare(const void *pa, const void *pb, void *context)
{
    const struct loader *L = context;
    const struct span *a = SPAN(L, *(const size_t *)pa), *b = SPAN(L, *(const size_t *)pb);
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int span_rowid_compare(const void *pa, const void *pb, void *context)
{
    const struct loader *L = context;
    long long a = SPAN(L, *(const size_t *)pa)->rowid, b = SPAN(L, *(const size_t *)pb)->rowid;
    return (a > b) - (a < b);
}

/* Every collection in its default order: ranks, span rowids, relation rowids. */
static int load_orders(struct loader *L)
{
    size_t relations = catalog_index(catalog_find("relations"));
    int rc = 0;

    L->ranked = malloc((L->entries.count + 1) * sizeof(*L->ranked));
    L->span_order = malloc((L->spans.count + 1) * sizeof(*L->span_order));
    if (!L->ranked || !L->span_order)
        return out_of_memory(L);
    if (L->spans.count >= (size_t)FTS_PART_MASK || L->relations.count >= (size_t)FTS_PART_MASK)
        return load_fail(L, STRATA_EINVAL, "store: too many evidence spans or relations");
    for (size_t i = 0; i < catalog_collection_count && !rc; i++)
        if (i != relations)
            rc = rank_records(L, i);
    if (rc)
        return rc;
    for (size_t i = 0; i < L->spans.count; i++)
        L->span_order[i] = i;
    qsort_r(L->span_order, L->spans.count, sizeof(size_t), span_compare, L);
    qsort_r(L->relations.items, L->relations.count, sizeof(struct relation), relation_compare, L);
    for (size_t i = 0; i < L->spans.count; i++)
        SPAN(L, L->span_order[i])->rowid = (long long)i + 1;
    /* an explicit relation's rank is its place among all relations */
    for (size_t i = 0; i < L->relations.count; i++) {
        struct relation *r = RELATION(L, i);
        r->rowid = (long long)i + 1;
        if (!r->derived) {
            struct entry *e = ENTRY(L, r->holder);
            e->rank = r->rowid;
        }
    }
    {
        size_t n = L->first[relations], end = L->first[relations + 1];
        for (size_t i = 0; i < L->relations.count; i++)
            if (!RELATION(L, i)->derived && n < end)
                L->ranked[n++] = RELATION(L, i)->holder;
    }
    return 0;
}

/* ---- documents ---- */

/*
 * Documents are written as JSON text directly (no cJSON tree: building and
 * printing one per record was most of the load); the text is what
 * cJSON_PrintUnformatted would give, up to number formatting.
 */
static void json_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    buf_json_escape(out, s, strlen(s));
    buf_putc(out, '"');
}

static void json_integer(struct buf *out, long long n)
{
    char digits[24];
    size_t i = sizeof(digits);
    unsigned long long u = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        digits[--i] = '-';
    buf_add(out, digits + i, sizeof(digits) - i);
}

static void json_number(struct buf *out, double d)
{
    if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(long long)d)
        json_integer(out, (long long)d);
    else if (isfinite(d))
        buf_printf(out, "%.17g", d);
    else
        buf_puts(out, "null");
}

static void json_value(struct buf *out, const cJSON *v)
{
    const cJSON *item;
    bool first = true;

    if (cJSON_IsFalse(v)) {
        buf_puts(out, "false");
    } else if (cJSON_IsTrue(v)) {
        buf_puts(out, "true");
    } else if (cJSON_IsNumber(v)) {
        json_number(out, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        json_string(out, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        buf_putc(out, '[');
        cJSON_ArrayForEach(item, v)
        {
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_value(out, item);
        }
        buf_putc(out, ']');
    } else if (cJSON_IsObject(v)) {
        buf_putc(out, '{');
        cJSON_ArrayForEach(item, v)
        {
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_string(out, item->string ? item->string : "");
            buf_putc(out, ':');
            json_value(out, item);
        }
        buf_putc(out, '}');
    } else {
        buf_puts(out, "null");
    }
}

static void json_key(struct buf *out, const char *key, bool first)
{
    if (!first)
        buf_putc(out, ',');
    json_string(out, key);
    buf_putc(out, ':');
}

/* The next count spans of a record as [{id, start, end, paragraph, quote}]. */
static void json_spans(struct buf *out, const struct loader *L, size_t *cursor, size_t count)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < count; i++) {
        const struct span *s = SPAN(L, (*cursor)++);
        buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
        json_string(out, s->id);
        buf_puts(out, ",\"start\":");
        json_integer(out, s->start);
        buf_puts(out, ",\"end\":");
        json_integer(out, s->end);
        buf_puts(out, ",\"paragraph\":");
        json_integer(out, s->paragraph);
        buf_puts(out, ",\"quote\":");
        json_string(out, s->quote);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

/* Layer mechanisms or goals, each with its evidence (spans in load_spans order). */
static void json_parts(struct buf *out, const struct loader *L, const cJSON *parts, bool mechanisms,
                       size_t *cursor)
{
    const cJSON *part;
    bool first_part = true;

    if (!cJSON_IsArray(parts)) {
        json_value(out, parts);
        return;
    }
    buf_putc(out, '[');
    cJSON_ArrayForEach(part, parts)
    {
        const cJSON *item;
        bool first = true;
        if (!first_part)
            buf_putc(out, ',');
        first_part = false;
        if (!cJSON_IsObject(part)) {
            json_value(out, part); /* not a valid model: the validation reports it */
            continue;
        }
        buf_putc(out, '{');
        cJSON_ArrayForEach(item, part)
        {
            if (strcmp(item->string, "evidence") == 0)
                continue;
            json_key(out, item->string, first);
            first = false;
            json_value(out, item);
        }
        if (mechanisms && !cJSON_GetObjectItemCaseSensitive(part, "organization")) {
            json_key(out, "organization", first);
            first = false;
            buf_puts(out, "null");
        }
        json_key(out, "evidence", first);
        json_spans(out, L, cursor, (size_t)cJSON_GetArraySize(array_of(part, "evidence")));
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

/* The stored representation of a record: every catalog field, in order. */
static void record_json(const struct loader *L, const struct entry *e, struct buf *out)
{
    const struct catalog_collection *c = &catalog_collections[e->collection];
    const cJSON *record = e->record, *part;
    bool layers = strcmp(c->name, "layers") == 0, relations = strcmp(c->name, "relations") == 0;
    size_t mechanisms = e->span_first, goals = e->span_first, own = e->span_first;
    bool first = true;

    /* the spans of a layer: mechanisms', goals', then its own (see load_spans) */
    if (layers) {
        cJSON_ArrayForEach(part, array_of(record, "mechanisms")) goals +=
            (size_t)cJSON_GetArraySize(array_of(part, "evidence"));
        own = goals;
        cJSON_ArrayForEach(part, array_of(record, "goals")) own +=
            (size_t)cJSON_GetArraySize(array_of(part, "evidence"));
    }
    buf_putc(out, '{');
    for (size_t i = 0; i < c->field_count; i++) {
        const struct catalog_field *f = &c->fields[i];
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, f->name);

        if (f->computed)
            continue;
        json_key(out, f->name, first);
        first = false;
        if (strcmp(f->name, "evidence") == 0) {
            json_spans(out, L, &own, (size_t)cJSON_GetArraySize(array_of(record, "evidence")));
        } else if (layers && strcmp(f->name, "mechanisms") == 0) {
            json_parts(out, L, value, true, &mechanisms);
        } else if (layers && strcmp(f->name, "goals") == 0) {
            json_parts(out, L, value, false, &goals);
        } else if (relations &&
                   (strcmp(f->name, "source_type") == 0 || strcmp(f->name, "target_type") == 0)) {
            size_t end =
                idmap_record(&L->map, text_of(record, f->name[0] == 's' ? "source" : "target"));
            json_string(out, end == NOT_A_RECORD
                                 ? ""
                                 : catalog_collections[ENTRY(L, end)->collection].name);
        } else if (relations && strcmp(f->name, "derived") == 0) {
            buf_puts(out, "false");
        } else if (f->subfields) {
            if (!cJSON_IsObject(value)) {
                buf_puts(out, "null");
                continue;
            }
            buf_putc(out, '{');
            for (size_t k = 0; f->subfields[k]; k++) {
                json_key(out, f->subfields[k], k == 0);
                json_value(out, cJSON_GetObjectItemCaseSensitive(value, f->subfields[k]));
            }
            buf_putc(out, '}');
        } else {
            json_value(out, value);
        }
    }
    buf_putc(out, '}');
}

/* ---- rows ---- */

/* Extra searchable text of a record (besides label, aliases and summary). */
static void searchable_text(const struct catalog_collection *c, const cJSON *record,
                            struct buf *out)
{
    const cJSON *item;
    if (strcmp(c->name, "actors") == 0 && text_of(record, "role")) {
        buf_puts(out, text_of(record, "role"));
    } else if (strcmp(c->name, "events") == 0) {
        const char *date = text_of(cJSON_GetObjectItemCaseSensitive(record, "date"), "text");
        if (date)
            buf_puts(out, date);
    } else if (strcmp(c->name, "layers") == 0) {
        cJSON_ArrayForEach(item, array_of(record, "mechanisms"))
            buf_printf(out, "%s. ", text_of(item, "name") ? text_of(item, "name") : "");
        cJSON_ArrayForEach(item, array_of(record, "goals"))
            buf_printf(out, "%s. ", text_of(item, "text") ? text_of(item, "text") : "");
    } else if (strcmp(c->name, "claims") == 0) {
        buf_printf(out, "%s %s", text_of(record, "text") ? text_of(record, "text") : "",
                   text_of(record, "hedge") ? text_of(record, "hedge") : "");
    } else if (strcmp(c->name, "relations") == 0) {
        buf_puts(out, text_of(record, "type") ? text_of(record, "type") : "");
    }
}

/* Rows of a join table (holder, ordinal, id) from an array of ids. */
static int insert_refs(struct loader *L, enum statement_id which, const cJSON *record,
                       const char *id, const char *field)
{
    const cJSON *ref;
    long long n = 0;
    cJSON_ArrayForEach(ref, array_of(record, field))
    {
        int rc;
        if (!cJSON_IsString(ref))
            continue;
        rc = insert(L, which, "tit", id, ++n, ref->valuestring);
        if (rc)
            return rc;
    }
    return 0;
}

/* Collections whose records have aliases (rows of `aliases`, FTS column aliases). */
static bool has_aliases(const struct catalog_collection *c)
{
    return strcmp(c->name, "actors") == 0 || strcmp(c->name, "organizations") == 0 ||
           strcmp(c->name, "places") == 0;
}

/* The collection-specific rows of one record (its table, its join tables). */
static int insert_rows(struct loader *L, const struct entry *e)
{
    const char *name = catalog_collections[e->collection].name, *id = e->id;
    const cJSON *r = e->record;
    int explicit = bool_of(r, "explicit");
    const char *prov = provenance_of(r);
    long long rank = e->rank, position = e->position;
    int rc = 0;

    if (strcmp(name, "actors") == 0) {
        rc = insert(L, ST_ACTOR, "itttttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "role"), explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_MEMBER, r, id, "members");
    } else if (strcmp(name, "organizations") == 0) {
        rc = insert(L, ST_ORGANIZATION, "itttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    explicit, prov, position);
    } else if (strcmp(name, "places") == 0) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "coordinates");
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(at, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(at, "lon");
        bool located = cJSON_IsNumber(lat) && cJSON_IsNumber(lon);
        rc = insert(L, ST_PLACE, "itttttddbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "within"), located ? lat->valuedouble : NAN,
                    located ? lon->valuedouble : NAN, explicit, prov, position);
    } else if (strcmp(name, "events") == 0) {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(r, "date");
        rc = insert(L, ST_EVENT, "itttttttttbti", rank, id, text_of(r, "title"), text_of(r, "type"),
                    text_of(date, "text"), text_of(date, "start"), text_of(date, "end"),
                    text_of(date, "precision") ? text_of(date, "precision") : "unknown",
                    text_of(r, "place"), text_of(r, "organization"), explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_PARTICIPANT, r, id, "participants");
    } else if (strcmp(name, "layers") == 0) {
        const cJSON *part;
        long long n = 0;
        rc = insert(L, ST_LAYER, "ititbti", rank, id, number_of(r, "ordinal"), text_of(r, "name"),
                    explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_PARTNER, r, id, "partners");
        if (!rc)
            rc = insert_refs(L, ST_LAYER_EVENT, r, id, "events");
        cJSON_ArrayForEach(part, array_of(r, "mechanisms"))
        {
            if (rc)
                break;
            rc = insert(L, ST_MECHANISM, "titt", id, ++n,
                        text_of(part, "name") ? text_of(part, "name") : "",
                        text_of(part, "organization"));
        }
        n = 0;
        cJSON_ArrayForEach(part, array_of(r, "goals"))
        {
            if (rc)
                break;
            rc = insert(L, ST_GOAL, "tit", id, ++n,
                        text_of(part, "text") ? text_of(part, "text") : "");
        }
    } else if (strcmp(name, "threats") == 0) {
        rc = insert(L, ST_THREAT, "itttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_SOURCE, r, id, "sources");
        if (!rc)
            rc = insert_refs(L, ST_TARGET, r, id, "targets");
    } else if (strcmp(name, "claims") == 0) {
        rc = insert(L, ST_CLAIM, "ittttttbti", rank, id, text_of(r, "title"), text_of(r, "text"),
                    text_of(r, "kind"), text_of(r, "certainty"), text_of(r, "hedge"), explicit,
                    prov, position);
        if (!rc)
            rc = insert_refs(L, ST_ABOUT, r, id, "about");
    }
    /* relations: their rows are written in their own order (insert_relations) */
    return rc;
}

static long long fts_rowid(size_t collection, long long rank, long long span_rowid)
{
    return ((long long)collection << FTS_COLLECTION_SHIFT) | (rank << FTS_RANK_SHIFT) | span_rowid;
}

/*
 * A row of `docs` holds the documents of DOC_BLOCK consecutive ranks of one
 * collection (rowid: collection << 32 | (rank - 1) / DOC_BLOCK): the count
 * and DOC_BLOCK + 1 offsets as 4-byte little-endian numbers, then the
 * documents' JSON texts one after the other, deflated as one stream (an
 * absent rank has an empty text). Neighbouring records are alike, so a
 * block deflates to a fifth of its size; inflating one costs microseconds.
 */
#define DOC_HEADER (4 * (DOC_BLOCK + 2))

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Deflate text (offsets[DOC_BLOCK] bytes) into a docs row (malloc'ed). */
static unsigned char *doc_block(z_stream *z, const char *text, const uint32_t *offsets,
                                size_t *size)
{
    uLong len = offsets[DOC_BLOCK];
    uLong packed = deflateBound(z, len);
    unsigned char *out = malloc(DOC_HEADER + packed);

    if (!out || deflateReset(z) != Z_OK) {
        free(out);
        return NULL;
    }
    put_u32(out, DOC_BLOCK);
    for (int i = 0; i <= DOC_BLOCK; i++)
        put_u32(out + 4 * (i + 1), offsets[i]);
    z->next_in = (Bytef *)(uintptr_t)text;
    z->avail_in = (uInt)len;
    z->next_out = out + DOC_HEADER;
    z->avail_out = (uInt)packed;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *size = DOC_HEADER + (size_t)z->total_out;
    return out;
}

/*
 * Inflate a docs row into *text (malloc'ed) and offsets; 0, or
 * STRATA_ESTORE for a row that is not a block.
 */
static int doc_unblock(const unsigned char *data, size_t size, char **text, uint32_t *offsets)
{
    uLongf len;

    *text = NULL;
    if (!data || size < DOC_HEADER || get_u32(data) != DOC_BLOCK)
        return STRATA_ESTORE;
    for (int i = 0; i <= DOC_BLOCK; i++)
        offsets[i] = get_u32(data + 4 * (i + 1));
    len = offsets[DOC_BLOCK];
    *text = malloc(len + 1);
    if (!*text)
        return STRATA_ENOMEM;
    if (uncompress((Bytef *)*text, &len, data + DOC_HEADER, (uLong)(size - DOC_HEADER)) != Z_OK ||
        len != offsets[DOC_BLOCK]) {
        free(*text);
        *text = NULL;
        return STRATA_ESTORE;
    }
    (*text)[len] = '\0';
    return 0;
}

/* Everything of one record but its relation row and its document: records, its rows. */
static int insert_record(struct loader *L, const struct entry *e, const char *label)
{
    const struct catalog_collection *c = &catalog_collections[e->collection];
    int rc;

    rc = insert(L, ST_RECORD, "tttti", e->id, c->name, c->kind ? text_of(e->record, c->kind) : NULL,
                label, e->rank);
    if (!rc)
        rc = insert_rows(L, e);
    if (!rc && has_aliases(c))
        rc = insert_refs(L, ST_ALIAS, e->record, e->id, "aliases");
    return rc;
}

/* The document blocks the builder thread deflated, in rowid order. */
static int insert_docs(struct loader *L)
{
    sqlite3_stmt *stmt = L->stmts[ST_DOC];
    int rc = SQLITE_DONE;

    for (size_t i = 0; i < L->fts.blocks.count && rc == SQLITE_DONE; i++) {
        const struct doc_row *row = &((const struct doc_row *)L->fts.blocks.items)[i];
        rc = sqlite3_bind_int64(stmt, 1, row->key);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_blob(stmt, 2, row->data, (int)row->size, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
    }
    return rc == SQLITE_DONE ? 0 : load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
}

static int insert_records(struct loader *L)
{
    size_t relations = catalog_index(catalog_find("relations"));
    int rc = 0;

    for (size_t ci = 0; ci < catalog_collection_count && !rc; ci++) {
        for (size_t k = L->first[ci]; k < L->first[ci + 1] && !rc; k++) {
            const struct entry *e = ENTRY(L, L->ranked[k]);
            const char *label = e->label;
            where_entry(L, e);
            if (ci == relations)
                label = RELATION(L, e->rank - 1)->label;
            rc = insert_record(L, e, label);
        }
    }
    return rc;
}

/* ---- the full-text index ---- */

static int exec_sql(struct loader *L, const char *sql)
{
    if (sqlite3_exec(L->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    return 0;
}

static int fts_fail(struct fts_builder *b, int code)
{
    if (!b->rc) {
        b->rc = code;
        snprintf(b->message, sizeof(b->message), "store: full-text index: %s",
                 b->db ? sqlite3_errmsg(b->db) : "out of memory");
    }
    return b->rc;
}

static int fts_insert(struct fts_builder *b, sqlite3_stmt *stmt, long long rowid,
                      const char *const texts[4])
{
    int rc = sqlite3_bind_int64(stmt, 1, rowid);
    for (int i = 0; i < 4 && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_text(stmt, i + 2, texts[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return fts_fail(b, rc == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESTORE);
    return 0;
}

/*
 * The FTS rows of every record in rowid order (collection, rank, then the
 * record's spans in article order), so that FTS5 appends without flushing:
 * label, aliases, summary and searchable text for a record, the quote for
 * a span. Reads the loader's arrays and the model, which nothing changes
 * while it runs.
 */
static int fts_rows(struct fts_builder *b, sqlite3_stmt *stmt)
{
    const struct loader *L = b->L;
    size_t most = 0, *scratch;
    struct buf aliases, text;
    int rc = 0;

    for (size_t i = 0; i < L->entries.count; i++)
        if (ENTRY(L, i)->span_count > most)
            most = ENTRY(L, i)->span_count;
    scratch = malloc((most + 1) * sizeof(*scratch));
    if (!scratch)
        return fts_fail(b, STRATA_ENOMEM);
    buf_init(&aliases, 0);
    buf_init(&text, 0);
    for (size_t k = 0; k < L->entries.count && !rc; k++) {
        const struct entry *e = ENTRY(L, L->ranked[k]);
        const struct catalog_collection *c = &catalog_collections[e->collection];
        const char *summary = text_of(e->record, "summary");
        const cJSON *alias;
        const char *texts[4];

        buf_reset(&aliases);
        buf_reset(&text);
        if (has_aliases(c))
            cJSON_ArrayForEach(alias, array_of(e->record, "aliases")) if (cJSON_IsString(alias))
                buf_printf(&aliases, "%s%s", aliases.len ? " " : "", alias->valuestring);
        searchable_text(c, e->record, &text);
        if (aliases.failed || text.failed) {
            rc = fts_fail(b, STRATA_ENOMEM);
            break;
        }
        texts[0] = e->label;
        texts[1] = buf_str(&aliases);
        texts[2] = summary ? summary : "";
        texts[3] = buf_str(&text);
        rc = fts_insert(b, stmt, fts_rowid(e->collection, e->rank, 0), texts);
        for (size_t i = 0; i < e->span_count; i++)
            scratch[i] = e->span_first + i;
        qsort_r(scratch, e->span_count, sizeof(*scratch), span_rowid_compare, (void *)L);
        texts[0] = texts[1] = texts[2] = "";
        for (size_t i = 0; i < e->span_count && !rc; i++) {
            const struct span *sp = SPAN(L, scratch[i]);
            texts[3] = sp->quote;
            rc = fts_insert(b, stmt, fts_rowid(e->collection, e->rank, sp->rowid), texts);
        }
    }
    buf_release(&aliases);
    buf_release(&text);
    free(scratch);
    return rc;
}

/*
 * Where each collection's FTS rows start in the store's per-record arrays
 * (a relation's rank runs over every relation, derived ones too); returns
 * the arrays' length.
 */
static size_t fts_bases(const struct loader *L, size_t base[STORE_MAX_COLLECTIONS + 1])
{
    size_t relations = catalog_index(catalog_find("relations")), total = 0;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        base[i] = total;
        total += i == relations ? L->relations.count : L->first[i + 1] - L->first[i];
    }
    for (size_t i = catalog_collection_count; i <= STORE_MAX_COLLECTIONS; i++)
        base[i] = total;
    return total;
}

struct hit_key {
    size_t type; /* catalog index of the hit's collection */
    const char *id;
    uint32_t *place;
};

static int hit_key_compare(const void *pa, const void *pb)
{
    const struct hit_key *a = pa, *b = pb;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Every FTS row's place in (collection, id) order (see struct store). */
static int fts_orders(struct fts_builder *b)
{
    const struct loader *L = b->L;
    size_t base[STORE_MAX_COLLECTIONS + 1], total = fts_bases(L, base), n = 0;
    size_t evidence = catalog_index(catalog_find("evidence"));
    struct hit_key *keys = malloc((L->entries.count + L->spans.count + 1) * sizeof(*keys));

    b->record_order = calloc(total + 1, sizeof(*b->record_order));
    b->span_order = calloc(L->spans.count + 1, sizeof(*b->span_order));
    if (!keys || !b->record_order || !b->span_order) {
        free(keys);
        return fts_fail(b, STRATA_ENOMEM);
    }
    for (size_t i = 0; i < L->entries.count; i++) {
        const struct entry *e = ENTRY(L, i);
        if (e->rank < 1 || base[e->collection] + (size_t)e->rank > base[e->collection + 1])
            continue;
        keys[n].type = e->collection;
        keys[n].id = e->id;
        keys[n++].place = &b->record_order[base[e->collection] + (size_t)e->rank - 1];
    }
    for (size_t i = 0; i < L->spans.count; i++) {
        const struct span *sp = SPAN(L, i);
        keys[n].type = evidence;
        keys[n].id = sp->id;
        keys[n++].place = &b->span_order[sp->rowid];
    }
    qsort(keys, n, sizeof(*keys), hit_key_compare);
    for (size_t i = 0; i < n; i++)
        *keys[i].place = (uint32_t)(i + 1);
    free(keys);
    return 0;
}

/* Every record's document, written and deflated by blocks (the loading thread inserts them). */
static int fts_docs(struct fts_builder *b)
{
    const struct loader *L = b->L;
    struct buf text;
    z_stream z;
    int rc = 0;

    /*
     * One deflate state for all blocks (a few KiB each): a 32 KiB window, a
     * hash small enough that deflateReset clears it cheaply for each block.
     */
    memset(&z, 0, sizeof(z));
    b->blocks.size = sizeof(struct doc_row);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15, 6, Z_DEFAULT_STRATEGY) != Z_OK)
        return fts_fail(b, STRATA_ENOMEM);
    buf_init(&text, 0);
    for (size_t ci = 0; ci < catalog_collection_count && !rc; ci++) {
        size_t k = L->first[ci];
        while (k < L->first[ci + 1] && !rc) {
            long long block = (ENTRY(L, L->ranked[k])->rank - 1) / DOC_BLOCK;
            uint32_t offsets[DOC_BLOCK + 1];
            struct doc_row *row;
            int at = 0;
            buf_reset(&text);
            /* the block's ranks in order, an empty text for each absent one */
            while (k < L->first[ci + 1] &&
                   (ENTRY(L, L->ranked[k])->rank - 1) / DOC_BLOCK == block) {
                const struct entry *e = ENTRY(L, L->ranked[k++]);
                int slot = (int)((e->rank - 1) % DOC_BLOCK);
                while (at <= slot)
                    offsets[at++] = (uint32_t)text.len;
                record_json(L, e, &text);
            }
            while (at <= DOC_BLOCK)
                offsets[at++] = (uint32_t)text.len;
            row = vec_push(&b->blocks);
            if (text.failed || !row) {
                rc = fts_fail(b, STRATA_ENOMEM);
                break;
            }
            row->key = ((long long)ci << DOC_SHIFT) | block;
            row->data = doc_block(&z, buf_str(&text), offsets, &row->size);
            if (!row->data)
                rc = fts_fail(b, STRATA_ENOMEM);
        }
    }
    buf_release(&text);
    deflateEnd(&z);
    return rc;
}

static void *fts_build(void *arg)
{
    struct fts_builder *b = arg;
    sqlite3_stmt *stmt = NULL;
    char sql[300];

    if (sqlite3_open_v2(b->uri, &b->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fts_fail(b, STRATA_ESTORE);
        return NULL;
    }
    snprintf(sql, sizeof(sql),
             "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
             "PRAGMA temp_store = MEMORY; "
             "PRAGMA cache_size = -%d; BEGIN",
             WRITER_CACHE_KIB);
    if (sqlite3_exec(b->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(b->db, fts_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        fts_fail(b, STRATA_ESTORE);
        return NULL;
    }
    snprintf(sql, sizeof(sql),
             "INSERT INTO fts(fts, rank) VALUES ('hashsize', %d); INSERT INTO fts(fts, rank) "
             "VALUES ('automerge', 0)",
             FTS_HASH_BYTES);
    if (sqlite3_exec(b->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(b->db,
                           "INSERT INTO fts (rowid, label, aliases, summary, text) VALUES "
                           "(?,?,?,?,?)",
                           -1, &stmt, NULL) != SQLITE_OK) {
        fts_fail(b, STRATA_ESTORE);
        return NULL;
    }
    if (fts_rows(b, stmt) == 0 &&
        sqlite3_exec(b->db, "INSERT INTO fts(fts) VALUES ('optimize'); COMMIT", NULL, NULL, NULL) !=
            SQLITE_OK)
        fts_fail(b, STRATA_ESTORE);
    sqlite3_finalize(stmt);
    if (!b->rc)
        fts_orders(b);
    if (!b->rc)
        fts_docs(b);
    return NULL;
}

/* Start building the full-text index (on this thread when no thread starts). */
static void fts_start(struct loader *L)
{
    static atomic_ulong counter;
    struct fts_builder *b = &L->fts;

    b->L = L;
    snprintf(b->uri, sizeof(b->uri), "file:/strata-fts-%ld-%lu?vfs=memdb", (long)getpid(),
             atomic_fetch_add(&counter, 1) + 1);
    b->started = pthread_create(&b->thread, NULL, fts_build, b) == 0;
    if (!b->started)
        fts_build(b);
}

static void fts_join(struct fts_builder *b)
{
    if (b->started)
        pthread_join(b->thread, NULL);
    b->started = false;
}

/* Wait for the index and copy its shadow tables into the store's database. */
static int fts_finish(struct loader *L)
{
    struct fts_builder *b = &L->fts;
    struct buf sql;
    int rc;

    fts_join(b);
    if (b->rc)
        return load_fail(L, b->rc, "%s", b->message);
    buf_init(&sql, 0);
    buf_printf(&sql, "ATTACH '%s' AS fts_build; BEGIN; %s", b->uri, fts_schema_sql);
    for (size_t i = 0; i < sizeof(fts_shadow_tables) / sizeof(fts_shadow_tables[0]); i++)
        buf_printf(&sql, "DELETE FROM main.%s; INSERT INTO main.%s SELECT * FROM fts_build.%s;",
                   fts_shadow_tables[i], fts_shadow_tables[i], fts_shadow_tables[i]);
    buf_puts(&sql, "COMMIT; DETACH fts_build");
    rc = sql.failed ? out_of_memory(L) : exec_sql(L, buf_str(&sql));
    buf_release(&sql);
    sqlite3_close(b->db);
    b->db = NULL;
    return rc;
}

static int insert_evidence(struct loader *L)
{
    int rc = 0;
    L->where[0] = '\0';
    for (size_t i = 0; i < L->spans.count && !rc; i++) {
        const struct span *s = SPAN(L, L->span_order[i]);
        const struct entry *owner = ENTRY(L, s->owner);
        rc = insert(L, ST_EVIDENCE, "ittttiiiiti", s->rowid, s->id, owner->id,
                    catalog_collections[owner->collection].name, s->field, s->ordinal, s->start,
                    s->end, s->paragraph, s->quote, fts_rowid(owner->collection, owner->rank, 0));
    }
    return rc;
}

static int insert_relations(struct loader *L)
{
    int rc = 0;
    L->where[0] = '\0';
    for (size_t i = 0; i < L->relations.count && !rc; i++) {
        const struct relation *r = RELATION(L, i);
        const struct entry *holder = ENTRY(L, r->holder), *s = ENTRY(L, r->source),
                           *t = ENTRY(L, r->target);
        /* the record stating a derived edge is one of its ends: which one, as 0 or 1 */
        rc =
            insert(L, ST_RELATION, "ittttttbbtbttti", r->rowid, r->id, r->type, s->id, t->id,
                   catalog_collections[s->collection].name, catalog_collections[t->collection].name,
                   r->derived, r->derived && r->holder == r->target, r->derived ? r->field : NULL,
                   bool_of(holder->record, "explicit"), provenance_of(holder->record),
                   text_of(holder->record, "basis"), r->label,
                   r->derived ? (long long)-1 : holder->position);
    }
    return rc;
}

static int load_all(struct loader *L)
{
    char pragmas[300];
    int rc;

    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
             "PRAGMA temp_store = MEMORY; "
             "PRAGMA cache_size = -%d; BEGIN",
             WRITER_CACHE_KIB);
    rc = exec_sql(L, pragmas);
    if (!rc)
        rc = exec_sql(L, schema_sql);
    for (int i = 0; i < ST_COUNT && !rc; i++)
        if (sqlite3_prepare_v3(L->db, insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &L->stmts[i],
                               NULL) != SQLITE_OK)
            rc = load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    if (!rc)
        rc = load_map(L);
    for (size_t i = 0; i < L->entries.count && !rc; i++) {
        where_entry(L, ENTRY(L, i));
        rc = load_spans(L, i);
        if (!rc)
            rc = load_edges(L, i);
    }
    L->where[0] = '\0';
    if (!rc)
        rc = load_orders(L);
    if (!rc)
        fts_start(L);
    if (!rc)
        rc = insert_records(L);
    if (!rc)
        rc = insert_evidence(L);
    if (!rc)
        rc = insert_relations(L);
    L->where[0] = '\0';
    if (!rc)
        rc = exec_sql(L, index_sql);
    fts_join(&L->fts);
    if (!rc && L->fts.rc)
        rc = load_fail(L, L->fts.rc, "%s", L->fts.message);
    if (!rc)
        rc = insert_docs(L);
    if (!rc)
        rc = exec_sql(L, "COMMIT");
    if (!rc)
        rc = fts_finish(L);
    return rc;
}

/* One SQLite varint (FTS5's docsize records are lists of them); returns its length. */
static size_t read_varint(const unsigned char *p, size_t n, uint64_t *value)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 9; i++) {
        if (i == 8) {
            *value = (v << 8) | p[i];
            return 9;
        }
        v = (v << 7) | (p[i] & 0x7f);
        if (!(p[i] & 0x80)) {
            *value = v;
            return i + 1;
        }
    }
    *value = v;
    return n ? n : 1;
}

/* The token count of every FTS row, from fts_docsize, and their order (see struct store). */
static int store_tokens(struct store *store, struct loader *L)
{
    size_t total = fts_bases(L, store->record_base);
    sqlite3_stmt *stmt = NULL;
    int step;

    store->span_count = L->spans.count;
    store->record_tokens = calloc(total + 1, sizeof(*store->record_tokens));
    store->span_tokens = calloc(L->spans.count + 1, sizeof(*store->span_tokens));
    if (!store->record_tokens || !store->span_tokens)
        return STRATA_ENOMEM;
    store->record_order = L->fts.record_order;
    store->span_order = L->fts.span_order;
    L->fts.record_order = L->fts.span_order = NULL;
    if (!store->record_order || !store->span_order)
        return STRATA_ESTORE;
    if (sqlite3_prepare_v2(store->writer, "SELECT id, sz FROM fts_docsize", -1, &stmt, NULL) !=
        SQLITE_OK)
        return STRATA_ESTORE;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_int64 rowid = sqlite3_column_int64(stmt, 0);
        const unsigned char *sz = sqlite3_column_blob(stmt, 1);
        size_t n = (size_t)sqlite3_column_bytes(stmt, 1), at = 0;
        size_t collection = (size_t)(rowid >> FTS_COLLECTION_SHIFT);
        size_t rank = (size_t)((rowid >> FTS_RANK_SHIFT) & FTS_PART_MASK);
        size_t span = (size_t)(rowid & FTS_PART_MASK);
        uint64_t tokens = 0;
        while (sz && at < n) {
            uint64_t column;
            at += read_varint(sz + at, n - at, &column);
            tokens += column;
        }
        if (span && span <= store->span_count)
            store->span_tokens[span] = (uint32_t)tokens;
        else if (!span && collection < catalog_collection_count && rank > 0 &&
                 store->record_base[collection] + rank <= store->record_base[collection + 1])
            store->record_tokens[store->record_base[collection] + rank - 1] = (uint32_t)tokens;
    }
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

/* What the queries need to know of the built database. */
static int store_describe(struct store *store, struct loader *L)
{
    sqlite3_stmt *stmt = NULL;
    size_t relations = catalog_index(catalog_find("relations"));
    size_t evidence = catalog_index(catalog_find("evidence"));

    for (size_t i = 0; i < catalog_collection_count; i++)
        store->counts[i] = (long long)(L->first[i + 1] - L->first[i]);
    store->counts[relations] = (long long)L->relations.count;
    store->counts[evidence] = (long long)L->spans.count;
    if (store_tokens(store, L) != 0)
        return STRATA_ESTORE;
    if (sqlite3_prepare_v2(store->writer,
                           "SELECT group_concat(name, ',') FROM pragma_table_info(?1) WHERE "
                           "\"notnull\" = 0",
                           -1, &stmt, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const char *names;
        sqlite3_bind_text(stmt, 1, catalog_collections[i].table, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_ROW) {
            sqlite3_finalize(stmt);
            return STRATA_ESTORE;
        }
        names = (const char *)sqlite3_column_text(stmt, 0);
        snprintf(store->nullable[i], sizeof(store->nullable[i]), ",%s,", names ? names : "");
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    store->image =
        sqlite3_serialize(store->writer, "main", &store->image_size, SQLITE_SERIALIZE_NOCOPY);
    if (!store->image)
        return STRATA_ESTORE;
    /* the writer's page cache is not needed any more: readers map the image */
    sqlite3_exec(store->writer, "PRAGMA cache_size = 0", NULL, NULL, NULL);
    sqlite3_db_release_memory(store->writer);
    return 0;
}

static void loader_release(struct loader *L)
{
    fts_join(&L->fts);
    sqlite3_close(L->fts.db);
    free(L->fts.record_order);
    free(L->fts.span_order);
    for (size_t i = 0; i < L->fts.blocks.count; i++)
        free(((struct doc_row *)L->fts.blocks.items)[i].data);
    free(L->fts.blocks.items);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(L->stmts[i]);
    idmap_release(&L->map);
    arena_release(&L->arena);
    free(L->entries.items);
    free(L->spans.items);
    free(L->relations.items);
    free(L->ranked);
    free(L->span_order);
}

int store_open(const struct model *model, struct store **out, struct model_error *err)
{
    static atomic_ulong counter;
    struct loader L;
    struct store *store;
    struct timespec t0, t1;
    sqlite3_int64 limit = STORE_MAX_BYTES;
    int rc;

    if (!model || !model->root || !out || !err)
        return STRATA_EINVAL;
    memset(err, 0, sizeof(*err));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    store = calloc(1, sizeof(*store));
    if (!store)
        return STRATA_ENOMEM;
    pthread_mutex_init(&store->stats_lock, NULL);
    store->model = model;
    snprintf(store->uri, sizeof(store->uri), "file:strata-%ld-%lu?vfs=memdb", (long)getpid(),
             atomic_fetch_add(&counter, 1) + 1);
    memset(&L, 0, sizeof(L));
    L.model = model;
    L.err = err;
    L.entries.size = sizeof(struct entry);
    L.spans.size = sizeof(struct span);
    L.relations.size = sizeof(struct relation);
    if (sqlite3_open_v2(store->uri, &store->writer,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        L.db = store->writer;
        rc = load_fail(&L, STRATA_ESTORE, "store: cannot create the database: %s",
                       store->writer ? sqlite3_errmsg(store->writer) : "out of memory");
        goto fail;
    }
    L.db = store->writer;
    sqlite3_file_control(store->writer, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    rc = load_all(&L);
    if (!rc && store_describe(store, &L) != 0)
        rc = load_fail(&L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(store->writer));
    loader_release(&L);
    if (rc)
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    store->load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = store;
    return 0;
fail:
    store_free(store);
    return rc;
}

void store_free(struct store *store)
{
    if (!store)
        return;
    for (size_t i = 0; i < STORE_SLOTS; i++)
        slot_close(&store->slots[i]);
    sqlite3_close(store->writer);
    cJSON_Delete(store->stats);
    free(store->record_tokens);
    free(store->span_tokens);
    free(store->record_order);
    free(store->span_order);
    pthread_mutex_destroy(&store->stats_lock);
    free(store);
}

double store_load_seconds(const struct store *store)
{
    return store ? store->load_seconds : 0.0;
}

/*
 * The exported file is for the sqlite3 shell: `docs` there holds one plain
 * JSON document per record (rowid: collection << 32 | rank).
 */
static int export_docs(sqlite3 *dest)
{
    sqlite3_stmt *blocks = NULL, *insert_doc = NULL;
    uint32_t offsets[DOC_BLOCK + 1];
    int rc =
        sqlite3_exec(dest, "BEGIN; CREATE TABLE documents (doc TEXT NOT NULL)", NULL, NULL, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(dest, "SELECT rowid, doc FROM docs", -1, &blocks, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(dest, "INSERT INTO documents (rowid, doc) VALUES (?1, ?2)", -1,
                                &insert_doc, NULL);
    while (rc == SQLITE_OK && sqlite3_step(blocks) == SQLITE_ROW) {
        long long key = sqlite3_column_int64(blocks, 0);
        long long first = (key & ((1LL << DOC_SHIFT) - 1)) * DOC_BLOCK + 1;
        char *text = NULL;
        if (doc_unblock(sqlite3_column_blob(blocks, 1), (size_t)sqlite3_column_bytes(blocks, 1),
                        &text, offsets) != 0) {
            rc = SQLITE_CORRUPT;
            break;
        }
        for (int i = 0; i < DOC_BLOCK && rc == SQLITE_OK; i++) {
            if (offsets[i + 1] <= offsets[i])
                continue;
            sqlite3_bind_int64(insert_doc, 1, (key & ~((1LL << DOC_SHIFT) - 1)) | (first + i));
            sqlite3_bind_text(insert_doc, 2, text + offsets[i], (int)(offsets[i + 1] - offsets[i]),
                              SQLITE_STATIC);
            rc = sqlite3_step(insert_doc) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_reset(insert_doc);
        }
        free(text);
    }
    sqlite3_finalize(blocks);
    sqlite3_finalize(insert_doc);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dest, "DROP TABLE docs; ALTER TABLE documents RENAME TO docs; COMMIT",
                          NULL, NULL, NULL);
    return rc;
}

int store_export(struct store *store, const char *path, struct store_error *error)
{
    sqlite3 *dest = NULL;
    sqlite3_backup *backup;
    int rc;

    if (!store || !path)
        return STRATA_EINVAL;
    unlink(path);
    if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        error_from(error, dest);
        sqlite3_close(dest);
        return STRATA_EIO;
    }
    backup = sqlite3_backup_init(dest, "main", store->writer, "main");
    if (!backup) {
        error_from(error, dest);
        sqlite3_close(dest);
        return STRATA_EIO;
    }
    sqlite3_backup_step(backup, -1);
    rc = sqlite3_backup_finish(backup);
    /* the file is for the sqlite3 shell: its documents are plain JSON text */
    if (rc == SQLITE_OK)
        rc = export_docs(dest);
    if (rc != SQLITE_OK)
        error_from(error, dest);
    sqlite3_close(dest);
    return rc == SQLITE_OK ? 0 : STRATA_EIO;
}

/* ------------------------------------------------------------------ */
/* queries                                                             */

/* Bind b's values (as many as stmt takes). */
static int bind_all(const struct builder *b, sqlite3_stmt *stmt)
{
    size_t n = (size_t)sqlite3_bind_parameter_count(stmt);
    struct builder view = *b;
    if (view.count > n)
        view.count = n;
    return builder_bind(&view, stmt);
}

/* Prepare sql on slot and bind b. On failure fills error. */
static int prepare_bound(struct slot *slot, const char *sql, const struct builder *b,
                         sqlite3_stmt **stmt, struct store_error *error)
{
    int rc;
    *stmt = NULL;
    rc = slot_prepare(slot, sql, stmt);
    if (rc == 0 && b)
        rc = bind_all(b, *stmt);
    if (rc) {
        error_from(error, slot->db);
        if (*stmt)
            statement_done(*stmt);
        *stmt = NULL;
    }
    return rc;
}

/*
 * The code for a failed step: a full-text expression FTS5 rejects is the
 * client's error (EPARSE), anything else is ours.
 */
static int step_error(struct slot *slot, int sqlite_rc, bool has_text, struct store_error *error)
{
    error_from(error, slot->db);
    if (sqlite_rc == SQLITE_NOMEM)
        return STRATA_ENOMEM;
    return has_text && sqlite_rc == SQLITE_ERROR ? STRATA_EPARSE : STRATA_ESTORE;
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    return text ? text : "";
}

/* Static collection name for a type column value (NULL when unknown). */
static const char *collection_name(const unsigned char *type)
{
    const struct catalog_collection *c = catalog_find((const char *)type);
    return c ? c->name : NULL;
}

/* An evidence document from columns id, record_id, record_type, field, start, end, paragraph,
 * quote. */
static cJSON *evidence_doc(sqlite3_stmt *stmt)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "id", column_text(stmt, 0));
    cJSON_AddStringToObject(doc, "record", column_text(stmt, 1));
    cJSON_AddStringToObject(doc, "record_type", column_text(stmt, 2));
    cJSON_AddStringToObject(doc, "field", column_text(stmt, 3));
    cJSON_AddNumberToObject(doc, "start", (double)sqlite3_column_int64(stmt, 4));
    cJSON_AddNumberToObject(doc, "end", (double)sqlite3_column_int64(stmt, 5));
    cJSON_AddNumberToObject(doc, "paragraph", (double)sqlite3_column_int64(stmt, 6));
    if (!cJSON_AddStringToObject(doc, "quote", column_text(stmt, 7))) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

#define RELATION_COLUMNS                                                                           \
    "derived, id, type, source, target, source_type, target_type, derived_from_target, "           \
    "derived_field, label, explicit, provenance, basis"

/* A derived edge's document from RELATION_COLUMNS (the catalog's field order). */
static cJSON *derived_doc(sqlite3_stmt *stmt)
{
    cJSON *doc = cJSON_CreateObject(), *from;
    const char *basis = (const char *)sqlite3_column_text(stmt, 12);

    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "id", column_text(stmt, 1));
    cJSON_AddStringToObject(doc, "type", column_text(stmt, 2));
    cJSON_AddStringToObject(doc, "source", column_text(stmt, 3));
    cJSON_AddStringToObject(doc, "target", column_text(stmt, 4));
    cJSON_AddStringToObject(doc, "source_type", column_text(stmt, 5));
    cJSON_AddStringToObject(doc, "target_type", column_text(stmt, 6));
    cJSON_AddTrueToObject(doc, "derived");
    from = cJSON_AddObjectToObject(doc, "derived_from");
    cJSON_AddStringToObject(from, "record", column_text(stmt, sqlite3_column_int(stmt, 7) ? 4 : 3));
    cJSON_AddStringToObject(from, "field", column_text(stmt, 8));
    cJSON_AddStringToObject(doc, "summary", column_text(stmt, 9));
    cJSON_AddBoolToObject(doc, "explicit", sqlite3_column_int(stmt, 10));
    cJSON_AddStringToObject(doc, "provenance", column_text(stmt, 11));
    if (basis)
        cJSON_AddStringToObject(doc, "basis", basis);
    else
        cJSON_AddNullToObject(doc, "basis");
    if (!cJSON_AddArrayToObject(doc, "evidence")) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* The document of the row rowid of collection c. STRATA_ENOTFOUND when there is none. */
static int fetch_doc(struct slot *slot, const struct catalog_collection *c, long long rowid,
                     cJSON **out)
{
    size_t ci = catalog_index(c);
    sqlite3_stmt *stmt = NULL;
    int rc, step;

    *out = NULL;
    if (strcmp(c->name, "evidence") == 0) {
        rc = slot_prepare(slot,
                          "SELECT id, record_id, record_type, field, span_start, span_end, "
                          "paragraph, quote FROM evidence WHERE rowid = ?1",
                          &stmt);
        if (rc)
            return rc;
        sqlite3_bind_int64(stmt, 1, rowid);
        step = sqlite3_step(stmt);
        if (step == SQLITE_ROW)
            *out = evidence_doc(stmt);
        statement_done(stmt);
        if (step != SQLITE_ROW)
            return step == SQLITE_DONE ? STRATA_ENOTFOUND : STRATA_ESTORE;
        return *out ? 0 : STRATA_ENOMEM;
    }
    if (strcmp(c->name, "relations") == 0) {
        bool derived;
        rc = slot_prepare(slot, "SELECT " RELATION_COLUMNS " FROM relations WHERE rowid = ?1",
                          &stmt);
        if (rc)
            return rc;
        sqlite3_bind_int64(stmt, 1, rowid);
        step = sqlite3_step(stmt);
        derived = step == SQLITE_ROW && sqlite3_column_int(stmt, 0);
        if (derived)
            *out = derived_doc(stmt);
        statement_done(stmt);
        if (step != SQLITE_ROW)
            return step == SQLITE_DONE ? STRATA_ENOTFOUND : STRATA_ESTORE;
        if (derived)
            return *out ? 0 : STRATA_ENOMEM;
    }
    /* a record's document: from the slot's last block, or its block inflated */
    {
        long long key = ((long long)ci << DOC_SHIFT) | ((rowid - 1) / DOC_BLOCK);
        size_t at = (size_t)((rowid - 1) % DOC_BLOCK);
        if (rowid < 1)
            return STRATA_ENOTFOUND;
        if (!slot->block_text || slot->block_key != key) {
            free(slot->block_text);
            slot->block_text = NULL;
            rc = slot_prepare(slot, "SELECT doc FROM docs WHERE rowid = ?1", &stmt);
            if (rc)
                return rc;
            sqlite3_bind_int64(stmt, 1, key);
            step = sqlite3_step(stmt);
            if (step == SQLITE_ROW)
                rc =
                    doc_unblock(sqlite3_column_blob(stmt, 0), (size_t)sqlite3_column_bytes(stmt, 0),
                                &slot->block_text, slot->block_offsets);
            else
                rc = step == SQLITE_DONE ? STRATA_ENOTFOUND : STRATA_ESTORE;
            statement_done(stmt);
            if (rc)
                return rc;
            slot->block_key = key;
        }
        if (slot->block_offsets[at + 1] <= slot->block_offsets[at] ||
            slot->block_offsets[at + 1] > slot->block_offsets[DOC_BLOCK])
            return STRATA_ENOTFOUND;
        *out = cJSON_ParseWithLength(slot->block_text + slot->block_offsets[at],
                                     slot->block_offsets[at + 1] - slot->block_offsets[at]);
        return *out ? 0 : STRATA_ENOMEM;
    }
}

/* Rowids read from a statement's first column. */
struct rowids {
    long long *items;
    size_t count, alloc;
};

static int rowids_add(struct rowids *r, long long rowid)
{
    if (r->count == r->alloc) {
        size_t alloc = r->alloc ? r->alloc * 2 : 64;
        long long *items = realloc(r->items, alloc * sizeof(*items));
        if (!items)
            return STRATA_ENOMEM;
        r->items = items;
        r->alloc = alloc;
    }
    r->items[r->count++] = rowid;
    return 0;
}

/* Every row's column `column` (a rowid) into out; the statement is done after. */
static int collect_rowids(struct slot *slot, sqlite3_stmt *stmt, int column, struct rowids *out,
                          bool has_text, struct store_error *error)
{
    int step, rc = 0;
    while (!rc && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = rowids_add(out, sqlite3_column_int64(stmt, column));
    if (!rc && step != SQLITE_DONE)
        rc = step_error(slot, step, has_text, error);
    statement_done(stmt);
    return rc;
}

/* The documents of rows (rowids of c) appended to array, in order. */
static int fetch_docs(struct slot *slot, const struct catalog_collection *c,
                      const struct rowids *rows, cJSON *array)
{
    for (size_t i = 0; i < rows->count; i++) {
        cJSON *doc;
        int rc = fetch_doc(slot, c, rows->items[i], &doc);
        if (rc)
            return rc == STRATA_ENOTFOUND ? STRATA_ESTORE : rc;
        cJSON_AddItemToArray(array, doc);
    }
    return 0;
}

int store_record_type(struct store *store, const char *id, const char **collection)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (!store || !id || !collection)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    rc = slot_prepare(slot,
                      "SELECT type FROM records WHERE id = ?1 UNION ALL SELECT 'relations' FROM "
                      "relations WHERE id = ?1 UNION ALL SELECT 'evidence' FROM evidence WHERE "
                      "id = ?1 LIMIT 1",
                      &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        switch (sqlite3_step(stmt)) {
        case SQLITE_ROW:
            *collection = collection_name(sqlite3_column_text(stmt, 0));
            rc = *collection ? 0 : STRATA_ESTORE;
            break;
        case SQLITE_DONE:
            rc = STRATA_ENOTFOUND;
            break;
        default:
            rc = STRATA_ESTORE;
        }
    }
    statement_done(stmt);
    slot_release(store, slot);
    return rc;
}

int store_get(struct store *store, const struct catalog_collection *c, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    char sql[128];
    long long rowid = 0;
    int rc;

    if (!store || !c || !id || !out)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE id = ?1", c->table);
    rc = slot_prepare(slot, sql, &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        switch (sqlite3_step(stmt)) {
        case SQLITE_ROW:
            rowid = sqlite3_column_int64(stmt, 0);
            break;
        case SQLITE_DONE:
            rc = STRATA_ENOTFOUND;
            break;
        default:
            rc = STRATA_ESTORE;
        }
    }
    statement_done(stmt);
    if (!rc)
        rc = fetch_doc(slot, c, rowid, out);
    slot_release(store, slot);
    return rc;
}

int store_select(struct store *store, const struct query *q, struct store_page *page,
                 struct store_error *error)
{
    const struct catalog_collection *c;
    struct builder where;
    struct buf sql;
    struct slot spare, *slot = NULL;
    sqlite3_stmt *stmt = NULL;
    struct rowids rows = {NULL, 0, 0};
    size_t limit_n = 0, offset_n = 0;
    bool unfiltered;
    int rc, step;

    if (!store || !q || !q->collection || !page)
        return STRATA_EINVAL;
    c = q->collection;
    unfiltered = query_unfiltered(q);
    page->records = cJSON_CreateArray();
    page->total = 0;
    builder_init(&where);
    buf_init(&sql, 1024 * 1024);
    append_where(&where, q);
    if (q->limit) {
        limit_n = builder_value(&where, BOUND_INTEGER, NULL, (long long)q->limit);
        offset_n = builder_value(&where, BOUND_INTEGER, NULL, (long long)q->offset);
    }
    rc = (!page->records || where.sql.failed) ? STRATA_ENOMEM : 0;
    if (!rc) {
        slot = slot_acquire(store, &spare);
        rc = slot ? 0 : STRATA_ESTORE;
        if (rc)
            error_from(error, NULL);
    }
    if (rc)
        goto done;

    if (q->text && query_selective(q)) {
        /* probed row by row, the expression may never be parsed: check it first */
        rc =
            prepare_bound(slot, "SELECT 1 FROM fts WHERE fts MATCH ?1 LIMIT 1", NULL, &stmt, error);
        if (rc)
            goto done;
        sqlite3_bind_text(stmt, 1, q->text, -1, SQLITE_STATIC);
        step = sqlite3_step(stmt);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = step_error(slot, step, true, error);
            goto done;
        }
        statement_done(stmt);
        stmt = NULL;
    }
    if (unfiltered) {
        page->total = store->counts[catalog_index(c)];
    } else {
        buf_printf(&sql, "SELECT count(*) FROM %s%s", c->table, buf_str(&where.sql));
        rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &where, &stmt, error);
        if (rc)
            goto done;
        step = sqlite3_step(stmt);
        if (step != SQLITE_ROW) {
            rc = step_error(slot, step, q->text != NULL, error);
            goto done;
        }
        page->total = sqlite3_column_int64(stmt, 0);
        statement_done(stmt);
        stmt = NULL;
    }
    if (page->total == 0 || (q->limit && (long long)q->offset >= page->total))
        goto done;

    /* the page's rowids first (indexes only), then one document each */
    buf_reset(&sql);
    if (unfiltered && q->limit && is_default_order(c, q->sorts, q->sort_count)) {
        /* rowids are ranks 1..n: a page at any depth is a range */
        buf_printf(&sql, "SELECT rowid FROM %s WHERE rowid > ?2 ORDER BY rowid LIMIT ?1", c->table);
        rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), NULL, &stmt, error);
        if (!rc) {
            sqlite3_bind_int64(stmt, 1, (long long)q->limit);
            sqlite3_bind_int64(stmt, 2, (long long)q->offset);
        }
    } else {
        buf_printf(&sql, "SELECT rowid FROM %s%s", c->table, buf_str(&where.sql));
        append_order(&sql, store, c, q->sorts, q->sort_count);
        if (q->limit)
            buf_printf(&sql, " LIMIT ?%zu OFFSET ?%zu", limit_n, offset_n);
        rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &where, &stmt, error);
    }
    if (!rc)
        rc = collect_rowids(slot, stmt, 0, &rows, q->text != NULL, error);
    stmt = NULL;
    if (!rc)
        rc = fetch_docs(slot, c, &rows, page->records);
done:
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    builder_release(&where);
    free(rows.items);
    if (rc) {
        cJSON_Delete(page->records);
        page->records = NULL;
        page->total = 0;
    }
    return rc;
}

static cJSON *link_entry(const char *type, const char *id, const char *label)
{
    cJSON *entry = cJSON_CreateObject();
    char href[1024];
    snprintf(href, sizeof(href), "/v1/%s/%s", type, id);
    cJSON_AddStringToObject(entry, "id", id);
    cJSON_AddStringToObject(entry, "label", label ? label : id);
    cJSON_AddStringToObject(entry, "href", href);
    return entry;
}

/* Append one link of a related list; an evidence quote is shortened into label. */
static void related_add(cJSON *list, const char *type, const char *other, const char *text,
                        struct buf *label)
{
    if (strcmp(type, "evidence") == 0) {
        buf_reset(label);
        shorten(text, LABEL_QUOTE_CHARS, label);
        text = buf_str(label);
    }
    cJSON_AddItemToArray(list, link_entry(type, other, text));
}

/*
 * The CTE rel(type, id, label, rank): what record ?1 is joined to, with
 * each one's label and its rank in its collection (the rowid of its table).
 * The other end of every relation it is an end of, those relations, its
 * evidence spans; for an evidence span its record, for a relation its two
 * ends. An evidence span's label is its quote (shortened by the caller).
 * A record reached twice (two relations to it) comes twice, next to itself
 * once sorted: the callers skip the repeat (cheaper than a UNION's
 * temporary index).
 */
static const char related_cte[] =
    "WITH rel(type, id, label, rank) AS ("
    "SELECT r.type, r.id, r.label, r.rank FROM relations e JOIN records r ON r.id = e.target "
    "WHERE e.source = ?1 "
    "UNION ALL SELECT r.type, r.id, r.label, r.rank FROM relations e JOIN records r ON r.id = "
    "e.source WHERE e.target = ?1 "
    "UNION ALL SELECT 'relations', e.id, e.label, e.rowid FROM relations e WHERE e.source = ?1 "
    "UNION ALL SELECT 'relations', e.id, e.label, e.rowid FROM relations e WHERE e.target = ?1 "
    "UNION ALL SELECT 'evidence', v.id, v.quote, v.rowid FROM evidence v WHERE v.record_id = ?1 "
    "UNION ALL SELECT r.type, r.id, r.label, r.rank FROM evidence v JOIN records r ON r.id = "
    "v.record_id WHERE v.id = ?1 "
    "UNION ALL SELECT r.type, r.id, r.label, r.rank FROM relations e JOIN records r ON r.id = "
    "e.source WHERE e.id = ?1 "
    "UNION ALL SELECT r.type, r.id, r.label, r.rank FROM relations e JOIN records r ON r.id = "
    "e.target WHERE e.id = ?1)";

int store_related(struct store *store, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct buf sql, label, last_id;
    cJSON *related;
    int rc, step;

    if (!store || !id || !out)
        return STRATA_EINVAL;
    related = cJSON_CreateObject();
    if (!related)
        return STRATA_ENOMEM;
    for (size_t i = 0; i < catalog_collection_count; i++)
        cJSON_AddArrayToObject(related, catalog_collections[i].name);
    slot = slot_acquire(store, &spare);
    if (!slot) {
        cJSON_Delete(related);
        return STRATA_ESTORE;
    }
    buf_init(&sql, 0);
    buf_init(&label, 0);
    buf_init(&last_id, 0);
    buf_puts(&sql, related_cte);
    buf_puts(&sql, " SELECT type, id, label FROM rel ORDER BY ");
    append_type_order(&sql, "type");
    buf_puts(&sql, ", rank, id");
    rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        const char *last_type = NULL; /* the repeat of a record is next to it */
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *type = collection_name(sqlite3_column_text(stmt, 0));
            const char *text = column_text(stmt, 2), *other = column_text(stmt, 1);
            cJSON *list = type ? cJSON_GetObjectItemCaseSensitive(related, type) : NULL;
            if (!list)
                continue;
            if (type == last_type && strcmp(buf_str(&last_id), other) == 0)
                continue;
            last_type = type;
            buf_reset(&last_id);
            buf_puts(&last_id, other);
            related_add(list, type, other, text, &label);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    buf_release(&label);
    buf_release(&last_id);
    if (rc) {
        cJSON_Delete(related);
        return rc;
    }
    *out = related;
    return 0;
}

/*
 * related_cte over many records: rel(k, type, id, label, rank) for each
 * element k of the JSON array of ids ?1 (json_each, outermost so that
 * every branch looks its ids up by index).
 */
static const char related_many_cte[] =
    "WITH ids(k, id) AS (SELECT key, value FROM json_each(?1)), "
    "rel(k, type, id, label, rank) AS ("
    "SELECT i.k, r.type, r.id, r.label, r.rank FROM ids i CROSS JOIN relations e CROSS JOIN "
    "records r WHERE e.source = i.id AND r.id = e.target "
    "UNION ALL SELECT i.k, r.type, r.id, r.label, r.rank FROM ids i CROSS JOIN relations e "
    "CROSS JOIN records r WHERE e.target = i.id AND r.id = e.source "
    "UNION ALL SELECT i.k, 'relations', e.id, e.label, e.rowid FROM ids i CROSS JOIN relations e "
    "WHERE e.source = i.id "
    "UNION ALL SELECT i.k, 'relations', e.id, e.label, e.rowid FROM ids i CROSS JOIN relations e "
    "WHERE e.target = i.id "
    "UNION ALL SELECT i.k, 'evidence', v.id, v.quote, v.rowid FROM ids i CROSS JOIN evidence v "
    "WHERE v.record_id = i.id "
    "UNION ALL SELECT i.k, r.type, r.id, r.label, r.rank FROM ids i CROSS JOIN evidence v CROSS "
    "JOIN records r WHERE v.id = i.id AND r.id = v.record_id "
    "UNION ALL SELECT i.k, r.type, r.id, r.label, r.rank FROM ids i CROSS JOIN relations e CROSS "
    "JOIN records r WHERE e.id = i.id AND r.id = e.source "
    "UNION ALL SELECT i.k, r.type, r.id, r.label, r.rank FROM ids i CROSS JOIN relations e CROSS "
    "JOIN records r WHERE e.id = i.id AND r.id = e.target)";

/* An object with one empty array per collection (what store_related fills). */
static cJSON *related_object(void)
{
    cJSON *related = cJSON_CreateObject();

    for (size_t i = 0; related && i < catalog_collection_count; i++) {
        if (!cJSON_AddArrayToObject(related, catalog_collections[i].name)) {
            cJSON_Delete(related);
            return NULL;
        }
    }
    return related;
}

int store_related_many(struct store *store, const char *const *ids, size_t count, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct buf sql, label, last_id;
    cJSON *array;
    char *json;
    int rc = 0, step;

    if (!store || (count && !ids) || !out)
        return STRATA_EINVAL;
    for (size_t i = 0; i < count; i++)
        if (!ids[i])
            return STRATA_EINVAL;
    for (size_t i = 0; i < count; i++)
        out[i] = NULL;
    if (count == 0)
        return 0;
    array = cJSON_CreateArray();
    for (size_t i = 0; array && i < count; i++) {
        cJSON *item = cJSON_CreateString(ids[i]);
        if (!item || !cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            cJSON_Delete(array);
            array = NULL;
        }
    }
    json = array ? cJSON_PrintUnformatted(array) : NULL;
    cJSON_Delete(array);
    if (!json)
        return STRATA_ENOMEM;
    for (size_t i = 0; !rc && i < count; i++)
        if (!(out[i] = related_object()))
            rc = STRATA_ENOMEM;
    slot = rc ? NULL : slot_acquire(store, &spare);
    if (!rc && !slot)
        rc = STRATA_ESTORE;
    buf_init(&sql, 0);
    buf_init(&label, 0);
    buf_init(&last_id, 0);
    if (!rc) {
        buf_puts(&sql, related_many_cte);
        buf_puts(&sql, " SELECT k, type, id, label FROM rel ORDER BY k, ");
        append_type_order(&sql, "type");
        buf_puts(&sql, ", rank, id");
        rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    }
    if (!rc) {
        const char *last_type = NULL; /* the repeat of a record is next to it */
        sqlite3_int64 last_k = -1;
        sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            sqlite3_int64 k = sqlite3_column_int64(stmt, 0);
            const char *type = collection_name(sqlite3_column_text(stmt, 1));
            const char *text = column_text(stmt, 3), *other = column_text(stmt, 2);
            cJSON *list;
            if (k < 0 || (size_t)k >= count)
                continue;
            list = type ? cJSON_GetObjectItemCaseSensitive(out[k], type) : NULL;
            if (!list)
                continue;
            if (k == last_k && type == last_type && strcmp(buf_str(&last_id), other) == 0)
                continue;
            last_k = k;
            last_type = type;
            buf_reset(&last_id);
            buf_puts(&last_id, other);
            related_add(list, type, other, text, &label);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    if (slot)
        slot_release(store, slot);
    buf_release(&sql);
    buf_release(&label);
    buf_release(&last_id);
    cJSON_free(json);
    if (rc) {
        for (size_t i = 0; i < count; i++) {
            cJSON_Delete(out[i]);
            out[i] = NULL;
        }
        return rc;
    }
    return 0;
}

int store_related_records(struct store *store, const char *id, const struct catalog_collection *c,
                          cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct rowids rows = {NULL, 0, 0};
    struct buf sql;
    cJSON *records;
    int rc;

    if (!store || !id || !c || !out)
        return STRATA_EINVAL;
    records = cJSON_CreateArray();
    if (!records)
        return STRATA_ENOMEM;
    slot = slot_acquire(store, &spare);
    if (!slot) {
        cJSON_Delete(records);
        return STRATA_ESTORE;
    }
    buf_init(&sql, 0);
    buf_puts(&sql, related_cte);
    buf_puts(&sql, " SELECT DISTINCT rank FROM rel WHERE type = ?2 ORDER BY rank");
    rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, c->name, -1, SQLITE_STATIC);
        rc = collect_rowids(slot, stmt, 0, &rows, false, NULL);
    }
    if (!rc)
        rc = fetch_docs(slot, c, &rows, records);
    slot_release(store, slot);
    buf_release(&sql);
    free(rows.items);
    if (rc) {
        cJSON_Delete(records);
        return rc;
    }
    *out = records;
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

/* `?a,?b,...` for n values numbered from first. */
static void append_numbers(struct buf *sql, size_t first, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(sql, "%s?%zu", i ? "," : "", first + i);
}

static size_t builder_texts(struct builder *b, const char *const *values, size_t n)
{
    size_t first = b->count + 1;
    for (size_t i = 0; i < n; i++)
        builder_value(b, BOUND_TEXT, values[i], 0);
    return first;
}

/*
 * The condition that record alias k is a kept node (node collections, the
 * requested types, the layers and what is joined to them) into kept, and
 * the edge condition on relations aliased e into edge.
 */
static void graph_conditions(struct builder *b, const struct store_graph_query *g, struct buf *kept,
                             struct buf *edge)
{
    bool first = true;

    /* with layers, the records are found by id: `+` keeps the type index out of it */
    buf_puts(kept, g->layers && g->layer_count ? "+k.type IN (" : "k.type IN (");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        if (!catalog_collections[i].node)
            continue;
        buf_printf(kept, "%s'%s'", first ? "" : ",", catalog_collections[i].name);
        first = false;
    }
    buf_putc(kept, ')');
    if (g->types && g->type_count) {
        buf_puts(kept, g->layers && g->layer_count ? " AND +k.type IN (" : " AND k.type IN (");
        for (size_t i = 0; i < g->type_count; i++) {
            size_t n = builder_value(b, BOUND_TEXT, g->types[i]->name, 0);
            buf_printf(kept, "%s?%zu", i ? "," : "", n);
        }
        buf_putc(kept, ')');
    }
    if (g->layers && g->layer_count) {
        /* one IN over one list, so that the records are found by id, not scanned */
        size_t n = builder_texts(b, g->layers, g->layer_count);
        buf_puts(kept, " AND k.id IN (SELECT id FROM records WHERE id IN (");
        append_numbers(kept, n, g->layer_count);
        buf_puts(kept, ") UNION ALL SELECT source FROM relations WHERE target IN (");
        append_numbers(kept, n, g->layer_count);
        buf_puts(kept, ") UNION ALL SELECT target FROM relations WHERE source IN (");
        append_numbers(kept, n, g->layer_count);
        buf_puts(kept, "))");
    }
    buf_puts(edge, "1");
    if (g->relation_types && g->relation_type_count) {
        size_t n = builder_texts(b, g->relation_types, g->relation_type_count);
        buf_puts(edge, " AND e.type IN (");
        append_numbers(edge, n, g->relation_type_count);
        buf_putc(edge, ')');
    }
    if (g->derived >= 0)
        buf_printf(edge, " AND e.derived = %d", g->derived ? 1 : 0);
}

/*
 * The CTE `nodes(id)`: the kept records, or around's neighbourhood (the kept
 * records within depth edges, each edge checked as it is walked).
 */
static void graph_prefix(struct builder *b, const struct store_graph_query *g, struct buf *edge)
{
    struct buf kept;

    buf_init(&kept, 0);
    graph_conditions(b, g, &kept, edge);
    if (g->around) {
        size_t around = builder_value(b, BOUND_TEXT, g->around, 0);
        size_t depth = builder_value(b, BOUND_INTEGER, NULL, g->depth);
        buf_printf(&b->sql,
                   "WITH RECURSIVE hop(id, depth) AS (SELECT k.id, 0 FROM records k WHERE k.id = "
                   "?%zu AND %s UNION SELECT e.target, hop.depth + 1 FROM hop JOIN relations e "
                   "ON e.source = hop.id WHERE hop.depth < ?%zu AND %s AND EXISTS (SELECT 1 FROM "
                   "records k WHERE k.id = e.target AND %s) UNION SELECT e.source, hop.depth + 1 "
                   "FROM hop JOIN relations e ON e.target = hop.id WHERE hop.depth < ?%zu AND %s "
                   "AND EXISTS (SELECT 1 FROM records k WHERE k.id = e.source AND %s)), nodes(id) "
                   "AS (SELECT DISTINCT id FROM hop)",
                   around, buf_str(&kept), depth, buf_str(edge), buf_str(&kept), depth,
                   buf_str(edge), buf_str(&kept));
    } else {
        buf_printf(&b->sql, "WITH nodes(id) AS (SELECT k.id FROM records k WHERE %s)",
                   buf_str(&kept));
    }
    if (kept.failed)
        b->sql.failed = 1;
    buf_release(&kept);
}

int store_graph(struct store *store, const struct store_graph_query *g, cJSON **nodes,
                cJSON **edges)
{
    struct builder b;
    struct buf edge, sql;
    struct slot spare, *slot = NULL;
    sqlite3_stmt *stmt = NULL;
    cJSON *node_list = cJSON_CreateArray(), *edge_list = cJSON_CreateArray();
    int rc, step;

    if (!store || !g || !nodes || !edges) {
        cJSON_Delete(node_list);
        cJSON_Delete(edge_list);
        return STRATA_EINVAL;
    }
    builder_init(&b);
    buf_init(&edge, 0);
    buf_init(&sql, 1024 * 1024);
    graph_prefix(&b, g, &edge);
    rc = (!node_list || !edge_list || b.sql.failed || edge.failed) ? STRATA_ENOMEM : 0;
    if (!rc) {
        slot = slot_acquire(store, &spare);
        rc = slot ? 0 : STRATA_ESTORE;
    }
    if (rc)
        goto done;

    buf_printf(&sql, "%s SELECT r.id, r.type, r.kind, r.label, ", buf_str(&b.sql));
    append_type_order(&sql, "r.type");
    buf_puts(&sql, " AS type_order FROM records r WHERE r.id IN nodes ORDER BY type_order, "
                   "r.rank, r.id");
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, NULL);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *node = cJSON_CreateObject();
        const char *kind = (const char *)sqlite3_column_text(stmt, 2);
        cJSON_AddStringToObject(node, "id", column_text(stmt, 0));
        cJSON_AddStringToObject(node, "type", column_text(stmt, 1));
        if (kind)
            cJSON_AddStringToObject(node, "kind", kind);
        else
            cJSON_AddNullToObject(node, "kind");
        cJSON_AddStringToObject(node, "label", column_text(stmt, 3));
        cJSON_AddItemToArray(node_list, node);
    }
    statement_done(stmt);
    stmt = NULL;
    if (step != SQLITE_DONE) {
        rc = STRATA_ESTORE;
        goto done;
    }

    buf_reset(&sql);
    buf_printf(&sql,
               "%s SELECT e.id, e.source, e.target, e.type, e.derived FROM relations e WHERE "
               "e.source IN nodes AND e.target IN nodes AND %s ORDER BY e.id",
               buf_str(&b.sql), buf_str(&edge));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, NULL);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", column_text(stmt, 0));
        cJSON_AddStringToObject(e, "source", column_text(stmt, 1));
        cJSON_AddStringToObject(e, "target", column_text(stmt, 2));
        cJSON_AddStringToObject(e, "type", column_text(stmt, 3));
        cJSON_AddBoolToObject(e, "derived", sqlite3_column_int(stmt, 4));
        cJSON_AddItemToArray(edge_list, e);
    }
    if (step != SQLITE_DONE)
        rc = STRATA_ESTORE;
done:
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    buf_release(&edge);
    builder_release(&b);
    if (rc) {
        cJSON_Delete(node_list);
        cJSON_Delete(edge_list);
        return rc;
    }
    *nodes = node_list;
    *edges = edge_list;
    return 0;
}

/* Run sql (two columns: a name, a count) into an object {name: count}. */
static int stats_facet(struct slot *slot, const char *sql, cJSON *parent, const char *key)
{
    sqlite3_stmt *stmt;
    cJSON *facet = cJSON_AddObjectToObject(parent, key);
    int rc = slot_prepare(slot, sql, &stmt), step;

    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        cJSON_AddNumberToObject(facet, name ? name : "null", (double)sqlite3_column_int64(stmt, 1));
    }
    statement_done(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

/* Run sql (a name, a count) into an array [{name_key: name, count}]. */
static int stats_series(struct slot *slot, const char *sql, cJSON *parent, const char *key,
                        const char *name_key)
{
    sqlite3_stmt *stmt;
    cJSON *series = cJSON_AddArrayToObject(parent, key);
    int rc = slot_prepare(slot, sql, &stmt), step;

    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, name_key, column_text(stmt, 0));
        cJSON_AddNumberToObject(item, "count", (double)sqlite3_column_int64(stmt, 1));
        cJSON_AddItemToArray(series, item);
    }
    statement_done(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

/* The statistics of the whole model (see store_stats). */
static int stats_compute(struct store *store, struct slot *slot, cJSON **out)
{
    sqlite3_stmt *stmt = NULL;
    cJSON *stats, *counts, *layers;
    int rc, step;

    stats = cJSON_CreateObject();
    if (!stats)
        return STRATA_ENOMEM;
    counts = cJSON_AddObjectToObject(stats, "counts");
    for (size_t i = 0; i < catalog_collection_count; i++)
        cJSON_AddNumberToObject(counts, catalog_collections[i].name, (double)store->counts[i]);

    layers = cJSON_AddArrayToObject(stats, "events_per_layer");
    rc = slot_prepare(slot,
                      "SELECT l.id, l.name, l.ordinal, count(x.event_id) FROM layers l LEFT "
                      "JOIN layer_events x ON x.layer_id = l.id GROUP BY l.id ORDER BY "
                      "l.ordinal, l.id",
                      &stmt);
    if (!rc) {
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            cJSON *layer = cJSON_CreateObject();
            cJSON_AddStringToObject(layer, "id", column_text(stmt, 0));
            cJSON_AddStringToObject(layer, "name", column_text(stmt, 1));
            cJSON_AddNumberToObject(layer, "ordinal", sqlite3_column_int(stmt, 2));
            cJSON_AddNumberToObject(layer, "count", (double)sqlite3_column_int64(stmt, 3));
            cJSON_AddItemToArray(layers, layer);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);

    if (!rc)
        rc = stats_series(slot,
                          "SELECT substr(date_start, 1, 7) AS m, count(*) FROM events WHERE "
                          "date_start IS NOT NULL AND substr(date_start, 1, 7) = "
                          "substr(date_end, 1, 7) GROUP BY m ORDER BY m",
                          stats, "events_per_month", "month");
    if (!rc)
        rc = stats_series(slot,
                          "SELECT substr(date_start, 1, 4) AS y, count(*) FROM events WHERE "
                          "date_start IS NOT NULL AND substr(date_start, 1, 4) = "
                          "substr(date_end, 1, 4) GROUP BY y ORDER BY y",
                          stats, "events_per_year", "year");
    if (!rc) {
        if (slot_prepare(slot, "SELECT count(*) FROM events WHERE date_start IS NULL", &stmt) ||
            sqlite3_step(stmt) != SQLITE_ROW)
            rc = STRATA_ESTORE;
        else
            cJSON_AddNumberToObject(stats, "undated_events", (double)sqlite3_column_int64(stmt, 0));
        statement_done(stmt);
    }
    static const char *const facets[][2] = {
        {"events_per_type", "SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 1"},
        {"events_per_precision",
         "SELECT date_precision, count(*) FROM events GROUP BY 1 ORDER BY 1"},
        {"actors_per_kind", "SELECT kind, count(*) FROM actors GROUP BY 1 ORDER BY 1"},
        {"organizations_per_kind",
         "SELECT kind, count(*) FROM organizations GROUP BY 1 ORDER BY 1"},
        {"places_per_kind", "SELECT kind, count(*) FROM places GROUP BY 1 ORDER BY 1"},
        {"threats_per_kind", "SELECT kind, count(*) FROM threats GROUP BY 1 ORDER BY 1"},
        {"claims_per_kind", "SELECT kind, count(*) FROM claims GROUP BY 1 ORDER BY 1"},
        {"claims_per_certainty", "SELECT certainty, count(*) FROM claims GROUP BY 1 ORDER BY 1"},
        {"relations_per_type", "SELECT type, count(*) FROM relations GROUP BY 1 ORDER BY 1"},
        {"records_per_provenance",
         "SELECT provenance, count(*) FROM (SELECT provenance FROM actors UNION ALL SELECT "
         "provenance FROM organizations UNION ALL SELECT provenance FROM places UNION ALL "
         "SELECT provenance FROM events UNION ALL SELECT provenance FROM layers UNION ALL "
         "SELECT provenance FROM threats UNION ALL SELECT provenance FROM claims) GROUP BY 1 "
         "ORDER BY 1"},
        {"evidence_per_paragraph",
         "SELECT paragraph, count(*) FROM evidence GROUP BY 1 ORDER BY 1"},
    };
    for (size_t i = 0; i < sizeof(facets) / sizeof(facets[0]) && !rc; i++)
        rc = stats_facet(slot, facets[i][1], stats, facets[i][0]);
    if (rc) {
        cJSON_Delete(stats);
        return rc;
    }
    *out = stats;
    return 0;
}

/* Computed once per store (the model is immutable), then copied for each caller. */
int store_stats(struct store *store, cJSON **out)
{
    struct slot spare, *slot;
    int rc = 0;

    if (!store || !out)
        return STRATA_EINVAL;
    pthread_mutex_lock(&store->stats_lock);
    if (!store->stats) {
        slot = slot_acquire(store, &spare);
        rc = slot ? stats_compute(store, slot, &store->stats) : STRATA_ESTORE;
        slot_release(store, slot);
    }
    if (!rc) {
        *out = cJSON_Duplicate(store->stats, 1);
        rc = *out ? 0 : STRATA_ENOMEM;
    }
    pthread_mutex_unlock(&store->stats_lock);
    return rc;
}
