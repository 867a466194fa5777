/*
 * cursor.c - every record a collection query matches, a few at a time
 * (store_cursor_*, store.h): one statement over the matching rowids stays
 * open on a connection the cursor holds, and each call reads the next rows'
 * documents, so that an export of any size needs the memory of one chunk.
 */
#include "store_private.h"

#include <stdlib.h>
#include <string.h>

struct store_cursor {
    struct store *store;
    const struct query *q;
    struct slot spare, *slot;
    struct builder where;
    sqlite3_stmt *rows; /* the matching rowids in q's order, from q's offset */
    bool done;
};

/* Run nothing under a budget that may be gone once the caller returns. */
static void unbudgeted(struct slot *slot)
{
    sqlite3_progress_handler(slot->db, 0, NULL, NULL);
}

void store_cursor_close(struct store_cursor *cursor)
{
    if (!cursor)
        return;
    statement_done(cursor->rows);
    slot_release(cursor->store, cursor->slot);
    builder_release(&cursor->where);
    free(cursor);
}

/*
 * The statement is stepped after the request's handler has returned (each
 * chunk of a stream), when the query's texts (filter values, q=) may point
 * at memory that is gone: bind SQLite's own copies of them instead.
 */
static int bind_copies(const struct builder *b, sqlite3_stmt *stmt)
{
    for (size_t i = 0; i < b->count; i++)
        if (b->values[i].kind == BOUND_TEXT &&
            sqlite3_bind_text(stmt, (int)i + 1, b->values[i].text, -1, SQLITE_TRANSIENT) !=
                SQLITE_OK)
            return STRATA_ENOMEM;
    return 0;
}

int store_cursor_open(struct store *store, const struct query *q, struct store_cursor **out,
                      long long *total, struct store_error *error)
{
    struct store_cursor *cursor;
    struct buf sql;
    size_t offset_n;
    int rc;

    if (!store || !q || !q->collection || !out || !total)
        return STRATA_EINVAL;
    cursor = calloc(1, sizeof(*cursor));
    if (!cursor)
        return STRATA_ENOMEM;
    cursor->store = store;
    cursor->q = q;
    builder_init(&cursor->where);
    buf_init(&sql, 1024 * 1024);
    append_where(&cursor->where, q);
    offset_n = builder_value(&cursor->where, BOUND_INTEGER, NULL, (long long)q->offset);
    rc = (cursor->where.sql.failed || !offset_n) ? STRATA_ENOMEM : 0;
    if (!rc) {
        cursor->slot = slot_acquire(store, &cursor->spare);
        rc = cursor->slot ? 0 : STRATA_ESTORE;
        if (rc)
            error_from(error, NULL);
    }
    if (!rc)
        rc = select_count(cursor->slot, store, q, &cursor->where, total, error);
    if (!rc) {
        buf_printf(&sql, "SELECT rowid FROM %s%s", q->collection->table,
                   buf_str(&cursor->where.sql));
        append_order(&sql, store, q->collection, q->sorts, q->sort_count);
        buf_printf(&sql, " LIMIT -1 OFFSET ?%zu", offset_n);
        rc = sql.failed
                 ? STRATA_ENOMEM
                 : prepare_bound(cursor->slot, buf_str(&sql), &cursor->where, &cursor->rows, error);
        if (!rc)
            rc = bind_copies(&cursor->where, cursor->rows);
    }
    buf_release(&sql);
    if (cursor->slot)
        unbudgeted(cursor->slot);
    if (rc) {
        store_cursor_close(cursor);
        return rc;
    }
    *out = cursor;
    return 0;
}

int store_cursor_next(struct store_cursor *cursor, size_t n, cJSON *array, bool *more,
                      struct store_error *error)
{
    struct rowids rows = {NULL, 0, 0};
    int rc = 0, step = SQLITE_ROW;

    if (!cursor || !array || !more || n == 0)
        return STRATA_EINVAL;
    *more = false;
    if (cursor->done)
        return 0;
    slot_budgeted(cursor->slot);
    while (!rc && rows.count < n && (step = sqlite3_step(cursor->rows)) == SQLITE_ROW)
        rc = rowids_add(&rows, sqlite3_column_int64(cursor->rows, 0));
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = step_error(cursor->slot, step, cursor->q->text != NULL, error);
    if (!rc)
        rc = fetch_docs(cursor->slot, cursor->q->collection, &rows, array);
    unbudgeted(cursor->slot);
    free(rows.items);
    cursor->done = rc != 0 || step != SQLITE_ROW;
    *more = !cursor->done;
    return rc;
}
