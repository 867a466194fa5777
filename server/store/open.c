/*
 * open.c - store_open (build, then describe what the queries need: counts,
 * nullable columns, token counts) and store_free.
 */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The nullable columns of every collection's table (see struct store). */
int store_nullable(struct store *store, sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(db,
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
    return 0;
}

/* What the queries need to know of the built database. */
static int store_describe(struct store *store, struct loader *L)
{
    size_t relations = catalog_index(catalog_find("relations"));
    size_t evidence = catalog_index(catalog_find("evidence"));

    for (size_t i = 0; i < catalog_collection_count; i++)
        store->counts[i] = (long long)(L->first[i + 1] - L->first[i]);
    store->counts[relations] = (long long)L->relations.count;
    store->counts[evidence] = (long long)L->spans.count;
    if (store_tokens(store, L) != 0)
        return STRATA_ESTORE;
    if (store_nullable(store, store->writer) != 0)
        return STRATA_ESTORE;
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
    pthread_mutex_init(&store->arrays_lock, NULL);
    atomic_init(&store->arrays_ready, true);
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
    free(store->file_uri);
    pthread_mutex_destroy(&store->stats_lock);
    pthread_mutex_destroy(&store->arrays_lock);
    free(store);
}

double store_load_seconds(const struct store *store)
{
    return store ? store->load_seconds : 0.0;
}
