/*
 * export.c - store_export: the database written to a file for the sqlite3
 * shell, with one plain JSON document per record.
 */
#include "store_private.h"

#include <stdlib.h>
#include <unistd.h>

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
