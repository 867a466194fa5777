/*
 * export.c - store_export: the compiled model file. The in-memory database
 * is copied page by page into a temporary file beside the target; its
 * documents become one plain JSON text per record (what a compiled store
 * reads, and what the sqlite3 shell shows); strata_meta gets what the server
 * needs besides the tables (see store.h); then ANALYZE, VACUUM, the seal and
 * a rename.
 */
#include "store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

/*
 * The documents as one JSON text per record, keyed collection << 32 | rank.
 * The key is an INTEGER PRIMARY KEY: VACUUM renumbers any other rowid (the
 * other tables' rowids are 1..n already, which it keeps).
 */
static int export_docs(sqlite3 *dest)
{
    sqlite3_stmt *blocks = NULL, *insert_doc = NULL;
    uint32_t offsets[DOC_BLOCK + 1];
    int rc = sqlite3_exec(
        dest, "BEGIN; CREATE TABLE documents (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)", NULL,
        NULL, NULL);

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

/* One row of strata_meta: text (n bytes, or -1: NUL-terminated), a blob, or an integer. */
static int meta_put(sqlite3_stmt *insert, const char *key, const void *text, int n, bool blob,
                    long long number)
{
    int rc;

    sqlite3_bind_text(insert, 1, key, -1, SQLITE_STATIC);
    if (blob)
        sqlite3_bind_blob(insert, 2, text, n, SQLITE_STATIC);
    else if (text)
        sqlite3_bind_text(insert, 2, text, n, SQLITE_STATIC);
    else
        sqlite3_bind_int64(insert, 2, number);
    rc = sqlite3_step(insert) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_reset(insert);
    return rc;
}

/* A blob row of count uint32 values. */
static int meta_put_u32(sqlite3_stmt *insert, const char *key, const uint32_t *values, size_t count)
{
    unsigned char *packed = store_pack_u32(values, count);
    int rc;

    if (!packed)
        return SQLITE_NOMEM;
    rc = meta_put(insert, key, packed, (int)(4 * count), true, 0);
    free(packed);
    return rc;
}

/* The same values as uint32 (counts and offsets of a model are far below 2^32). */
static int meta_put_sizes(sqlite3_stmt *insert, const char *key, const size_t *values, size_t count)
{
    uint32_t *narrow = malloc((count ? count : 1) * sizeof(*narrow));
    int rc;

    if (!narrow)
        return SQLITE_NOMEM;
    for (size_t i = 0; i < count; i++)
        narrow[i] = (uint32_t)values[i];
    rc = meta_put_u32(insert, key, narrow, count);
    free(narrow);
    return rc;
}

/* strata_meta: the model and what the queries need besides the tables (see file.c). */
static int export_meta(sqlite3 *dest, const struct store *store)
{
    const struct model *m = store->model;
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(m->root, "source");
    char *source_text = source ? cJSON_PrintUnformatted(source) : NULL;
    size_t records = store->record_base[STORE_MAX_COLLECTIONS];
    size_t counts[STORE_MAX_COLLECTIONS];
    sqlite3_stmt *insert = NULL;
    char hash[17], schema[17], pragmas[160];
    int rc = source_text ? SQLITE_OK : SQLITE_NOMEM;

    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)m->file_hash);
    snprintf(schema, sizeof(schema), "%016llx", (unsigned long long)store_schema_hash());
    for (size_t i = 0; i < STORE_MAX_COLLECTIONS; i++)
        counts[i] = (size_t)store->counts[i];
    snprintf(pragmas, sizeof(pragmas),
             "BEGIN; CREATE TABLE strata_meta (key TEXT PRIMARY KEY NOT NULL, value); PRAGMA "
             "application_id = %d; PRAGMA user_version = %d",
             STORE_APPLICATION_ID, STORE_FILE_FORMAT);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dest, pragmas, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(dest, "INSERT INTO strata_meta VALUES (?1, ?2)", -1, &insert, NULL);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "format", NULL, 0, false, STORE_FILE_FORMAT);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "compiler", "strata " STRATA_VERSION, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "schema", schema, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "version", m->version, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "model_hash", hash, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "model_path", m->model_path, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "article_path", m->article_path, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "source", source_text, -1, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "article", m->article, (int)m->article_bytes, false, 0);
    if (rc == SQLITE_OK)
        rc = meta_put_sizes(insert, "paragraphs", m->paragraphs ? &m->paragraphs[0].start : NULL,
                            m->paragraphs ? 2 * m->paragraph_count : 0);
    if (rc == SQLITE_OK)
        rc = meta_put_sizes(insert, "record_counts", m->record_counts, model_collection_count);
    if (rc == SQLITE_OK)
        rc = meta_put_sizes(insert, "counts", counts, catalog_collection_count);
    if (rc == SQLITE_OK)
        rc = meta_put_sizes(insert, "record_base", store->record_base, STORE_MAX_COLLECTIONS + 1);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "span_count", NULL, 0, false, (long long)store->span_count);
    if (rc == SQLITE_OK)
        rc = meta_put_u32(insert, "record_tokens", store->record_tokens, records + 1);
    if (rc == SQLITE_OK)
        rc = meta_put_u32(insert, "span_tokens", store->span_tokens, store->span_count + 1);
    if (rc == SQLITE_OK)
        rc = meta_put_u32(insert, "record_order", store->record_order, records + 1);
    if (rc == SQLITE_OK)
        rc = meta_put_u32(insert, "span_order", store->span_order, store->span_count + 1);
    if (rc == SQLITE_OK)
        rc = meta_put(insert, "sealed", NULL, 0, false, 0);
    sqlite3_finalize(insert);
    cJSON_free(source_text);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dest, "COMMIT", NULL, NULL, NULL);
    return rc;
}

/* The file change counter of the SQLite header (offset 24), or -1. */
static long long change_counter(const char *path)
{
    unsigned char header[28];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? pread(fd, header, sizeof(header), 0) : -1;

    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof(header))
        return -1;
    return (long long)header[24] << 24 | header[25] << 16 | header[26] << 8 | header[27];
}

/*
 * The seal: the change counter the file will have after this one write is
 * recorded in it, so that store_open_file sees any later write.
 */
static int export_seal(sqlite3 *dest, const char *path)
{
    long long counter = change_counter(path);
    char sql[120];

    if (counter < 0)
        return SQLITE_IOERR;
    snprintf(sql, sizeof(sql), "UPDATE strata_meta SET value = %lld WHERE key = 'sealed'",
             (counter + 1) & 0xffffffffLL);
    return sqlite3_exec(dest, sql, NULL, NULL, NULL);
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;

    if (fd >= 0)
        close(fd);
    return rc;
}

/* Everything but the rename, into the database at tmp. */
static int export_to(struct store *store, sqlite3 *dest, const char *tmp)
{
    sqlite3_backup *backup;
    int rc =
        sqlite3_exec(dest, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL, NULL);

    backup = rc == SQLITE_OK ? sqlite3_backup_init(dest, "main", store->writer, "main") : NULL;
    if (!backup)
        return SQLITE_ERROR;
    sqlite3_backup_step(backup, -1);
    rc = sqlite3_backup_finish(backup);
    if (rc == SQLITE_OK)
        rc = export_docs(dest);
    if (rc == SQLITE_OK)
        rc = export_meta(dest, store);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dest, "PRAGMA analysis_limit = 1000; ANALYZE; VACUUM", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = export_seal(dest, tmp);
    return rc;
}

int store_export(struct store *store, const char *path, struct store_error *error)
{
    struct store_error ignored;
    char tmp[1100];
    sqlite3 *dest = NULL;
    mode_t mask;
    int fd, rc;

    if (!error)
        error = &ignored;
    if (!store || !path || !store->writer || !store->model) {
        if (error)
            snprintf(error->message, sizeof(error->message),
                     "only a store built from a model can be compiled");
        return STRATA_EINVAL;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp)) {
        snprintf(error->message, sizeof(error->message), "path too long");
        return STRATA_EIO;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(error->message, sizeof(error->message),
                 "cannot create a temporary file beside it: %s", strerror(errno));
        return STRATA_EIO;
    }
    /* mkstemp makes it 0600: a compiled model is as readable as any file the user writes */
    mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);
    rc = sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = export_to(store, dest, tmp);
    if (rc != SQLITE_OK)
        error_from(error, dest);
    sqlite3_close(dest);
    if (rc == SQLITE_OK && (sync_file(tmp) != 0 || rename(tmp, path) != 0)) {
        snprintf(error->message, sizeof(error->message),
                 "cannot sync or rename the temporary file over it: %s", strerror(errno));
        rc = SQLITE_IOERR;
    }
    if (rc != SQLITE_OK) {
        unlink(tmp);
        return STRATA_EIO;
    }
    return 0;
}
