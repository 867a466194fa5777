/*
 * file.c - store_open_file: serve a compiled model file (see store.h).
 *
 * Nothing of the file is trusted before it is checked, and every check
 * happens before the store exists, so a bad file is refused whole: first the
 * 100-byte SQLite header, read with pread (the magic, the application_id,
 * the format version, the journal mode, the page count against the file
 * size), then through SQLite the tables and strata_meta (the seal against
 * the header's change counter, the recorded model version against the
 * recorded model hash and article). Each failure names the check.
 */
#include "store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

#define SQLITE_HEADER "SQLite format 3"
#define HEADER_BYTES 100
/*
 * Files up to this size get every page checked and the article hashed at
 * every open (the bundled model: ~10 ms); larger ones under --check.
 */
#define STORE_VERIFY_BYTES ((sqlite3_int64)16 << 20)

const char *const store_file_tables[] = {"records",
                                         "docs",
                                         "actors",
                                         "aliases",
                                         "actor_members",
                                         "organizations",
                                         "places",
                                         "events",
                                         "event_participants",
                                         "layers",
                                         "layer_partners",
                                         "layer_events",
                                         "layer_mechanisms",
                                         "layer_goals",
                                         "threats",
                                         "threat_sources",
                                         "threat_targets",
                                         "claims",
                                         "claim_about",
                                         "relations",
                                         "evidence",
                                         "fts",
                                         "fts_data",
                                         "fts_idx",
                                         "fts_content",
                                         "fts_docsize",
                                         "fts_config",
                                         "strata_meta",
                                         NULL};

unsigned char *store_pack_u32(const uint32_t *values, size_t count)
{
    unsigned char *out = malloc(count ? 4 * count : 1);

    for (size_t i = 0; out && i < count; i++)
        for (int b = 0; b < 4; b++)
            out[4 * i + (size_t)b] = (unsigned char)(values[i] >> (8 * b));
    return out;
}

/* A little-endian uint32 blob of exactly count values into a new array (NULL otherwise). */
static uint32_t *unpack_u32(const unsigned char *data, size_t bytes, size_t count)
{
    uint32_t *out;

    if (!data && bytes)
        return NULL;
    if (bytes != 4 * count)
        return NULL;
    out = malloc((count ? count : 1) * sizeof(*out));
    for (size_t i = 0; out && i < count; i++)
        out[i] = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 |
                 (uint32_t)data[4 * i + 2] << 16 | (uint32_t)data[4 * i + 3] << 24;
    return out;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int file_fail(struct model_error *err, const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int file_fail(struct model_error *err, const char *path, int code, const char *fmt, ...)
{
    va_list ap;

    snprintf(err->file, sizeof(err->file), "%s", path);
    err->path[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

bool store_is_file(const char *path)
{
    char magic[sizeof(SQLITE_HEADER)];
    struct stat st;
    int fd;
    bool is = false;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        is = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
             memcmp(magic, SQLITE_HEADER, sizeof(magic)) == 0;
        close(fd);
    }
    return is;
}

/*
 * The header checks (no SQLite yet): *size is the file's size and *counter
 * its change counter.
 */
static int check_header(const char *path, sqlite3_int64 *size, uint32_t *counter,
                        struct model_error *err)
{
    unsigned char h[HEADER_BYTES];
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ssize_t got;
    unsigned long long page_size, pages;

    if (fd < 0)
        return file_fail(err, path, STRATA_EIO, "cannot open the compiled model: %s",
                         strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return file_fail(err, path, STRATA_EIO, "the compiled model is not a regular file");
    }
    got = pread(fd, h, sizeof(h), 0);
    close(fd);
    *size = (sqlite3_int64)st.st_size;
    if (got != (ssize_t)sizeof(h))
        return file_fail(err, path, STRATA_EPARSE,
                         "truncated: %lld bytes, shorter than an SQLite header (100 bytes)",
                         (long long)st.st_size);
    if (memcmp(h, SQLITE_HEADER, sizeof(SQLITE_HEADER)) != 0)
        return file_fail(err, path, STRATA_EPARSE,
                         "not an SQLite database (no \"SQLite format 3\" header); expected a "
                         "compiled model (--export-db)");
    if (be32(h + 68) != STORE_APPLICATION_ID)
        return file_fail(err, path, STRATA_EPARSE,
                         "not a Strata compiled model: application_id is 0x%08x, expected "
                         "0x%08x (another application's SQLite file)",
                         be32(h + 68), STORE_APPLICATION_ID);
    if (be32(h + 60) != STORE_FILE_FORMAT)
        return file_fail(err, path, STRATA_EPARSE,
                         "format version %u, this strata reads format %d; compile the model "
                         "again with this strata (--export-db)",
                         be32(h + 60), STORE_FILE_FORMAT);
    if (h[18] != 1 || h[19] != 1)
        return file_fail(err, path, STRATA_EPARSE,
                         "tampered: the file was switched to WAL mode after it was compiled");
    page_size = (unsigned long long)(h[16] << 8 | h[17]);
    if (page_size == 1)
        page_size = 65536;
    pages = be32(h + 28);
    *counter = be32(h + 24);
    if (be32(h + 92) != *counter)
        return file_fail(err, path, STRATA_EPARSE,
                         "tampered: the header's page count is stale (written by an old SQLite "
                         "after it was compiled)");
    if (page_size < 512 || page_size * pages != (unsigned long long)st.st_size)
        return file_fail(err, path, STRATA_EPARSE,
                         "%s: the header says %llu pages of %llu bytes (%llu bytes), the file "
                         "has %lld bytes",
                         page_size * pages > (unsigned long long)st.st_size ? "truncated"
                                                                            : "wrong size",
                         pages, page_size, pages * page_size, (long long)st.st_size);
    return 0;
}

/* "file:PATH?mode=ro&immutable=1" with %, ? and # of the path escaped. */
static char *file_uri(const char *path)
{
    struct buf uri;
    char *out;

    buf_init(&uri, 4 * strlen(path) + 64);
    buf_puts(&uri, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            buf_printf(&uri, "%%%02x", (unsigned char)*p);
        else
            buf_putc(&uri, *p);
    }
    buf_puts(&uri, "?mode=ro&immutable=1");
    out = uri.failed ? NULL : strdup(buf_str(&uri));
    buf_release(&uri);
    return out;
}

/* The value of strata_meta key in stmt (stepped; reset by the next call), or NULL. */
static sqlite3_value *meta_get(sqlite3_stmt *stmt, const char *key)
{
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
    return sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_value(stmt, 0) : NULL;
}

static bool is_hex16(const unsigned char *s)
{
    if (!s || strlen((const char *)s) != 16)
        return false;
    return strspn((const char *)s, "0123456789abcdef") == 16;
}

/* Every table present. */
static int check_tables(sqlite3 *db, const char *path, struct model_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", -1,
                           &stmt, NULL) != SQLITE_OK)
        return file_fail(err, path, STRATA_EPARSE, "corrupt: cannot read the schema: %s",
                         sqlite3_errmsg(db));
    for (size_t i = 0; store_file_tables[i] && !rc; i++) {
        sqlite3_bind_text(stmt, 1, store_file_tables[i], -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_ROW)
            rc = file_fail(err, path, STRATA_EPARSE, "the table %s is missing",
                           store_file_tables[i]);
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    return rc;
}

/*
 * The identity rows: format, seal, schema, model hash, version; verify:
 * also that the version is the hash of the model hash and the article.
 */
static int check_identity(sqlite3_stmt *meta, uint32_t counter, bool verify, const char *path,
                          struct model *m, struct model_error *err)
{
    sqlite3_value *v = meta_get(meta, "format");
    unsigned long long file_hash;
    char version[17], *article;
    const unsigned char *text;
    size_t bytes;

    if (!v || sqlite3_value_int64(v) != STORE_FILE_FORMAT)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: format is not %d",
                         STORE_FILE_FORMAT);
    v = meta_get(meta, "sealed");
    if (!v || sqlite3_value_type(v) != SQLITE_INTEGER ||
        (uint32_t)sqlite3_value_int64(v) != counter)
        return file_fail(err, path, STRATA_EPARSE,
                         "tampered: written after it was compiled (change counter %u, sealed at "
                         "%lld)",
                         counter, v ? (long long)sqlite3_value_int64(v) : -1LL);
    text = (v = meta_get(meta, "schema")) ? sqlite3_value_text(v) : NULL;
    snprintf(version, sizeof(version), "%016llx", (unsigned long long)store_schema_hash());
    if (!text || strcmp((const char *)text, version) != 0)
        return file_fail(err, path, STRATA_EPARSE,
                         "compiled by a strata with other tables (schema %s, this strata %s); "
                         "compile the model again with this strata (--export-db)",
                         text ? (const char *)text : "none", version);
    text = (v = meta_get(meta, "model_hash")) ? sqlite3_value_text(v) : NULL;
    if (!is_hex16(text))
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: model_hash is missing");
    file_hash = strtoull((const char *)text, NULL, 16);
    m->file_hash = (uint64_t)file_hash;
    text = (v = meta_get(meta, "version")) ? sqlite3_value_text(v) : NULL;
    if (!is_hex16(text))
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: version is missing");
    snprintf(m->version, sizeof(m->version), "%s", (const char *)text);
    v = meta_get(meta, "article");
    if (!v || sqlite3_value_type(v) != SQLITE_TEXT)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: article is missing");
    bytes = (size_t)sqlite3_value_bytes(v);
    article = malloc(bytes + 1);
    if (!article)
        return file_fail(err, path, STRATA_ENOMEM, "out of memory reading the article");
    memcpy(article, sqlite3_value_text(v), bytes);
    article[bytes] = '\0';
    if (model_adopt_article(m, article, bytes, err) != 0)
        return file_fail(err, path, STRATA_ENOMEM, "out of memory indexing the article");
    if (!verify)
        return 0;
    snprintf(version, sizeof(version), "%016llx",
             (unsigned long long)model_hash(m->file_hash, m->article, m->article_bytes));
    if (strcmp(version, m->version) != 0)
        return file_fail(err, path, STRATA_EPARSE,
                         "tampered: the recorded model version %s is not the hash of the "
                         "recorded model hash and article (%s)",
                         m->version, version);
    return 0;
}

/* The rest of the model: source, paths, paragraphs, record counts. */
static int read_model(sqlite3_stmt *meta, const char *path, struct model *m,
                      struct model_error *err)
{
    sqlite3_value *v = meta_get(meta, "source");
    cJSON *source = v ? cJSON_ParseWithLength((const char *)sqlite3_value_text(v),
                                              (size_t)sqlite3_value_bytes(v))
                      : NULL;
    uint32_t *pairs, *counts;
    size_t n;

    m->root = cJSON_CreateObject();
    if (!cJSON_IsObject(source) || !m->root) {
        cJSON_Delete(source);
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: source is not a JSON object");
    }
    cJSON_AddItemToObject(m->root, "source", source);
    snprintf(m->model_path, sizeof(m->model_path), "%s", path);
    v = meta_get(meta, "article_path");
    snprintf(m->article_path, sizeof(m->article_path), "%s",
             v && sqlite3_value_text(v) ? (const char *)sqlite3_value_text(v) : "");
    v = meta_get(meta, "paragraphs");
    n = v ? (size_t)sqlite3_value_bytes(v) / 8 : 0;
    pairs = v ? unpack_u32(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), 2 * n) : NULL;
    m->paragraphs = calloc(n ? n : 1, sizeof(*m->paragraphs));
    if (!pairs || !m->paragraphs) {
        free(pairs);
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: paragraphs are malformed");
    }
    for (size_t i = 0; i < n; i++) {
        m->paragraphs[i].start = pairs[2 * i];
        m->paragraphs[i].end = pairs[2 * i + 1];
        if (pairs[2 * i] > pairs[2 * i + 1] || pairs[2 * i + 1] > m->article_chars) {
            free(pairs);
            return file_fail(err, path, STRATA_EPARSE,
                             "strata_meta: paragraph %zu lies outside the article", i + 1);
        }
    }
    m->paragraph_count = n;
    free(pairs);
    v = meta_get(meta, "record_counts");
    counts = v ? unpack_u32(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v),
                            model_collection_count)
               : NULL;
    if (!counts)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: record_counts are malformed");
    for (size_t i = 0; i < model_collection_count && i < MODEL_MAX_COLLECTIONS; i++)
        m->record_counts[i] = counts[i];
    free(counts);
    return 0;
}

/* What the queries need: counts, FTS row bases, nullable columns. */
static int read_store(sqlite3 *db, sqlite3_stmt *meta, const char *path, struct store *store,
                      struct model_error *err)
{
    sqlite3_value *v = meta_get(meta, "counts");
    uint32_t *counts = v ? unpack_u32(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v),
                                      catalog_collection_count)
                         : NULL;
    uint32_t *base;

    if (!counts)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: counts are malformed");
    for (size_t i = 0; i < catalog_collection_count; i++)
        store->counts[i] = counts[i];
    free(counts);
    v = meta_get(meta, "record_base");
    base = v ? unpack_u32(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v),
                          STORE_MAX_COLLECTIONS + 1)
             : NULL;
    if (!base)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: record_base is malformed");
    for (size_t i = 0; i <= STORE_MAX_COLLECTIONS; i++)
        store->record_base[i] = base[i];
    free(base);
    v = meta_get(meta, "span_count");
    if (!v || sqlite3_value_type(v) != SQLITE_INTEGER || sqlite3_value_int64(v) < 0)
        return file_fail(err, path, STRATA_EPARSE, "strata_meta: span_count is malformed");
    store->span_count = (size_t)sqlite3_value_int64(v);
    if (store_nullable(store, db) != 0)
        return file_fail(err, path, STRATA_EPARSE, "corrupt: cannot read the tables' columns: %s",
                         sqlite3_errmsg(db));
    return 0;
}

/* PRAGMA integrity_check: every page and index entry read (quick_check of SQLite 3.40 misreads
 * WITHOUT ROWID tables). */
static int check_pages(sqlite3 *db, const char *path, struct model_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &stmt, NULL) != SQLITE_OK)
        return file_fail(err, path, STRATA_EPARSE, "corrupt: %s", sqlite3_errmsg(db));
    if (sqlite3_step(stmt) != SQLITE_ROW)
        rc = file_fail(err, path, STRATA_EPARSE, "corrupt: %s", sqlite3_errmsg(db));
    else if (strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") != 0) {
        rc = file_fail(err, path, STRATA_EPARSE, "corrupt: %s",
                       (const char *)sqlite3_column_text(stmt, 0));
        for (char *p = err->message; *p; p++)
            if (*p == '\n')
                *p = ' ';
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Everything checked and read through one connection (closed by the caller). */
static int open_checked(sqlite3 *db, uint32_t counter, bool full, const char *path,
                        struct store *store, struct model *m, struct model_error *err)
{
    sqlite3_stmt *meta = NULL;
    bool verify = full || store->file_size <= STORE_VERIFY_BYTES;
    int rc = check_tables(db, path, err);

    if (!rc && sqlite3_prepare_v2(db, "SELECT value FROM strata_meta WHERE key = ?1", -1, &meta,
                                  NULL) != SQLITE_OK)
        rc = file_fail(err, path, STRATA_EPARSE, "corrupt: cannot read strata_meta: %s",
                       sqlite3_errmsg(db));
    if (!rc)
        rc = check_identity(meta, counter, verify, path, m, err);
    if (!rc)
        rc = read_model(meta, path, m, err);
    if (!rc)
        rc = read_store(db, meta, path, store, err);
    sqlite3_finalize(meta);
    if (!rc && verify)
        rc = check_pages(db, path, err);
    return rc;
}

int store_connect_file(const struct store *store, sqlite3 **db)
{
    if (sqlite3_open_v2(store->file_uri, db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    return store_reader_settings(*db, store->file_size);
}

int store_open_file(const char *path, bool full, struct store **out, struct model **model,
                    struct model_error *err)
{
    struct store *store;
    struct model *m;
    struct timespec t0, t1;
    sqlite3 *db = NULL;
    uint32_t counter = 0;
    sqlite3_int64 size = 0;
    int rc;

    if (!path || !out || !model || !err)
        return STRATA_EINVAL;
    memset(err, 0, sizeof(*err));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = check_header(path, &size, &counter, err);
    if (rc)
        return rc;
    store = calloc(1, sizeof(*store));
    m = model_new();
    if (!store || !m) {
        free(store);
        model_free(m);
        return file_fail(err, path, STRATA_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&store->stats_lock, NULL);
    pthread_mutex_init(&store->arrays_lock, NULL);
    atomic_init(&store->arrays_ready, false);
    store->plain_docs = true;
    store->file_size = size;
    store->file_uri = file_uri(path);
    if (!store->file_uri)
        rc = file_fail(err, path, STRATA_ENOMEM, "out of memory");
    else if (store_connect_file(store, &db) != 0)
        rc = file_fail(err, path, STRATA_EPARSE, "cannot open with SQLite: %s",
                       db ? sqlite3_errmsg(db) : "out of memory");
    if (!rc)
        rc = open_checked(db, counter, full, path, store, m, err);
    sqlite3_close(db);
    if (rc) {
        store_free(store);
        model_free(m);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    store->load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    store->model = m;
    *out = store;
    *model = m;
    return 0;
}

/* One array of strata_meta, of exactly count values. */
static uint32_t *read_array(sqlite3_stmt *meta, const char *key, size_t count)
{
    sqlite3_value *v = meta_get(meta, key);
    return v ? unpack_u32(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v), count) : NULL;
}

int store_arrays(struct store *store, struct slot *slot)
{
    size_t records = store->record_base[STORE_MAX_COLLECTIONS];
    sqlite3_stmt *meta = NULL;
    int rc = 0;

    if (atomic_load(&store->arrays_ready))
        return 0;
    pthread_mutex_lock(&store->arrays_lock);
    if (!atomic_load(&store->arrays_ready)) {
        if (sqlite3_prepare_v2(slot->db, "SELECT value FROM strata_meta WHERE key = ?1", -1, &meta,
                               NULL) != SQLITE_OK)
            rc = STRATA_ESTORE;
        if (!rc) {
            store->record_tokens = read_array(meta, "record_tokens", records + 1);
            store->span_tokens = read_array(meta, "span_tokens", store->span_count + 1);
            store->record_order = read_array(meta, "record_order", records + 1);
            store->span_order = read_array(meta, "span_order", store->span_count + 1);
            if (!store->record_tokens || !store->span_tokens || !store->record_order ||
                !store->span_order)
                rc = STRATA_ESTORE;
        }
        sqlite3_finalize(meta);
        if (!rc) {
            atomic_store(&store->arrays_ready, true);
        } else {
            free(store->record_tokens);
            free(store->span_tokens);
            free(store->record_order);
            free(store->span_order);
            store->record_tokens = store->span_tokens = NULL;
            store->record_order = store->span_order = NULL;
        }
    }
    pthread_mutex_unlock(&store->arrays_lock);
    return rc;
}
