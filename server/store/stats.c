/*
 * stats.c - store_stats: counts and facets, computed once per store.
 */
#include "store_private.h"

/* Run sql (two columns: a name, a count) into an object {name: count}. */
static int stats_facet(struct slot *slot, const char *sql, cJSON *parent, const char *key)
{
    sqlite3_stmt *stmt;
    cJSON *facet = cJSON_AddObjectToObject(parent, key);
    int rc = slot_prepare(slot, sql, &stmt), step;

    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        cJSON_AddNumberToObject(facet, name ? name : "null", (double)sqlite3_column_int64(stmt, 1));
    }
    statement_done(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

/* Run sql (a name, a count) into an array [{name_key: name, count}]. */
static int stats_series(struct slot *slot, const char *sql, cJSON *parent, const char *key,
                        const char *name_key)
{
    sqlite3_stmt *stmt;
    cJSON *series = cJSON_AddArrayToObject(parent, key);
    int rc = slot_prepare(slot, sql, &stmt), step;

    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, name_key, column_text(stmt, 0));
        cJSON_AddNumberToObject(item, "count", (double)sqlite3_column_int64(stmt, 1));
        cJSON_AddItemToArray(series, item);
    }
    statement_done(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

/* The statistics of the whole model (see store_stats). */
static int stats_compute(struct store *store, struct slot *slot, cJSON **out)
{
    sqlite3_stmt *stmt = NULL;
    cJSON *stats, *counts, *layers;
    int rc, step;

    stats = cJSON_CreateObject();
    if (!stats)
        return STRATA_ENOMEM;
    counts = cJSON_AddObjectToObject(stats, "counts");
    for (size_t i = 0; i < catalog_collection_count; i++)
        cJSON_AddNumberToObject(counts, catalog_collections[i].name, (double)store->counts[i]);

    layers = cJSON_AddArrayToObject(stats, "events_per_layer");
    rc = slot_prepare(slot,
                      "SELECT l.id, l.name, l.ordinal, count(x.event_id) FROM layers l LEFT "
                      "JOIN layer_events x ON x.layer_id = l.id GROUP BY l.id ORDER BY "
                      "l.ordinal, l.id",
                      &stmt);
    if (!rc) {
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            cJSON *layer = cJSON_CreateObject();
            cJSON_AddStringToObject(layer, "id", column_text(stmt, 0));
            cJSON_AddStringToObject(layer, "name", column_text(stmt, 1));
            cJSON_AddNumberToObject(layer, "ordinal", sqlite3_column_int(stmt, 2));
            cJSON_AddNumberToObject(layer, "count", (double)sqlite3_column_int64(stmt, 3));
            cJSON_AddItemToArray(layers, layer);
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);

    if (!rc)
        rc = stats_series(slot,
                          "SELECT substr(date_start, 1, 7) AS m, count(*) FROM events WHERE "
                          "date_start IS NOT NULL AND substr(date_start, 1, 7) = "
                          "substr(date_end, 1, 7) GROUP BY m ORDER BY m",
                          stats, "events_per_month", "month");
    if (!rc)
        rc = stats_series(slot,
                          "SELECT substr(date_start, 1, 4) AS y, count(*) FROM events WHERE "
                          "date_start IS NOT NULL AND substr(date_start, 1, 4) = "
                          "substr(date_end, 1, 4) GROUP BY y ORDER BY y",
                          stats, "events_per_year", "year");
    if (!rc) {
        if (slot_prepare(slot, "SELECT count(*) FROM events WHERE date_start IS NULL", &stmt) ||
            sqlite3_step(stmt) != SQLITE_ROW)
            rc = STRATA_ESTORE;
        else
            cJSON_AddNumberToObject(stats, "undated_events", (double)sqlite3_column_int64(stmt, 0));
        statement_done(stmt);
    }
    static const char *const facets[][2] = {
        {"events_per_type", "SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 1"},
        {"events_per_precision",
         "SELECT date_precision, count(*) FROM events GROUP BY 1 ORDER BY 1"},
        {"actors_per_kind", "SELECT kind, count(*) FROM actors GROUP BY 1 ORDER BY 1"},
        {"organizations_per_kind",
         "SELECT kind, count(*) FROM organizations GROUP BY 1 ORDER BY 1"},
        {"places_per_kind", "SELECT kind, count(*) FROM places GROUP BY 1 ORDER BY 1"},
        {"threats_per_kind", "SELECT kind, count(*) FROM threats GROUP BY 1 ORDER BY 1"},
        {"claims_per_kind", "SELECT kind, count(*) FROM claims GROUP BY 1 ORDER BY 1"},
        {"claims_per_certainty", "SELECT certainty, count(*) FROM claims GROUP BY 1 ORDER BY 1"},
        {"relations_per_type", "SELECT type, count(*) FROM relations GROUP BY 1 ORDER BY 1"},
        {"records_per_provenance",
         "SELECT provenance, count(*) FROM (SELECT provenance FROM actors UNION ALL SELECT "
         "provenance FROM organizations UNION ALL SELECT provenance FROM places UNION ALL "
         "SELECT provenance FROM events UNION ALL SELECT provenance FROM layers UNION ALL "
         "SELECT provenance FROM threats UNION ALL SELECT provenance FROM claims) GROUP BY 1 "
         "ORDER BY 1"},
        {"evidence_per_paragraph",
         "SELECT paragraph, count(*) FROM evidence GROUP BY 1 ORDER BY 1"},
    };
    for (size_t i = 0; i < sizeof(facets) / sizeof(facets[0]) && !rc; i++)
        rc = stats_facet(slot, facets[i][1], stats, facets[i][0]);
    if (rc) {
        cJSON_Delete(stats);
        return rc;
    }
    *out = stats;
    return 0;
}

/* Computed once per store (the model is immutable), then copied for each caller. */
int store_stats(struct store *store, cJSON **out)
{
    struct slot spare, *slot;
    int rc = 0;

    if (!store || !out)
        return STRATA_EINVAL;
    pthread_mutex_lock(&store->stats_lock);
    if (!store->stats) {
        slot = slot_acquire(store, &spare);
        rc = slot ? stats_compute(store, slot, &store->stats) : STRATA_ESTORE;
        slot_release(store, slot);
    }
    if (!rc) {
        *out = cJSON_Duplicate(store->stats, 1);
        rc = *out ? 0 : STRATA_ENOMEM;
    }
    pthread_mutex_unlock(&store->stats_lock);
    return rc;
}
