/*
 * read.c - reading records: documents of rows (records, evidence, derived
 * edges), store_record_type, store_get and store_select.
 */
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *column_text(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    return text ? text : "";
}

void add_text_or_null(cJSON *doc, const char *name, sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);

    if (text)
        cJSON_AddStringToObject(doc, name, text);
    else
        cJSON_AddNullToObject(doc, name);
}

const char *collection_name(const unsigned char *type)
{
    const struct catalog_collection *c = catalog_find((const char *)type);
    return c ? c->name : NULL;
}

void shorten(const char *s, size_t max, struct buf *out)
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
    "derived_field, label, explicit, provenance, basis, certainty, hedge"

/* A derived edge's document from RELATION_COLUMNS (the catalog's field order). */
static cJSON *derived_doc(sqlite3_stmt *stmt)
{
    cJSON *doc = cJSON_CreateObject(), *from;

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
    cJSON_AddStringToObject(doc, "certainty", column_text(stmt, 13));
    add_text_or_null(doc, "hedge", stmt, 14);
    cJSON_AddStringToObject(doc, "summary", column_text(stmt, 9));
    cJSON_AddBoolToObject(doc, "explicit", sqlite3_column_int(stmt, 10));
    cJSON_AddStringToObject(doc, "provenance", column_text(stmt, 11));
    add_text_or_null(doc, "basis", stmt, 12);
    /* the edge's provenance is its own: a field note of its holder is already applied */
    if (!cJSON_AddArrayToObject(doc, "field_provenance") ||
        !cJSON_AddArrayToObject(doc, "evidence")) {
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
    if (slot->plain_docs) {
        /* a compiled file: one JSON text per record */
        if (rowid < 1)
            return STRATA_ENOTFOUND;
        rc = slot_prepare(slot, "SELECT doc FROM docs WHERE rowid = ?1", &stmt);
        if (rc)
            return rc;
        sqlite3_bind_int64(stmt, 1, ((long long)ci << DOC_SHIFT) | rowid);
        step = sqlite3_step(stmt);
        if (step == SQLITE_ROW)
            *out = cJSON_ParseWithLength((const char *)sqlite3_column_text(stmt, 0),
                                         (size_t)sqlite3_column_bytes(stmt, 0));
        statement_done(stmt);
        if (step != SQLITE_ROW)
            return step == SQLITE_DONE ? STRATA_ENOTFOUND : STRATA_ESTORE;
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

int rowids_add(struct rowids *r, long long rowid)
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

int collect_rowids(struct slot *slot, sqlite3_stmt *stmt, int column, struct rowids *out,
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

int fetch_docs(struct slot *slot, const struct catalog_collection *c, const struct rowids *rows,
               cJSON *array)
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

/*
 * Steps sql (its one parameter ?1 is id) on slot and hands the first row to
 * take: take's answer, STRATA_ENOTFOUND without a row, an error otherwise.
 */
static int lookup_by_id(struct slot *slot, const char *sql, const char *id,
                        int (*take)(sqlite3_stmt *stmt, void *out), void *out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = slot_prepare(slot, sql, &stmt);

    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        switch (sqlite3_step(stmt)) {
        case SQLITE_ROW:
            rc = take(stmt, out);
            break;
        case SQLITE_DONE:
            rc = STRATA_ENOTFOUND;
            break;
        default:
            rc = STRATA_ESTORE;
        }
    }
    statement_done(stmt);
    return rc;
}

static int take_collection(sqlite3_stmt *stmt, void *out)
{
    const char **collection = out;

    *collection = collection_name(sqlite3_column_text(stmt, 0));
    return *collection ? 0 : STRATA_ESTORE;
}

static int take_text(sqlite3_stmt *stmt, void *out)
{
    char **text = out;

    *text = strdup(column_text(stmt, 0));
    return *text ? 0 : STRATA_ENOMEM;
}

static int take_rowid(sqlite3_stmt *stmt, void *out)
{
    *(long long *)out = sqlite3_column_int64(stmt, 0);
    return 0;
}

int store_record_type(struct store *store, const char *id, const char **collection)
{
    struct slot spare, *slot;
    int rc;

    if (!store || !id || !collection)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    rc = lookup_by_id(slot,
                      "SELECT type FROM records WHERE id = ?1 UNION ALL SELECT 'relations' FROM "
                      "relations WHERE id = ?1 UNION ALL SELECT 'evidence' FROM evidence WHERE "
                      "id = ?1 LIMIT 1",
                      id, take_collection, collection);
    slot_release(store, slot);
    return rc;
}

int store_label(struct store *store, const char *id, char **label)
{
    struct slot spare, *slot;
    int rc;

    if (!store || !id || !label)
        return STRATA_EINVAL;
    *label = NULL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    rc = lookup_by_id(slot, "SELECT label FROM records WHERE id = ?1", id, take_text, label);
    slot_release(store, slot);
    return rc;
}

int store_get(struct store *store, const struct catalog_collection *c, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    char sql[128];
    long long rowid = 0;
    int rc;

    if (!store || !c || !id || !out)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE id = ?1", c->table);
    rc = lookup_by_id(slot, sql, id, take_rowid, &rowid);
    if (!rc)
        rc = fetch_doc(slot, c, rowid, out);
    slot_release(store, slot);
    return rc;
}

int select_count(struct slot *slot, const struct store *store, const struct query *q,
                 const struct builder *where, long long *total, struct store_error *error)
{
    const struct catalog_collection *c = q->collection;
    sqlite3_stmt *stmt = NULL;
    struct buf sql;
    int rc = 0, step;

    if (q->text && query_selective(q)) {
        /* probed row by row, the expression may never be parsed: check it first */
        rc =
            prepare_bound(slot, "SELECT 1 FROM fts WHERE fts MATCH ?1 LIMIT 1", NULL, &stmt, error);
        if (rc)
            return rc;
        sqlite3_bind_text(stmt, 1, q->text, -1, SQLITE_STATIC);
        step = sqlite3_step(stmt);
        statement_done(stmt);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return step_error(slot, step, true, error);
    }
    if (query_unfiltered(q)) {
        *total = store->counts[catalog_index(c)];
        return 0;
    }
    buf_init(&sql, 1024 * 1024);
    buf_printf(&sql, "SELECT count(*) FROM %s%s", c->table, buf_str(&where->sql));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), where, &stmt, error);
    buf_release(&sql);
    if (rc)
        return rc;
    step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *total = sqlite3_column_int64(stmt, 0);
    else
        rc = step_error(slot, step, q->text != NULL, error);
    statement_done(stmt);
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
    int rc;

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

    rc = select_count(slot, store, q, &where, &page->total, error);
    if (rc)
        goto done;
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
