/*
 * fts.c - the full-text index, built by its own thread in its own database
 * while the tables are written (FTS rows, the hits' tie order, the deflated
 * documents), then copied into the store's database.
 */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hit_key {
    size_t type; /* catalog index of the hit's collection */
    const char *id;
    uint32_t *place;
};

int exec_sql(struct loader *L, const char *sql)
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
        if (has_aliases(c)) {
            cJSON_ArrayForEach(alias, array_of(e->record, "aliases")) if (cJSON_IsString(alias))
                buf_printf(&aliases, "%s%s", aliases.len ? " " : "", alias->valuestring);
            /* background names ("United States", "Avaza") are found like the article's */
            cJSON_ArrayForEach(alias,
                               array_of(e->record, "other_names")) if (text_of(alias, "name"))
                buf_printf(&aliases, "%s%s", aliases.len ? " " : "", text_of(alias, "name"));
        }
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

size_t fts_bases(const struct loader *L, size_t base[STORE_MAX_COLLECTIONS + 1])
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

void fts_start(struct loader *L)
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

void fts_join(struct fts_builder *b)
{
    if (b->started)
        pthread_join(b->thread, NULL);
    b->started = false;
}

int fts_finish(struct loader *L)
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
