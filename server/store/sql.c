/*
 * sql.c - the SQL of a collection query: bound values, ORDER BY from sort
 * keys (the default order is rowid), WHERE from filters, dates and text.
 */
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void builder_init(struct builder *b)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->sql, 1024 * 1024);
}

void builder_release(struct builder *b)
{
    buf_release(&b->sql);
    free(b->values);
    memset(b, 0, sizeof(*b));
}

size_t builder_value(struct builder *b, enum bound_kind kind, const char *text, long long number)
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

int builder_bind(const struct builder *b, sqlite3_stmt *stmt)
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

void append_type_order(struct buf *sql, const char *column)
{
    buf_printf(sql, "CASE %s", column);
    for (size_t i = 0; i < catalog_collection_count; i++)
        buf_printf(sql, " WHEN '%s' THEN %zu", catalog_collections[i].name, i);
    buf_puts(sql, " END");
}

size_t default_sorts(const struct catalog_collection *c, struct query_sort *out, size_t max)
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

bool is_default_order(const struct catalog_collection *c, const struct query_sort *sorts, size_t n)
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

void append_order(struct buf *sql, const struct store *store, const struct catalog_collection *c,
                  const struct query_sort *sorts, size_t n)
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

bool query_unfiltered(const struct query *q)
{
    return q->filter_count == 0 && !q->text && q->dated == QUERY_DATED_ANY && !q->from[0] &&
           !q->to[0];
}

bool query_selective(const struct query *q)
{
    for (size_t i = 0; i < q->filter_count; i++)
        if (q->filters[i].filter->value == CATALOG_VALUE_ID)
            return true;
    return false;
}

void append_where(struct builder *b, const struct query *q)
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
    /* overlap: ends on or after from, starts on or before to; within: inside both */
    if (q->from[0]) {
        buf_puts(&b->sql, q->date_within ? " AND date_start >= " : " AND date_end >= ");
        builder_text(b, q->from);
    }
    if (q->to[0]) {
        buf_puts(&b->sql, q->date_within ? " AND date_end <= " : " AND date_start <= ");
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
