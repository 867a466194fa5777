/*
 * related.c - the records joined to a record: store_related,
 * store_related_many and store_related_records.
 */
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {id, label}: the API layer adds its href (api_add_href). */
static cJSON *link_entry(const char *id, const char *label)
{
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "id", id);
    cJSON_AddStringToObject(entry, "label", label ? label : id);
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
    cJSON_AddItemToArray(list, link_entry(other, text));
}

/*
 * The row before, to skip a repeat: a record reached twice comes twice,
 * next to itself once sorted (k: the element of store_related_many, 0 for
 * store_related).
 */
struct last_row {
    sqlite3_int64 k;
    const char *type;
    struct buf id;
};

/* Whether (k, type, id) repeats the row before; if not, it is now the row before. */
static bool repeats_last(struct last_row *last, sqlite3_int64 k, const char *type, const char *id)
{
    if (k == last->k && type == last->type && strcmp(buf_str(&last->id), id) == 0)
        return true;
    last->k = k;
    last->type = type;
    buf_reset(&last->id);
    buf_puts(&last->id, id);
    return false;
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

int store_related(struct store *store, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct buf sql, label;
    struct last_row last = {.k = -1};
    cJSON *related;
    int rc, step;

    if (!store || !id || !out)
        return STRATA_EINVAL;
    related = related_object();
    if (!related)
        return STRATA_ENOMEM;
    slot = slot_acquire(store, &spare);
    if (!slot) {
        cJSON_Delete(related);
        return STRATA_ESTORE;
    }
    buf_init(&sql, 0);
    buf_init(&label, 0);
    buf_init(&last.id, 0);
    buf_puts(&sql, related_cte);
    buf_puts(&sql, " SELECT type, id, label FROM rel ORDER BY ");
    append_type_order(&sql, "type");
    buf_puts(&sql, ", rank, id");
    rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *type = collection_name(sqlite3_column_text(stmt, 0));
            const char *text = column_text(stmt, 2), *other = column_text(stmt, 1);
            cJSON *list = type ? cJSON_GetObjectItemCaseSensitive(related, type) : NULL;
            if (!list)
                continue;
            if (repeats_last(&last, 0, type, other))
                continue;
            related_add(list, type, other, text, &label);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    buf_release(&label);
    buf_release(&last.id);
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

int store_related_many(struct store *store, const char *const *ids, size_t count, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct buf sql, label;
    struct last_row last = {.k = -1};
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
    buf_init(&last.id, 0);
    if (!rc) {
        buf_puts(&sql, related_many_cte);
        buf_puts(&sql, " SELECT k, type, id, label FROM rel ORDER BY k, ");
        append_type_order(&sql, "type");
        buf_puts(&sql, ", rank, id");
        rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    }
    if (!rc) {
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
            if (repeats_last(&last, k, type, other))
                continue;
            related_add(list, type, other, text, &label);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    if (slot)
        slot_release(store, slot);
    buf_release(&sql);
    buf_release(&label);
    buf_release(&last.id);
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
