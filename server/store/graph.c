/*
 * graph.c - store_graph: the nodes and edges kept by a graph query.
 */
#include "store_private.h"

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
    if (g->no_background) { /* background=false: the article and what follows from it */
        buf_puts(kept, " AND k.provenance <> 'background'");
        buf_puts(edge, " AND e.provenance <> 'background'");
    }
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

    buf_printf(&sql, "%s SELECT r.id, r.type, r.kind, r.label, r.provenance, ", buf_str(&b.sql));
    append_type_order(&sql, "r.type");
    buf_puts(&sql, " AS type_order FROM records r WHERE r.id IN nodes ORDER BY type_order, "
                   "r.rank, r.id");
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, NULL);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *node = cJSON_CreateObject();
        cJSON_AddStringToObject(node, "id", column_text(stmt, 0));
        cJSON_AddStringToObject(node, "type", column_text(stmt, 1));
        add_text_or_null(node, "kind", stmt, 2);
        cJSON_AddStringToObject(node, "label", column_text(stmt, 3));
        cJSON_AddStringToObject(node, "provenance", column_text(stmt, 4));
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
               "%s SELECT e.id, e.source, e.target, e.type, e.derived, e.provenance FROM "
               "relations e WHERE "
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
        cJSON_AddStringToObject(e, "provenance", column_text(stmt, 5));
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
