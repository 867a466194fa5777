/*
 * rows.c - writing the tables: each record's rows, documents, evidence and
 * relations, in default order, and load_all, the whole compile in order.
 */
#include "loader.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- rows ---- */

void searchable_text(const struct catalog_collection *c, const cJSON *record, struct buf *out)
{
    const cJSON *item;
    if (strcmp(c->name, "actors") == 0 && text_of(record, "role")) {
        buf_puts(out, text_of(record, "role"));
    } else if (strcmp(c->name, "events") == 0) {
        const char *date = text_of(cJSON_GetObjectItemCaseSensitive(record, "date"), "text");
        if (date)
            buf_puts(out, date);
    } else if (strcmp(c->name, "layers") == 0) {
        cJSON_ArrayForEach(item, array_of(record, "mechanisms"))
            buf_printf(out, "%s. ", text_of(item, "name") ? text_of(item, "name") : "");
        cJSON_ArrayForEach(item, array_of(record, "goals"))
            buf_printf(out, "%s. ", text_of(item, "text") ? text_of(item, "text") : "");
    } else if (strcmp(c->name, "claims") == 0) {
        buf_printf(out, "%s %s", text_of(record, "text") ? text_of(record, "text") : "",
                   text_of(record, "hedge") ? text_of(record, "hedge") : "");
    } else if (strcmp(c->name, "relations") == 0) {
        buf_puts(out, text_of(record, "type") ? text_of(record, "type") : "");
    }
}

/* Rows of a join table (holder, ordinal, id) from an array of ids. */
static int insert_refs(struct loader *L, enum statement_id which, const cJSON *record,
                       const char *id, const char *field)
{
    const cJSON *ref;
    long long n = 0;
    cJSON_ArrayForEach(ref, array_of(record, field))
    {
        int rc;
        if (!cJSON_IsString(ref))
            continue;
        rc = insert(L, which, "tit", id, ++n, ref->valuestring);
        if (rc)
            return rc;
    }
    return 0;
}

bool has_aliases(const struct catalog_collection *c)
{
    return strcmp(c->name, "actors") == 0 || strcmp(c->name, "organizations") == 0 ||
           strcmp(c->name, "places") == 0;
}

/* The collection-specific rows of one record (its table, its join tables). */
static int insert_rows(struct loader *L, const struct entry *e)
{
    const char *name = catalog_collections[e->collection].name, *id = e->id;
    const cJSON *r = e->record;
    int explicit = bool_of(r, "explicit");
    const char *prov = provenance_of(r);
    long long rank = e->rank, position = e->position;
    int rc = 0;

    if (strcmp(name, "actors") == 0) {
        rc = insert(L, ST_ACTOR, "itttttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "role"), explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_MEMBER, r, id, "members");
    } else if (strcmp(name, "organizations") == 0) {
        rc = insert(L, ST_ORGANIZATION, "itttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    explicit, prov, position);
    } else if (strcmp(name, "places") == 0) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "coordinates");
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(at, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(at, "lon");
        bool located = cJSON_IsNumber(lat) && cJSON_IsNumber(lon);
        rc = insert(L, ST_PLACE, "itttttddbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "within"), located ? lat->valuedouble : NAN,
                    located ? lon->valuedouble : NAN, explicit, prov, position);
    } else if (strcmp(name, "events") == 0) {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(r, "date");
        rc = insert(L, ST_EVENT, "ittttttttttbti", rank, id, text_of(r, "title"),
                    text_of(r, "type"), text_of(date, "text"), text_of(date, "start"),
                    text_of(date, "end"), e->date_order,
                    text_of(date, "precision") ? text_of(date, "precision") : "unknown",
                    text_of(r, "place"), text_of(r, "organization"), explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_PARTICIPANT, r, id, "participants");
    } else if (strcmp(name, "layers") == 0) {
        const cJSON *part;
        long long n = 0;
        rc = insert(L, ST_LAYER, "ititbti", rank, id, number_of(r, "ordinal"), text_of(r, "name"),
                    explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_PARTNER, r, id, "partners");
        if (!rc)
            rc = insert_refs(L, ST_LAYER_EVENT, r, id, "events");
        cJSON_ArrayForEach(part, array_of(r, "mechanisms"))
        {
            if (rc)
                break;
            rc = insert(L, ST_MECHANISM, "titt", id, ++n,
                        text_of(part, "name") ? text_of(part, "name") : "",
                        text_of(part, "organization"));
        }
        n = 0;
        cJSON_ArrayForEach(part, array_of(r, "goals"))
        {
            if (rc)
                break;
            rc = insert(L, ST_GOAL, "tit", id, ++n,
                        text_of(part, "text") ? text_of(part, "text") : "");
        }
    } else if (strcmp(name, "threats") == 0) {
        rc = insert(L, ST_THREAT, "itttbti", rank, id, text_of(r, "name"), text_of(r, "kind"),
                    explicit, prov, position);
        if (!rc)
            rc = insert_refs(L, ST_SOURCE, r, id, "sources");
        if (!rc)
            rc = insert_refs(L, ST_TARGET, r, id, "targets");
    } else if (strcmp(name, "claims") == 0) {
        rc = insert(L, ST_CLAIM, "ittttttbti", rank, id, text_of(r, "title"), text_of(r, "text"),
                    text_of(r, "kind"), text_of(r, "certainty"), text_of(r, "hedge"), explicit,
                    prov, position);
        if (!rc)
            rc = insert_refs(L, ST_ABOUT, r, id, "about");
    }
    /* relations: their rows are written in their own order (insert_relations) */
    return rc;
}

/* Everything of one record but its relation row and its document: records, its rows. */
static int insert_record(struct loader *L, const struct entry *e, const char *label)
{
    const struct catalog_collection *c = &catalog_collections[e->collection];
    int rc;

    rc =
        insert(L, ST_RECORD, "ttttit", e->id, c->name, c->kind ? text_of(e->record, c->kind) : NULL,
               label, e->rank, provenance_of(e->record));
    if (!rc)
        rc = insert_rows(L, e);
    if (!rc && has_aliases(c))
        rc = insert_refs(L, ST_ALIAS, e->record, e->id, "aliases");
    return rc;
}

/* The document blocks the builder thread deflated, in rowid order. */
static int insert_docs(struct loader *L)
{
    sqlite3_stmt *stmt = L->stmts[ST_DOC];
    int rc = SQLITE_DONE;

    for (size_t i = 0; i < L->fts.blocks.count && rc == SQLITE_DONE; i++) {
        const struct doc_row *row = &((const struct doc_row *)L->fts.blocks.items)[i];
        rc = sqlite3_bind_int64(stmt, 1, row->key);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_blob(stmt, 2, row->data, (int)row->size, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
    }
    return rc == SQLITE_DONE ? 0 : load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
}

static int insert_records(struct loader *L)
{
    size_t relations = catalog_index(catalog_find("relations"));
    int rc = 0;

    for (size_t ci = 0; ci < catalog_collection_count && !rc; ci++) {
        for (size_t k = L->first[ci]; k < L->first[ci + 1] && !rc; k++) {
            const struct entry *e = ENTRY(L, L->ranked[k]);
            const char *label = e->label;
            where_entry(L, e);
            if (ci == relations)
                label = RELATION(L, e->rank - 1)->label;
            rc = insert_record(L, e, label);
        }
    }
    return rc;
}

static int insert_evidence(struct loader *L)
{
    int rc = 0;
    L->where[0] = '\0';
    for (size_t i = 0; i < L->spans.count && !rc; i++) {
        const struct span *s = SPAN(L, L->span_order[i]);
        const struct entry *owner = ENTRY(L, s->owner);
        rc = insert(L, ST_EVIDENCE, "ittttiiiiti", s->rowid, s->id, owner->id,
                    catalog_collections[owner->collection].name, s->field, s->ordinal, s->start,
                    s->end, s->paragraph, s->quote, fts_rowid(owner->collection, owner->rank, 0));
    }
    return rc;
}

static int insert_relations(struct loader *L)
{
    int rc = 0;
    L->where[0] = '\0';
    for (size_t i = 0; i < L->relations.count && !rc; i++) {
        const struct relation *r = RELATION(L, i);
        const struct entry *holder = ENTRY(L, r->holder), *s = ENTRY(L, r->source),
                           *t = ENTRY(L, r->target);
        /* the record stating a derived edge is one of its ends: which one, as 0 or 1 */
        /* a field's own note (field_provenance) outranks its holder's provenance */
        rc =
            insert(L, ST_RELATION, "ittttttbbtbttttti", r->rowid, r->id, r->type, s->id, t->id,
                   catalog_collections[s->collection].name, catalog_collections[t->collection].name,
                   r->derived, r->derived && r->holder == r->target, r->derived ? r->field : NULL,
                   bool_of(holder->record, "explicit"),
                   r->provenance ? r->provenance : provenance_of(holder->record),
                   r->provenance ? r->basis : text_of(holder->record, "basis"),
                   r->certainty ? r->certainty : "stated", r->hedge, r->label,
                   r->derived ? (long long)-1 : holder->position);
    }
    return rc;
}

int load_all(struct loader *L)
{
    char pragmas[300];
    int rc;

    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
             "PRAGMA temp_store = MEMORY; "
             "PRAGMA cache_size = -%d; BEGIN",
             WRITER_CACHE_KIB);
    rc = exec_sql(L, pragmas);
    if (!rc)
        rc = exec_sql(L, schema_sql);
    for (int i = 0; i < ST_COUNT && !rc; i++)
        if (sqlite3_prepare_v3(L->db, insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &L->stmts[i],
                               NULL) != SQLITE_OK)
            rc = load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    if (!rc)
        rc = load_map(L);
    for (size_t i = 0; i < L->entries.count && !rc; i++) {
        where_entry(L, ENTRY(L, i));
        rc = load_spans(L, i);
        if (!rc)
            rc = load_edges(L, i);
    }
    L->where[0] = '\0';
    if (!rc)
        rc = load_orders(L);
    if (!rc)
        fts_start(L);
    if (!rc)
        rc = insert_records(L);
    if (!rc)
        rc = insert_evidence(L);
    if (!rc)
        rc = insert_relations(L);
    L->where[0] = '\0';
    if (!rc)
        rc = exec_sql(L, index_sql);
    fts_join(&L->fts);
    if (!rc && L->fts.rc)
        rc = load_fail(L, L->fts.rc, "%s", L->fts.message);
    if (!rc)
        rc = insert_docs(L);
    if (!rc)
        rc = exec_sql(L, "COMMIT");
    if (!rc)
        rc = fts_finish(L);
    return rc;
}
