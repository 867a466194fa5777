/*
 * store.c - the SQLite database of one loaded model: schema, load, queries.
 *
 * The database lives in memory through SQLite's memdb VFS under a unique
 * name (`file:/strata-<pid>-<n>?vfs=memdb`), so that any number of
 * connections share it. store_open() fills it through one read-write
 * connection in a single transaction with prepared statements; that
 * connection then stays idle (it keeps the database alive and serves
 * store_export). Queries run on read-only connections (`PRAGMA query_only`)
 * held in a small array of slots: a caller takes a free slot with one atomic
 * exchange, so there is no lock on the hot path; each slot keeps its
 * prepared statements. When every slot is busy a temporary connection is
 * opened for the call.
 *
 * This is the only file that includes sqlite3.h.
 */
#include "store.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "error.h"
#include "query.h"

#define STORE_SLOTS 32
#define STORE_STATEMENTS 40
#define STORE_MAX_BYTES ((sqlite3_int64)16 * 1024 * 1024 * 1024)
#define LABEL_QUOTE_CHARS 80

struct statement {
    uint64_t hash;
    char *sql;
    sqlite3_stmt *stmt;
};

struct slot {
    atomic_int busy;
    sqlite3 *db;
    struct statement statements[STORE_STATEMENTS];
    size_t next; /* the cache entry replaced next */
};

struct store {
    const struct model *model;
    char uri[96];
    sqlite3 *writer;
    double load_seconds;
    struct slot slots[STORE_SLOTS];
};

/* ------------------------------------------------------------------ */
/* connections                                                         */

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void slot_close(struct slot *slot)
{
    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        sqlite3_finalize(slot->statements[i].stmt);
        free(slot->statements[i].sql);
        slot->statements[i].stmt = NULL;
        slot->statements[i].sql = NULL;
    }
    sqlite3_close(slot->db);
    slot->db = NULL;
}

static int slot_connect(struct store *store, struct slot *slot)
{
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;

    if (sqlite3_open_v2(store->uri, &slot->db, flags, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_exec(slot->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return 0;
fail:
    sqlite3_close(slot->db);
    slot->db = NULL;
    return STRATA_ESTORE;
}

/*
 * Borrow a connection: a free slot (one atomic exchange each), or a
 * temporary connection in spare when all are busy. NULL when none opens.
 */
static struct slot *slot_acquire(struct store *store, struct slot *spare)
{
    size_t start = (size_t)((uintptr_t)pthread_self() >> 4) % STORE_SLOTS;

    for (size_t i = 0; i < STORE_SLOTS; i++) {
        struct slot *slot = &store->slots[(start + i) % STORE_SLOTS];
        if (atomic_exchange(&slot->busy, 1) == 0) {
            if (!slot->db && slot_connect(store, slot) != 0) {
                atomic_store(&slot->busy, 0);
                return NULL;
            }
            return slot;
        }
    }
    memset(spare, 0, sizeof(*spare));
    return slot_connect(store, spare) == 0 ? spare : NULL;
}

static void slot_release(struct store *store, struct slot *slot)
{
    if (!slot)
        return;
    if (slot >= store->slots && slot < store->slots + STORE_SLOTS)
        atomic_store(&slot->busy, 0);
    else
        slot_close(slot);
}

/* A prepared statement for sql, from the slot's cache (reset, unbound). */
static int slot_prepare(struct slot *slot, const char *sql, sqlite3_stmt **out)
{
    uint64_t h = hash_text(sql);
    struct statement *entry;
    sqlite3_stmt *stmt;
    char *copy;

    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        entry = &slot->statements[i];
        if (entry->stmt && entry->hash == h && strcmp(entry->sql, sql) == 0) {
            *out = entry->stmt;
            return 0;
        }
    }
    if (sqlite3_prepare_v3(slot->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        return STRATA_ENOMEM;
    }
    entry = &slot->statements[slot->next];
    slot->next = (slot->next + 1) % STORE_STATEMENTS;
    sqlite3_finalize(entry->stmt);
    free(entry->sql);
    entry->hash = h;
    entry->sql = copy;
    entry->stmt = stmt;
    *out = stmt;
    return 0;
}

static void statement_done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

static void error_from(struct store_error *error, sqlite3 *db)
{
    if (error)
        snprintf(error->message, sizeof(error->message), "%s",
                 db ? sqlite3_errmsg(db) : "cannot open a connection to the store");
}

/* ------------------------------------------------------------------ */
/* SQL building                                                        */

enum bound_kind { BOUND_TEXT, BOUND_INTEGER };

struct bound {
    enum bound_kind kind;
    const char *text;
    long long number;
};

/* An SQL text with numbered parameters and the values to bind to them. */
struct builder {
    struct buf sql;
    struct bound *values;
    size_t count, alloc;
};

static void builder_init(struct builder *b)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->sql, 1024 * 1024);
}

static void builder_release(struct builder *b)
{
    buf_release(&b->sql);
    free(b->values);
    memset(b, 0, sizeof(*b));
}

/* Add a value; returns its parameter number (1-based), 0 on ENOMEM. */
static size_t builder_value(struct builder *b, enum bound_kind kind, const char *text,
                            long long number)
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

static int builder_bind(const struct builder *b, sqlite3_stmt *stmt)
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

/* `CASE type WHEN 'actors' THEN 0 ... END`: the catalog's order of collections. */
static void append_type_order(struct buf *sql, const char *column)
{
    buf_printf(sql, "CASE %s", column);
    for (size_t i = 0; i < catalog_collection_count; i++)
        buf_printf(sql, " WHEN '%s' THEN %zu", catalog_collections[i].name, i);
    buf_puts(sql, " END");
}

/* Parse a `sort=` text of the catalog itself ("type,source,target"). */
static size_t default_sorts(const struct catalog_collection *c, struct query_sort *out, size_t max)
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

/* ORDER BY clause of sort keys (the default when n is 0), ending with id. */
static void append_order(struct buf *sql, const struct catalog_collection *c,
                         const struct query_sort *sorts, size_t n, const char *prefix)
{
    struct query_sort defaults[QUERY_MAX_SORTS];
    bool by_id = false;

    if (n == 0) {
        n = default_sorts(c, defaults, QUERY_MAX_SORTS);
        sorts = defaults;
    }
    buf_puts(sql, " ORDER BY ");
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; sorts[i].sort->columns[k]; k++) {
            const char *column = sorts[i].sort->columns[k];
            bool simple = strspn(column, "abcdefghijklmnopqrstuvwxyz_") == strlen(column);
            buf_printf(sql, "%s%s%s %s NULLS LAST", (i || k) ? ", " : "", simple ? prefix : "",
                       column, sorts[i].descending ? "DESC" : "ASC");
        }
        if (strcmp(sorts[i].sort->name, "id") == 0)
            by_id = true;
    }
    if (!by_id)
        buf_printf(sql, ", %sid ASC", prefix);
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

/* WHERE clause of a collection query. */
static void append_where(struct builder *b, const struct query *q)
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
    if (q->from[0]) {
        buf_puts(&b->sql, " AND date_end >= ");
        builder_text(b, q->from);
    }
    if (q->to[0]) {
        buf_puts(&b->sql, " AND date_start <= ");
        builder_text(b, q->to);
    }
    if (q->text) {
        if (strcmp(c->name, "evidence") == 0)
            buf_puts(&b->sql, " AND id IN (SELECT id FROM fts WHERE fts MATCH ");
        else
            buf_puts(&b->sql, " AND id IN (SELECT owner FROM fts WHERE fts MATCH ");
        builder_text(b, q->text);
        buf_puts(&b->sql, ")");
    }
}

/* ------------------------------------------------------------------ */
/* the id map of the loader                                            */

struct entry {
    const char *id;
    const cJSON *record;
    const char *label;
    size_t collection; /* index in catalog_collections */
};

struct idmap {
    struct entry *entries;
    size_t mask;
};

static int idmap_init(struct idmap *m, size_t count)
{
    size_t size = 64;
    while (size < count * 2)
        size *= 2;
    m->entries = calloc(size, sizeof(*m->entries));
    m->mask = size - 1;
    return m->entries ? 0 : STRATA_ENOMEM;
}

static struct entry *idmap_slot(const struct idmap *m, const char *id)
{
    size_t i = (size_t)hash_text(id) & m->mask;
    while (m->entries[i].id && strcmp(m->entries[i].id, id) != 0)
        i = (i + 1) & m->mask;
    return &m->entries[i];
}

static const struct entry *idmap_find(const struct idmap *m, const char *id)
{
    const struct entry *e;
    if (!id)
        return NULL;
    e = idmap_slot(m, id);
    return e->id ? e : NULL;
}

/* ------------------------------------------------------------------ */
/* schema                                                              */

static const char schema_sql[] =
    "CREATE TABLE records (id TEXT PRIMARY KEY, type TEXT NOT NULL, kind TEXT, label TEXT NOT "
    "NULL, position INTEGER, rank INTEGER);"
    "CREATE TABLE actors (id TEXT PRIMARY KEY REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), role TEXT, explicit "
    "INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE aliases (record_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER NOT "
    "NULL, alias TEXT NOT NULL, PRIMARY KEY (record_id, ordinal));"
    "CREATE TABLE actor_members (collective_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, member_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(collective_id, ordinal));"
    "CREATE TABLE organizations (id TEXT PRIMARY KEY REFERENCES records(id), name TEXT NOT NULL "
    "COLLATE NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE places (id TEXT PRIMARY KEY REFERENCES records(id), name TEXT NOT NULL "
    "COLLATE NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), within TEXT "
    "REFERENCES records(id), lat REAL, lon REAL, explicit INTEGER NOT NULL, provenance TEXT NOT "
    "NULL, position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE events (id TEXT PRIMARY KEY REFERENCES records(id), title TEXT NOT NULL "
    "COLLATE NOCASE, type TEXT NOT NULL, date_text TEXT, date_start TEXT, date_end TEXT, "
    "date_precision TEXT NOT NULL, place TEXT REFERENCES records(id), organization TEXT "
    "REFERENCES records(id), explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position "
    "INTEGER, doc TEXT NOT NULL, CHECK (date_end >= date_start));"
    "CREATE TABLE event_participants (event_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, participant_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(event_id, ordinal));"
    "CREATE TABLE layers (id TEXT PRIMARY KEY REFERENCES records(id), ordinal INTEGER NOT NULL, "
    "name TEXT NOT NULL COLLATE NOCASE, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE layer_partners (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, partner_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (layer_id, "
    "ordinal));"
    "CREATE TABLE layer_events (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, event_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (layer_id, ordinal));"
    "CREATE TABLE layer_mechanisms (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, name TEXT NOT NULL, organization TEXT REFERENCES records(id), PRIMARY "
    "KEY (layer_id, ordinal));"
    "CREATE TABLE layer_goals (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, text TEXT NOT NULL, PRIMARY KEY (layer_id, ordinal));"
    "CREATE TABLE threats (id TEXT PRIMARY KEY REFERENCES records(id), name TEXT NOT NULL "
    "COLLATE NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE threat_sources (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, source_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (threat_id, "
    "ordinal));"
    "CREATE TABLE threat_targets (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, target_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (threat_id, "
    "ordinal));"
    "CREATE TABLE claims (id TEXT PRIMARY KEY REFERENCES records(id), title TEXT NOT NULL "
    "COLLATE NOCASE, text TEXT NOT NULL, kind TEXT NOT NULL, certainty TEXT NOT NULL, hedge "
    "TEXT, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER, doc TEXT NOT "
    "NULL);"
    "CREATE TABLE claim_about (claim_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, record_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (claim_id, "
    "ordinal));"
    "CREATE TABLE relations (id TEXT PRIMARY KEY REFERENCES records(id), type TEXT NOT NULL, "
    "source TEXT NOT NULL REFERENCES records(id), target TEXT NOT NULL REFERENCES records(id), "
    "source_type TEXT NOT NULL, target_type TEXT NOT NULL, derived INTEGER NOT NULL, "
    "derived_record TEXT REFERENCES records(id), derived_field TEXT, explicit INTEGER NOT NULL, "
    "provenance TEXT NOT NULL, position INTEGER, doc TEXT NOT NULL);"
    "CREATE TABLE evidence (id TEXT PRIMARY KEY REFERENCES records(id), record_id TEXT NOT NULL "
    "REFERENCES records(id), record_type TEXT NOT NULL, field TEXT NOT NULL, ordinal INTEGER "
    "NOT NULL, span_start INTEGER NOT NULL, span_end INTEGER NOT NULL, paragraph INTEGER NOT "
    "NULL, quote TEXT NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL, CHECK (span_end "
    "> span_start));"
    "CREATE VIRTUAL TABLE fts USING fts5(kind UNINDEXED, type UNINDEXED, id UNINDEXED, owner "
    "UNINDEXED, label, aliases, summary, text, tokenize = 'porter unicode61 remove_diacritics "
    "2');";

/* Created after the rows are in (faster than maintaining them row by row). */
static const char index_sql[] =
    "CREATE INDEX records_type ON records(type, rank);"
    "CREATE INDEX actors_name ON actors(name, id);"
    "CREATE INDEX actors_kind ON actors(kind);"
    "CREATE INDEX actors_country ON actors(country);"
    "CREATE INDEX actors_explicit ON actors(explicit);"
    "CREATE INDEX actors_provenance ON actors(provenance);"
    "CREATE INDEX actor_members_member ON actor_members(member_id);"
    "CREATE INDEX organizations_name ON organizations(name, id);"
    "CREATE INDEX organizations_kind ON organizations(kind);"
    "CREATE INDEX organizations_explicit ON organizations(explicit);"
    "CREATE INDEX organizations_provenance ON organizations(provenance);"
    "CREATE INDEX places_name ON places(name, id);"
    "CREATE INDEX places_kind ON places(kind);"
    "CREATE INDEX places_country ON places(country);"
    "CREATE INDEX places_within ON places(within);"
    "CREATE INDEX places_explicit ON places(explicit);"
    "CREATE INDEX places_provenance ON places(provenance);"
    "CREATE INDEX events_date ON events(date_start, date_end, id);"
    "CREATE INDEX events_end ON events(date_end);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE INDEX events_precision ON events(date_precision);"
    "CREATE INDEX events_place ON events(place);"
    "CREATE INDEX events_organization ON events(organization);"
    "CREATE INDEX events_explicit ON events(explicit);"
    "CREATE INDEX events_provenance ON events(provenance);"
    "CREATE INDEX event_participants_participant ON event_participants(participant_id);"
    "CREATE INDEX layers_ordinal ON layers(ordinal, id);"
    "CREATE INDEX layers_explicit ON layers(explicit);"
    "CREATE INDEX layers_provenance ON layers(provenance);"
    "CREATE INDEX layer_partners_partner ON layer_partners(partner_id);"
    "CREATE INDEX layer_events_event ON layer_events(event_id);"
    "CREATE INDEX layer_mechanisms_organization ON layer_mechanisms(organization);"
    "CREATE INDEX threats_name ON threats(name, id);"
    "CREATE INDEX threats_kind ON threats(kind);"
    "CREATE INDEX threats_explicit ON threats(explicit);"
    "CREATE INDEX threats_provenance ON threats(provenance);"
    "CREATE INDEX threat_sources_source ON threat_sources(source_id);"
    "CREATE INDEX threat_targets_target ON threat_targets(target_id);"
    "CREATE INDEX claims_position ON claims(position, id);"
    "CREATE INDEX claims_kind ON claims(kind);"
    "CREATE INDEX claims_certainty ON claims(certainty);"
    "CREATE INDEX claims_explicit ON claims(explicit);"
    "CREATE INDEX claims_provenance ON claims(provenance);"
    "CREATE INDEX claim_about_record ON claim_about(record_id);"
    "CREATE INDEX relations_order ON relations(type, source, target, id);"
    "CREATE INDEX relations_source ON relations(source);"
    "CREATE INDEX relations_target ON relations(target);"
    "CREATE INDEX relations_source_type ON relations(source_type);"
    "CREATE INDEX relations_target_type ON relations(target_type);"
    "CREATE INDEX relations_derived ON relations(derived);"
    "CREATE INDEX relations_explicit ON relations(explicit);"
    "CREATE INDEX relations_provenance ON relations(provenance);"
    "CREATE INDEX evidence_start ON evidence(span_start, span_end, id);"
    "CREATE INDEX evidence_record ON evidence(record_id);"
    "CREATE INDEX evidence_record_type ON evidence(record_type);"
    "CREATE INDEX evidence_paragraph ON evidence(paragraph);"
    "INSERT INTO fts(fts) VALUES ('optimize');";

/* ------------------------------------------------------------------ */
/* loading                                                             */

enum statement_id {
    ST_RECORD,
    ST_ACTOR,
    ST_ALIAS,
    ST_MEMBER,
    ST_ORGANIZATION,
    ST_PLACE,
    ST_EVENT,
    ST_PARTICIPANT,
    ST_LAYER,
    ST_PARTNER,
    ST_LAYER_EVENT,
    ST_MECHANISM,
    ST_GOAL,
    ST_THREAT,
    ST_SOURCE,
    ST_TARGET,
    ST_CLAIM,
    ST_ABOUT,
    ST_RELATION,
    ST_EVIDENCE,
    ST_FTS,
    ST_COUNT
};

static const char *const insert_sql[ST_COUNT] = {
    [ST_RECORD] = ("INSERT OR IGNORE INTO records (id, type, kind, label, position) VALUES "
                   "(?,?,?,?,?)"),
    [ST_ACTOR] = "INSERT INTO actors VALUES (?,?,?,?,?,?,?,?,?)",
    [ST_ALIAS] = "INSERT INTO aliases VALUES (?,?,?)",
    [ST_MEMBER] = "INSERT INTO actor_members VALUES (?,?,?)",
    [ST_ORGANIZATION] = "INSERT INTO organizations VALUES (?,?,?,?,?,?,?)",
    [ST_PLACE] = "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVENT] = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_PARTICIPANT] = "INSERT INTO event_participants VALUES (?,?,?)",
    [ST_LAYER] = "INSERT INTO layers VALUES (?,?,?,?,?,?,?)",
    [ST_PARTNER] = "INSERT INTO layer_partners VALUES (?,?,?)",
    [ST_LAYER_EVENT] = "INSERT INTO layer_events VALUES (?,?,?)",
    [ST_MECHANISM] = "INSERT INTO layer_mechanisms VALUES (?,?,?,?)",
    [ST_GOAL] = "INSERT INTO layer_goals VALUES (?,?,?)",
    [ST_THREAT] = "INSERT INTO threats VALUES (?,?,?,?,?,?,?)",
    [ST_SOURCE] = "INSERT INTO threat_sources VALUES (?,?,?)",
    [ST_TARGET] = "INSERT INTO threat_targets VALUES (?,?,?)",
    [ST_CLAIM] = "INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?)",
    [ST_ABOUT] = "INSERT INTO claim_about VALUES (?,?,?)",
    [ST_RELATION] = "INSERT INTO relations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVIDENCE] = "INSERT INTO evidence VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_FTS] = "INSERT INTO fts VALUES (?,?,?,?,?,?,?,?)",
};

struct loader {
    sqlite3 *db;
    const struct model *model;
    struct idmap map;
    sqlite3_stmt *stmts[ST_COUNT];
    struct model_error *err;
    int failed;      /* the first error code reported through load_fail */
    char where[160]; /* JSON path of the record being loaded */
};

static int load_fail(struct loader *L, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int load_fail(struct loader *L, int code, const char *fmt, ...)
{
    va_list ap;
    if (L->failed)
        return L->failed; /* keep the first, most precise message */
    L->failed = code;
    snprintf(L->err->file, sizeof(L->err->file), "%s", L->model->model_path);
    snprintf(L->err->path, sizeof(L->err->path), "%s", L->where);
    va_start(ap, fmt);
    vsnprintf(L->err->message, sizeof(L->err->message), fmt, ap);
    va_end(ap);
    return code;
}

/*
 * Bind and step one insert. types: 't' text (NULL binds NULL), 'i' long long,
 * 'b' bool as int, 'd' double (NAN binds NULL). Returns 0 or an error.
 */
static int insert(struct loader *L, enum statement_id which, const char *types, ...)
{
    sqlite3_stmt *stmt = L->stmts[which];
    va_list ap;
    int rc = SQLITE_OK;

    va_start(ap, types);
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(stmt, i + 1);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, long long));
            break;
        case 'b':
            rc = sqlite3_bind_int(stmt, i + 1, va_arg(ap, int) ? 1 : 0);
            break;
        default: {
            double d = va_arg(ap, double);
            rc = isnan(d) ? sqlite3_bind_null(stmt, i + 1) : sqlite3_bind_double(stmt, i + 1, d);
            break;
        }
        }
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return load_fail(L, rc == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESTORE, "store: %s",
                         sqlite3_errmsg(L->db));
    return 0;
}

static const char *text_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int bool_of(const cJSON *object, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, key));
}

static const cJSON *array_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsArray(item) ? item : NULL;
}

/* Smallest start of a record's own evidence, or -1. */
static long long position_of(const cJSON *record)
{
    long long best = -1;
    const cJSON *span;

    cJSON_ArrayForEach(span, array_of(record, "evidence"))
    {
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(span, "start");
        if (cJSON_IsNumber(start) && (best < 0 || start->valuedouble < (double)best))
            best = (long long)start->valuedouble;
    }
    return best;
}

/* The first `max` code points of s, with "…" when cut, into out. */
static void shorten(const char *s, size_t max, struct buf *out)
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

static const char *verb_of(const char *type)
{
    static const char *const verbs[][2] = {
        {"participant_in", "takes part in"},
        {"held_in", "is held in"},
        {"convened_by", "is convened by"},
        {"member_of", "is a member of"},
        {"official_of", "is an official of"},
        {"located_in", "is located in"},
        {"partner_in", "is a partner in"},
        {"part_of", "is part of"},
        {"mechanism_of", "is a mechanism of"},
        {"source_of", "is a source of"},
        {"threatens", "threatens"},
        {"about", "is about"},
    };
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verbs[i][0], type) == 0)
            return verbs[i][1];
    return type;
}

/*
 * Copy an array of evidence spans, giving each an id `<prefix><n>`, and
 * insert each span as an evidence record. Returns the copy, NULL on failure.
 */
static cJSON *load_evidence(struct loader *L, const cJSON *spans, const char *prefix,
                            const char *record_id, const char *record_type, const char *field)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *span;
    size_t n = 0;
    struct buf id, label;

    if (!out)
        return NULL;
    buf_init(&id, 512);
    buf_init(&label, 1024);
    cJSON_ArrayForEach(span, spans)
    {
        long long start = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(span, "start"));
        long long end = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(span, "end"));
        long long paragraph =
            (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(span, "paragraph"));
        const char *quote = text_of(span, "quote");
        cJSON *copy = cJSON_CreateObject(), *doc = cJSON_CreateObject();
        char *doc_text = NULL;
        int rc = STRATA_ENOMEM;

        buf_reset(&id);
        buf_reset(&label);
        buf_printf(&id, "%s%zu", prefix, ++n);
        shorten(quote ? quote : "", LABEL_QUOTE_CHARS, &label);
        if (!copy || !doc || id.failed || label.failed)
            goto span_done;
        cJSON_AddItemToArray(out, copy);
        cJSON_AddStringToObject(copy, "id", buf_str(&id));
        cJSON_AddNumberToObject(copy, "start", (double)start);
        cJSON_AddNumberToObject(copy, "end", (double)end);
        cJSON_AddNumberToObject(copy, "paragraph", (double)paragraph);
        cJSON_AddStringToObject(copy, "quote", quote ? quote : "");
        cJSON_AddStringToObject(doc, "id", buf_str(&id));
        cJSON_AddStringToObject(doc, "record", record_id);
        cJSON_AddStringToObject(doc, "record_type", record_type);
        cJSON_AddStringToObject(doc, "field", field);
        cJSON_AddNumberToObject(doc, "start", (double)start);
        cJSON_AddNumberToObject(doc, "end", (double)end);
        cJSON_AddNumberToObject(doc, "paragraph", (double)paragraph);
        cJSON_AddStringToObject(doc, "quote", quote ? quote : "");
        doc_text = cJSON_PrintUnformatted(doc);
        if (!doc_text)
            goto span_done;
        rc = insert(L, ST_RECORD, "tttti", buf_str(&id), "evidence", (const char *)NULL,
                    buf_str(&label), start);
        if (!rc && sqlite3_changes(L->db) == 0)
            rc = load_fail(L, STRATA_EINVAL, "evidence id '%s' is already used by a record",
                           buf_str(&id));
        if (!rc)
            rc = insert(L, ST_EVIDENCE, "ttttiiiitit", buf_str(&id), record_id, record_type, field,
                        (long long)n, start, end, paragraph, quote ? quote : "", start, doc_text);
        if (!rc)
            rc = insert(L, ST_FTS, "tttttttt", "evidence", "evidence", buf_str(&id), record_id, "",
                        "", "", quote ? quote : "");
    span_done:
        free(doc_text);
        cJSON_Delete(doc);
        if (rc) {
            if (rc == STRATA_ENOMEM)
                load_fail(L, rc, "store: out of memory");
            cJSON_Delete(out);
            out = NULL;
            break;
        }
    }
    buf_release(&id);
    buf_release(&label);
    return out;
}

/*
 * The id of a derived edge is taken already. The same edge stated twice (two
 * mechanisms of one organization) is skipped: 0. Any other owner (a record of
 * the model, another derived edge, an evidence span) makes the model refused,
 * naming both records.
 */
static int edge_collision(struct loader *L, const char *id, const char *source, const char *type,
                          const char *target, const char *holder_id, const char *field)
{
    const struct entry *holder = idmap_find(&L->map, holder_id), *other = idmap_find(&L->map, id);
    const char *what = holder ? catalog_collections[holder->collection].singular : "record";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (other)
        return load_fail(L, STRATA_EINVAL,
                         "the id '%s' of the relation derived from %s '%s' (field %s) is also the "
                         "id of the %s '%s'",
                         id, what, holder_id, field,
                         catalog_collections[other->collection].singular, id);
    if (sqlite3_prepare_v2(L->db,
                           "SELECT rel.source, rel.type, rel.target, rel.derived_record, "
                           "rel.derived_field, ev.record_id FROM records r LEFT JOIN relations rel "
                           "ON rel.id = r.id LEFT JOIN evidence ev ON ev.id = r.id WHERE r.id = ?1",
                           -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        rc = load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    } else {
        const char *col[6];
        for (int i = 0; i < 6; i++)
            col[i] = (const char *)sqlite3_column_text(stmt, i);
        if (col[0] && col[1] && col[2] && strcmp(col[0], source) == 0 &&
            strcmp(col[1], type) == 0 && strcmp(col[2], target) == 0)
            rc = 0;
        else if (col[0])
            rc = load_fail(L, STRATA_EINVAL,
                           "the id '%s' of the relation derived from %s '%s' (field %s) is also "
                           "the id of the relation derived from '%s' (field %s): %s %s %s",
                           id, what, holder_id, field, col[3] ? col[3] : "", col[4] ? col[4] : "",
                           col[0], col[1], col[2] ? col[2] : "");
        else
            rc = load_fail(L, STRATA_EINVAL,
                           "the id '%s' of the relation derived from %s '%s' (field %s) is also "
                           "the id of an evidence span of '%s'",
                           id, what, holder_id, field, col[5] ? col[5] : "");
    }
    sqlite3_finalize(stmt);
    return rc;
}

/*
 * Insert the derived edge `source type target` stated by field of holder
 * (both ends are known ids; the loader validated them).
 */
static int load_edge(struct loader *L, const char *source, const char *type, const char *target,
                     const cJSON *holder, const char *holder_id, const char *field)
{
    const struct entry *s = idmap_find(&L->map, source), *t = idmap_find(&L->map, target);
    struct buf id, label;
    cJSON *doc = NULL, *from;
    char *doc_text = NULL;
    int rc = STRATA_ENOMEM;

    if (!s || !t)
        return load_fail(L, STRATA_EINVAL, "%s refers to unknown id '%s'", field,
                         s ? target : source);
    buf_init(&id, 1024);
    buf_init(&label, 4096);
    buf_printf(&id, "%s-", source); /* a slug: <source>-<type with - for _>-<target> */
    for (const char *p = type; *p; p++)
        buf_putc(&id, *p == '_' ? '-' : *p);
    buf_printf(&id, "-%s", target);
    buf_printf(&label, "%s %s %s", s->label, verb_of(type), t->label);
    doc = cJSON_CreateObject();
    if (id.failed || label.failed || !doc)
        goto done;
    cJSON_AddStringToObject(doc, "id", buf_str(&id));
    cJSON_AddStringToObject(doc, "type", type);
    cJSON_AddStringToObject(doc, "source", source);
    cJSON_AddStringToObject(doc, "target", target);
    cJSON_AddStringToObject(doc, "source_type", catalog_collections[s->collection].name);
    cJSON_AddStringToObject(doc, "target_type", catalog_collections[t->collection].name);
    cJSON_AddTrueToObject(doc, "derived");
    from = cJSON_AddObjectToObject(doc, "derived_from");
    cJSON_AddStringToObject(from, "record", holder_id);
    cJSON_AddStringToObject(from, "field", field);
    cJSON_AddStringToObject(doc, "summary", buf_str(&label));
    cJSON_AddBoolToObject(doc, "explicit", bool_of(holder, "explicit"));
    cJSON_AddStringToObject(doc, "provenance",
                            text_of(holder, "provenance") ? text_of(holder, "provenance")
                                                          : "article");
    if (text_of(holder, "basis"))
        cJSON_AddStringToObject(doc, "basis", text_of(holder, "basis"));
    else
        cJSON_AddNullToObject(doc, "basis");
    cJSON_AddArrayToObject(doc, "evidence");
    doc_text = cJSON_PrintUnformatted(doc);
    if (!doc_text)
        goto done;
    rc = insert(L, ST_RECORD, "tttti", buf_str(&id), "relations", type, buf_str(&label),
                (long long)-1);
    if (!rc && sqlite3_changes(L->db) == 0)
        rc = edge_collision(L, buf_str(&id), source, type, target, holder_id, field);
    else if (!rc)
        rc =
            insert(L, ST_RELATION, "ttttttbttbttt", buf_str(&id), type, source, target,
                   catalog_collections[s->collection].name, catalog_collections[t->collection].name,
                   1, holder_id, field, bool_of(holder, "explicit"),
                   text_of(holder, "provenance") ? text_of(holder, "provenance") : "article",
                   (const char *)NULL, doc_text);
done:
    if (rc == STRATA_ENOMEM)
        load_fail(L, rc, "store: out of memory");
    free(doc_text);
    cJSON_Delete(doc);
    buf_release(&id);
    buf_release(&label);
    return rc;
}

/* Edges from every id of an array field: forward (id is target) or backward. */
static int load_edges(struct loader *L, const cJSON *record, const char *id, const char *field,
                      const char *type, bool holder_is_source)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, array_of(record, field))
    {
        int rc;
        if (!cJSON_IsString(ref))
            continue;
        rc = holder_is_source ? load_edge(L, id, type, ref->valuestring, record, id, field)
                              : load_edge(L, ref->valuestring, type, id, record, id, field);
        if (rc)
            return rc;
    }
    return 0;
}

/* Rows of a join table (holder, ordinal, id) from an array of ids. */
static int load_refs(struct loader *L, enum statement_id which, const cJSON *record, const char *id,
                     const char *field)
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

/* Aliases as rows and as one space-separated text for the FTS index. */
static int load_aliases(struct loader *L, const cJSON *record, const char *id, struct buf *all)
{
    const cJSON *alias;
    long long n = 0;
    cJSON_ArrayForEach(alias, array_of(record, "aliases"))
    {
        int rc;
        if (!cJSON_IsString(alias))
            continue;
        rc = insert(L, ST_ALIAS, "tit", id, ++n, alias->valuestring);
        if (rc)
            return rc;
        buf_printf(all, "%s%s", all->len ? " " : "", alias->valuestring);
    }
    return 0;
}

/* An object field with declared keys, rebuilt with every key in order. */
static cJSON *normalised_object(const cJSON *value, const char *const *keys)
{
    cJSON *out;
    if (!cJSON_IsObject(value))
        return cJSON_CreateNull();
    out = cJSON_CreateObject();
    if (!out)
        return NULL;
    for (size_t i = 0; keys[i]; i++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(value, keys[i]);
        cJSON *copy = item ? cJSON_Duplicate(item, 1) : cJSON_CreateNull();
        if (!copy) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(out, keys[i], copy);
    }
    return out;
}

/* Layer mechanisms or goals, their evidence given ids `<id>-<letter><i>-e<n>`. */
static cJSON *load_parts(struct loader *L, const cJSON *parts, const char *id, const char *field,
                         char letter)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *part;
    size_t i = 0;

    cJSON_ArrayForEach(part, parts)
    {
        char prefix[600], where[64];
        cJSON *copy = cJSON_CreateObject(), *evidence;
        const cJSON *item;

        if (!out || !copy) {
            cJSON_Delete(copy);
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToArray(out, copy);
        snprintf(prefix, sizeof(prefix), "%s-%c%zu-e", id, letter, i + 1);
        snprintf(where, sizeof(where), "%s[%zu].evidence", field, i);
        i++;
        cJSON_ArrayForEach(item, part)
        {
            if (strcmp(item->string, "evidence") == 0)
                continue;
            cJSON_AddItemToObject(copy, item->string, cJSON_Duplicate(item, 1));
        }
        if (strcmp(field, "mechanisms") == 0 &&
            !cJSON_GetObjectItemCaseSensitive(copy, "organization"))
            cJSON_AddNullToObject(copy, "organization");
        evidence = load_evidence(L, array_of(part, "evidence"), prefix, id, "layers", where);
        if (!evidence) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToObject(copy, "evidence", evidence);
    }
    return out;
}

/* The stored representation of a record: every catalog field, in order. */
static cJSON *load_doc(struct loader *L, const struct catalog_collection *c, const cJSON *record,
                       const char *id)
{
    cJSON *doc = cJSON_CreateObject();
    char prefix[600];

    if (!doc)
        return NULL;
    snprintf(prefix, sizeof(prefix), "%s-e", id);
    for (size_t i = 0; i < c->field_count; i++) {
        const struct catalog_field *f = &c->fields[i];
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, f->name);
        cJSON *copy;

        if (f->computed)
            continue;
        if (strcmp(f->name, "evidence") == 0)
            copy = load_evidence(L, array_of(record, "evidence"), prefix, id, c->name, "evidence");
        else if (strcmp(c->name, "layers") == 0 && strcmp(f->name, "mechanisms") == 0)
            copy = load_parts(L, value, id, "mechanisms", 'm');
        else if (strcmp(c->name, "layers") == 0 && strcmp(f->name, "goals") == 0)
            copy = load_parts(L, value, id, "goals", 'g');
        else if (strcmp(c->name, "relations") == 0 && strcmp(f->name, "source_type") == 0)
            copy = cJSON_CreateString(
                catalog_collections[idmap_find(&L->map, text_of(record, "source"))->collection]
                    .name);
        else if (strcmp(c->name, "relations") == 0 && strcmp(f->name, "target_type") == 0)
            copy = cJSON_CreateString(
                catalog_collections[idmap_find(&L->map, text_of(record, "target"))->collection]
                    .name);
        else if (strcmp(c->name, "relations") == 0 && strcmp(f->name, "derived") == 0)
            copy = cJSON_CreateFalse();
        else if (f->subfields)
            copy = normalised_object(value, f->subfields);
        else
            copy = value ? cJSON_Duplicate(value, 1) : cJSON_CreateNull();
        if (!copy) {
            cJSON_Delete(doc);
            return NULL;
        }
        cJSON_AddItemToObject(doc, f->name, copy);
    }
    return doc;
}

/* Extra searchable text of a record (besides label, aliases and summary). */
static void searchable_text(const struct catalog_collection *c, const cJSON *record,
                            struct buf *out)
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

/* The collection-specific rows of one record (its table, join tables, edges). */
static int load_rows(struct loader *L, const struct catalog_collection *c, const cJSON *r,
                     const char *id, long long position, const char *doc)
{
    int explicit = bool_of(r, "explicit");
    const char *prov = text_of(r, "provenance") ? text_of(r, "provenance") : "article";
    const char *name = c->name;
    int rc = 0;

    if (strcmp(name, "actors") == 0) {
        rc = insert(L, ST_ACTOR, "tttttbtit", id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "role"), explicit, prov, position, doc);
        if (!rc)
            rc = load_refs(L, ST_MEMBER, r, id, "members");
        if (!rc)
            rc = load_edges(L, r, id, "members", "member_of", false);
        if (!rc && text_of(r, "country"))
            rc = load_edge(L, id, "official_of", text_of(r, "country"), r, id, "country");
    } else if (strcmp(name, "organizations") == 0) {
        rc = insert(L, ST_ORGANIZATION, "tttbtit", id, text_of(r, "name"), text_of(r, "kind"),
                    explicit, prov, position, doc);
    } else if (strcmp(name, "places") == 0) {
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "coordinates");
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(at, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(at, "lon");
        bool located = cJSON_IsNumber(lat) && cJSON_IsNumber(lon);
        rc = insert(L, ST_PLACE, "tttttddbtit", id, text_of(r, "name"), text_of(r, "kind"),
                    text_of(r, "country"), text_of(r, "within"), located ? lat->valuedouble : NAN,
                    located ? lon->valuedouble : NAN, explicit, prov, position, doc);
        if (!rc && text_of(r, "country"))
            rc = load_edge(L, id, "located_in", text_of(r, "country"), r, id, "country");
        if (!rc && text_of(r, "within"))
            rc = load_edge(L, id, "located_in", text_of(r, "within"), r, id, "within");
    } else if (strcmp(name, "events") == 0) {
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(r, "date");
        rc = insert(L, ST_EVENT, "tttttttttbtit", id, text_of(r, "title"), text_of(r, "type"),
                    text_of(date, "text"), text_of(date, "start"), text_of(date, "end"),
                    text_of(date, "precision") ? text_of(date, "precision") : "unknown",
                    text_of(r, "place"), text_of(r, "organization"), explicit, prov, position, doc);
        if (!rc)
            rc = load_refs(L, ST_PARTICIPANT, r, id, "participants");
        if (!rc)
            rc = load_edges(L, r, id, "participants", "participant_in", false);
        if (!rc && text_of(r, "place"))
            rc = load_edge(L, id, "held_in", text_of(r, "place"), r, id, "place");
        if (!rc && text_of(r, "organization"))
            rc = load_edge(L, id, "convened_by", text_of(r, "organization"), r, id, "organization");
    } else if (strcmp(name, "layers") == 0) {
        const cJSON *part;
        long long n = 0;
        rc = insert(L, ST_LAYER, "titbtit", id,
                    (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "ordinal")),
                    text_of(r, "name"), explicit, prov, position, doc);
        if (!rc)
            rc = load_refs(L, ST_PARTNER, r, id, "partners");
        if (!rc)
            rc = load_refs(L, ST_LAYER_EVENT, r, id, "events");
        if (!rc)
            rc = load_edges(L, r, id, "partners", "partner_in", false);
        if (!rc)
            rc = load_edges(L, r, id, "events", "part_of", false);
        cJSON_ArrayForEach(part, array_of(r, "mechanisms"))
        {
            const char *org = text_of(part, "organization");
            char field[64];
            if (rc)
                break;
            n++;
            rc = insert(L, ST_MECHANISM, "titt", id, n,
                        text_of(part, "name") ? text_of(part, "name") : "", org);
            snprintf(field, sizeof(field), "mechanisms[%lld].organization", n - 1);
            if (!rc && org)
                rc = load_edge(L, org, "mechanism_of", id, r, id, field);
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
        rc = insert(L, ST_THREAT, "tttbtit", id, text_of(r, "name"), text_of(r, "kind"), explicit,
                    prov, position, doc);
        if (!rc)
            rc = load_refs(L, ST_SOURCE, r, id, "sources");
        if (!rc)
            rc = load_refs(L, ST_TARGET, r, id, "targets");
        if (!rc)
            rc = load_edges(L, r, id, "sources", "source_of", false);
        if (!rc)
            rc = load_edges(L, r, id, "targets", "threatens", true);
    } else if (strcmp(name, "claims") == 0) {
        rc = insert(L, ST_CLAIM, "ttttttbtit", id, text_of(r, "title"), text_of(r, "text"),
                    text_of(r, "kind"), text_of(r, "certainty"), text_of(r, "hedge"), explicit,
                    prov, position, doc);
        if (!rc)
            rc = load_refs(L, ST_ABOUT, r, id, "about");
        if (!rc)
            rc = load_edges(L, r, id, "about", "about", true);
    } else if (strcmp(name, "relations") == 0) {
        const struct entry *s = idmap_find(&L->map, text_of(r, "source"));
        const struct entry *t = idmap_find(&L->map, text_of(r, "target"));
        if (!s || !t)
            return load_fail(L, STRATA_EINVAL, "relation refers to an unknown id");
        rc =
            insert(L, ST_RELATION, "ttttttbttbtit", id, text_of(r, "type"), s->id, t->id,
                   catalog_collections[s->collection].name, catalog_collections[t->collection].name,
                   0, (const char *)NULL, (const char *)NULL, explicit, prov, position, doc);
    }
    return rc;
}

/* Everything about one record: doc, evidence, rows, edges, FTS row. */
static int load_record(struct loader *L, const struct catalog_collection *c, const cJSON *r)
{
    const char *id = text_of(r, "id");
    const struct entry *e = idmap_find(&L->map, id);
    cJSON *doc = load_doc(L, c, r, id);
    char *doc_text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    struct buf aliases, text;
    int rc;

    buf_init(&aliases, 0);
    buf_init(&text, 0);
    if (!doc_text) {
        rc = load_fail(L, STRATA_ENOMEM, "out of memory");
        goto done;
    }
    rc = load_rows(L, c, r, id, position_of(r), doc_text);
    if (!rc && (strcmp(c->name, "actors") == 0 || strcmp(c->name, "organizations") == 0 ||
                strcmp(c->name, "places") == 0))
        rc = load_aliases(L, r, id, &aliases);
    searchable_text(c, r, &text);
    if (aliases.failed || text.failed)
        rc = load_fail(L, STRATA_ENOMEM, "out of memory");
    if (!rc)
        rc = insert(L, ST_FTS, "tttttttt", "record", c->name, id, id, e->label, buf_str(&aliases),
                    text_of(r, "summary") ? text_of(r, "summary") : "", buf_str(&text));
done:
    buf_release(&aliases);
    buf_release(&text);
    free(doc_text);
    cJSON_Delete(doc);
    return rc;
}

/* Pass one: the id map (collection, label) of every record. */
static int load_map(struct loader *L)
{
    size_t count = 0;

    for (size_t i = 0; i < catalog_collection_count; i++)
        count += (size_t)cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(L->model->root, catalog_collections[i].name));
    if (idmap_init(&L->map, count) != 0)
        return load_fail(L, STRATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *r;
        size_t n = 0;
        cJSON_ArrayForEach(r, array_of(L->model->root, c->name))
        {
            const char *id = text_of(r, "id");
            struct entry *e;
            snprintf(L->where, sizeof(L->where), "$.%s[%zu]", c->name, n++);
            if (!id)
                return load_fail(L, STRATA_EINVAL, "record without an id");
            e = idmap_slot(&L->map, id);
            if (e->id)
                return load_fail(L, STRATA_EINVAL, "id '%s' is used twice", id);
            e->id = id;
            e->record = r;
            e->collection = i;
            e->label = text_of(r, c->label) ? text_of(r, c->label) : id;
        }
    }
    return 0;
}

/* Pass two: one `records` row per record, so that every reference resolves. */
static int load_records(struct loader *L)
{
    struct buf label;
    int rc = 0;

    buf_init(&label, 0);
    for (size_t i = 0; i < catalog_collection_count && !rc; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *r;
        size_t n = 0;
        cJSON_ArrayForEach(r, array_of(L->model->root, c->name))
        {
            const char *id = text_of(r, "id");
            const char *shown = idmap_find(&L->map, id)->label;
            snprintf(L->where, sizeof(L->where), "$.%s[%zu]", c->name, n++);
            if (strcmp(c->name, "relations") == 0) {
                const struct entry *s = idmap_find(&L->map, text_of(r, "source"));
                const struct entry *t = idmap_find(&L->map, text_of(r, "target"));
                if (!s || !t)
                    return load_fail(L, STRATA_EINVAL, "relation refers to an unknown id");
                buf_reset(&label);
                buf_printf(&label, "%s %s %s", s->label, shown, t->label);
                if (label.failed) {
                    rc = load_fail(L, STRATA_ENOMEM, "out of memory");
                    break;
                }
                shown = buf_str(&label);
            }
            rc = insert(L, ST_RECORD, "tttti", id, c->name, c->kind ? text_of(r, c->kind) : NULL,
                        shown, position_of(r) < 0 ? (long long)-1 : position_of(r));
            if (!rc && sqlite3_changes(L->db) == 0)
                rc = load_fail(L, STRATA_EINVAL, "id '%s' is used twice", id);
            if (rc)
                break;
        }
    }
    buf_release(&label);
    return rc;
}

/* Each collection's default order as `records.rank`, for related lists. */
static int load_ranks(struct loader *L)
{
    struct buf sql;
    int rc = 0;

    buf_init(&sql, 0);
    for (size_t i = 0; i < catalog_collection_count && !rc; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        if (strcmp(c->name, "evidence") == 0)
            continue; /* ranked by position (its start), which it has */
        buf_reset(&sql);
        buf_puts(&sql, "UPDATE records SET rank = o.r FROM (SELECT id, row_number() OVER (");
        append_order(&sql, c, NULL, 0, "");
        buf_printf(&sql, ") AS r FROM %s) AS o WHERE records.id = o.id", c->table);
        if (sql.failed)
            rc = load_fail(L, STRATA_ENOMEM, "out of memory");
        else if (sqlite3_exec(L->db, buf_str(&sql), NULL, NULL, NULL) != SQLITE_OK)
            rc = load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    }
    buf_release(&sql);
    return rc;
}

static int exec_sql(struct loader *L, const char *sql)
{
    if (sqlite3_exec(L->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    return 0;
}

static int load_all(struct loader *L)
{
    int rc;

    rc = exec_sql(L, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = OFF; PRAGMA synchronous "
                     "= OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144; BEGIN");
    if (!rc)
        rc = exec_sql(L, schema_sql);
    for (int i = 0; i < ST_COUNT && !rc; i++)
        if (sqlite3_prepare_v3(L->db, insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &L->stmts[i],
                               NULL) != SQLITE_OK)
            rc = load_fail(L, STRATA_ESTORE, "store: %s", sqlite3_errmsg(L->db));
    if (!rc)
        rc = load_map(L);
    if (!rc)
        rc = load_records(L);
    for (size_t i = 0; i < catalog_collection_count && !rc; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *r;
        size_t n = 0;
        cJSON_ArrayForEach(r, array_of(L->model->root, c->name))
        {
            snprintf(L->where, sizeof(L->where), "$.%s[%zu]", c->name, n++);
            rc = load_record(L, c, r);
            if (rc)
                break;
        }
    }
    L->where[0] = '\0';
    if (!rc)
        rc = exec_sql(L, index_sql);
    if (!rc)
        rc = load_ranks(L);
    if (!rc)
        rc = exec_sql(L, "COMMIT");
    return rc;
}

int store_open(const struct model *model, struct store **out, struct model_error *err)
{
    static atomic_ulong counter;
    struct loader L;
    struct store *store;
    struct timespec t0, t1;
    sqlite3_int64 limit = STORE_MAX_BYTES;
    int rc;

    if (!model || !model->root || !out || !err)
        return STRATA_EINVAL;
    memset(err, 0, sizeof(*err));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    store = calloc(1, sizeof(*store));
    if (!store)
        return STRATA_ENOMEM;
    store->model = model;
    snprintf(store->uri, sizeof(store->uri), "file:/strata-%ld-%lu?vfs=memdb", (long)getpid(),
             atomic_fetch_add(&counter, 1) + 1);
    memset(&L, 0, sizeof(L));
    L.model = model;
    L.err = err;
    if (sqlite3_open_v2(store->uri, &store->writer,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        L.db = store->writer;
        rc = load_fail(&L, STRATA_ESTORE, "store: cannot create the database: %s",
                       store->writer ? sqlite3_errmsg(store->writer) : "out of memory");
        goto fail;
    }
    L.db = store->writer;
    sqlite3_file_control(store->writer, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    rc = load_all(&L);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(L.stmts[i]);
    free(L.map.entries);
    if (rc)
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    store->load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = store;
    return 0;
fail:
    store_free(store);
    return rc;
}

void store_free(struct store *store)
{
    if (!store)
        return;
    for (size_t i = 0; i < STORE_SLOTS; i++)
        slot_close(&store->slots[i]);
    sqlite3_close(store->writer);
    free(store);
}

double store_load_seconds(const struct store *store)
{
    return store ? store->load_seconds : 0.0;
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
    if (rc != SQLITE_OK)
        error_from(error, dest);
    sqlite3_close(dest);
    return rc == SQLITE_OK ? 0 : STRATA_EIO;
}

/* ------------------------------------------------------------------ */
/* queries                                                             */

/* Bind b's values (as many as stmt takes). */
static int bind_all(const struct builder *b, sqlite3_stmt *stmt)
{
    size_t n = (size_t)sqlite3_bind_parameter_count(stmt);
    struct builder view = *b;
    if (view.count > n)
        view.count = n;
    return builder_bind(&view, stmt);
}

/* Prepare sql on slot and bind b. On failure fills error. */
static int prepare_bound(struct slot *slot, const char *sql, const struct builder *b,
                         sqlite3_stmt **stmt, struct store_error *error)
{
    int rc;
    *stmt = NULL;
    rc = slot_prepare(slot, sql, stmt);
    if (rc == 0 && b)
        rc = bind_all(b, *stmt);
    if (rc) {
        error_from(error, slot->db);
        if (*stmt)
            statement_done(*stmt);
        *stmt = NULL;
    }
    return rc;
}

/*
 * The code for a failed step: a full-text expression FTS5 rejects is the
 * client's error (EPARSE), anything else is ours.
 */
static int step_error(struct slot *slot, int sqlite_rc, bool has_text, struct store_error *error)
{
    error_from(error, slot->db);
    if (sqlite_rc == SQLITE_NOMEM)
        return STRATA_ENOMEM;
    return has_text && sqlite_rc == SQLITE_ERROR ? STRATA_EPARSE : STRATA_ESTORE;
}

static cJSON *parse_column(sqlite3_stmt *stmt, int column)
{
    const char *text = (const char *)sqlite3_column_text(stmt, column);
    if (!text)
        return NULL;
    return cJSON_ParseWithLength(text, (size_t)sqlite3_column_bytes(stmt, column));
}

/* Static collection name for a type column value (NULL when unknown). */
static const char *collection_name(const unsigned char *type)
{
    const struct catalog_collection *c = catalog_find((const char *)type);
    return c ? c->name : NULL;
}

int store_record_type(struct store *store, const char *id, const char **collection)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (!store || !id || !collection)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    rc = slot_prepare(slot, "SELECT type FROM records WHERE id = ?1", &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        switch (sqlite3_step(stmt)) {
        case SQLITE_ROW:
            *collection = collection_name(sqlite3_column_text(stmt, 0));
            rc = *collection ? 0 : STRATA_ESTORE;
            break;
        case SQLITE_DONE:
            rc = STRATA_ENOTFOUND;
            break;
        default:
            rc = STRATA_ESTORE;
        }
    }
    statement_done(stmt);
    slot_release(store, slot);
    return rc;
}

int store_get(struct store *store, const struct catalog_collection *c, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    char sql[128];
    int rc;

    if (!store || !c || !id || !out)
        return STRATA_EINVAL;
    slot = slot_acquire(store, &spare);
    if (!slot)
        return STRATA_ESTORE;
    snprintf(sql, sizeof(sql), "SELECT doc FROM %s WHERE id = ?1", c->table);
    rc = slot_prepare(slot, sql, &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        switch (sqlite3_step(stmt)) {
        case SQLITE_ROW:
            *out = parse_column(stmt, 0);
            rc = *out ? 0 : STRATA_ENOMEM;
            break;
        case SQLITE_DONE:
            rc = STRATA_ENOTFOUND;
            break;
        default:
            rc = STRATA_ESTORE;
        }
    }
    statement_done(stmt);
    slot_release(store, slot);
    return rc;
}

/* Append every row's column 0 (a JSON doc) to array. */
static int collect_docs(struct slot *slot, sqlite3_stmt *stmt, cJSON *array, bool has_text,
                        struct store_error *error)
{
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *doc = parse_column(stmt, 0);
        if (!doc)
            return STRATA_ENOMEM;
        cJSON_AddItemToArray(array, doc);
    }
    return step == SQLITE_DONE ? 0 : step_error(slot, step, has_text, error);
}

int store_select(struct store *store, const struct query *q, struct store_page *page,
                 struct store_error *error)
{
    const struct catalog_collection *c;
    struct builder where;
    struct buf sql;
    struct slot spare, *slot = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t limit_n = 0, offset_n = 0;
    int rc, step;

    if (!store || !q || !q->collection || !page)
        return STRATA_EINVAL;
    c = q->collection;
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

    buf_printf(&sql, "SELECT count(*) FROM %s%s", c->table, buf_str(&where.sql));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &where, &stmt, error);
    if (rc)
        goto done;
    step = sqlite3_step(stmt);
    if (step != SQLITE_ROW) {
        rc = step_error(slot, step, q->text != NULL, error);
        goto done;
    }
    page->total = sqlite3_column_int64(stmt, 0);
    statement_done(stmt);
    stmt = NULL;
    if (page->total == 0 || (q->limit && (long long)q->offset >= page->total))
        goto done;

    buf_reset(&sql);
    buf_printf(&sql, "SELECT doc FROM %s%s", c->table, buf_str(&where.sql));
    append_order(&sql, c, q->sorts, q->sort_count, "");
    if (q->limit)
        buf_printf(&sql, " LIMIT ?%zu OFFSET ?%zu", limit_n, offset_n);
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &where, &stmt, error);
    if (!rc)
        rc = collect_docs(slot, stmt, page->records, q->text != NULL, error);
done:
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    builder_release(&where);
    if (rc) {
        cJSON_Delete(page->records);
        page->records = NULL;
        page->total = 0;
    }
    return rc;
}

static cJSON *link_entry(const char *type, const char *id, const char *label)
{
    cJSON *entry = cJSON_CreateObject();
    char href[1024];
    snprintf(href, sizeof(href), "/v1/%s/%s", type, id);
    cJSON_AddStringToObject(entry, "id", id);
    cJSON_AddStringToObject(entry, "label", label ? label : id);
    cJSON_AddStringToObject(entry, "href", href);
    return entry;
}

/*
 * The CTE rel(type, id): what record ?1 is joined to. The other end of every
 * relation it is an end of, those relations, its evidence spans; for an
 * evidence span its record, for a relation its two ends.
 */
static void append_related(struct buf *sql)
{
    buf_puts(sql, "WITH rel(type, id) AS ("
                  "SELECT target_type, target FROM relations WHERE source = ?1 "
                  "UNION SELECT source_type, source FROM relations WHERE target = ?1 "
                  "UNION SELECT 'relations', id FROM relations WHERE source = ?1 "
                  "UNION SELECT 'relations', id FROM relations WHERE target = ?1 "
                  "UNION SELECT 'evidence', id FROM evidence WHERE record_id = ?1 "
                  "UNION SELECT record_type, record_id FROM evidence WHERE id = ?1 "
                  "UNION SELECT source_type, source FROM relations WHERE id = ?1 "
                  "UNION SELECT target_type, target FROM relations WHERE id = ?1)");
}

int store_related(struct store *store, const char *id, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    struct buf sql;
    cJSON *related;
    int rc, step;

    if (!store || !id || !out)
        return STRATA_EINVAL;
    related = cJSON_CreateObject();
    if (!related)
        return STRATA_ENOMEM;
    for (size_t i = 0; i < catalog_collection_count; i++)
        cJSON_AddArrayToObject(related, catalog_collections[i].name);
    slot = slot_acquire(store, &spare);
    if (!slot) {
        cJSON_Delete(related);
        return STRATA_ESTORE;
    }
    buf_init(&sql, 0);
    append_related(&sql);
    buf_puts(&sql, " SELECT rel.type, rel.id, r.label FROM rel JOIN records r ON r.id = rel.id "
                   "ORDER BY ");
    append_type_order(&sql, "rel.type");
    buf_puts(&sql, ", coalesce(r.rank, r.position), rel.id");
    rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *type = collection_name(sqlite3_column_text(stmt, 0));
            cJSON *list = type ? cJSON_GetObjectItemCaseSensitive(related, type) : NULL;
            if (list)
                cJSON_AddItemToArray(list,
                                     link_entry(type, (const char *)sqlite3_column_text(stmt, 1),
                                                (const char *)sqlite3_column_text(stmt, 2)));
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    if (rc) {
        cJSON_Delete(related);
        return rc;
    }
    *out = related;
    return 0;
}

int store_related_records(struct store *store, const char *id, const struct catalog_collection *c,
                          cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
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
    append_related(&sql);
    buf_printf(&sql,
               " SELECT t.doc FROM rel JOIN records r ON r.id = rel.id JOIN %s t ON t.id = "
               "rel.id WHERE rel.type = ?2 ORDER BY coalesce(r.rank, r.position), rel.id",
               c->table);
    rc = sql.failed ? STRATA_ENOMEM : slot_prepare(slot, buf_str(&sql), &stmt);
    if (!rc) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, c->name, -1, SQLITE_STATIC);
        rc = collect_docs(slot, stmt, records, false, NULL);
    }
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    if (rc) {
        cJSON_Delete(records);
        return rc;
    }
    *out = records;
    return 0;
}

/* Code-point offsets of the \x01..\x02 marked runs of a highlighted quote. */
static cJSON *highlight_spans(const char *marked, long long base)
{
    cJSON *spans = cJSON_CreateArray();
    long long chars = 0, open = -1;

    for (const unsigned char *p = (const unsigned char *)marked; p && *p; p++) {
        if (*p == 1) {
            open = chars;
        } else if (*p == 2) {
            if (open >= 0) {
                cJSON *span = cJSON_CreateObject();
                cJSON_AddNumberToObject(span, "start", (double)(base + open));
                cJSON_AddNumberToObject(span, "end", (double)(base + chars));
                cJSON_AddItemToArray(spans, span);
            }
            open = -1;
        } else if ((*p & 0xc0) != 0x80) {
            chars++;
        }
    }
    return spans;
}

/* ` AND fts.type IN (...)` for a search restricted to some collections. */
static void append_search_types(struct builder *b, const struct store_search *s)
{
    if (!s->types || s->type_count == 0)
        return;
    buf_puts(&b->sql, " AND fts.type IN (");
    for (size_t i = 0; i < s->type_count; i++) {
        if (i)
            buf_putc(&b->sql, ',');
        builder_text(b, s->types[i]->name);
    }
    buf_putc(&b->sql, ')');
}

static cJSON *search_hit(sqlite3_stmt *stmt)
{
    const char *kind = (const char *)sqlite3_column_text(stmt, 0);
    const char *type = collection_name(sqlite3_column_text(stmt, 1));
    const char *id = (const char *)sqlite3_column_text(stmt, 2);
    const char *label = (const char *)sqlite3_column_text(stmt, 7);
    cJSON *hit = cJSON_CreateObject();
    char href[1024];

    snprintf(href, sizeof(href), "/v1/%s/%s", type ? type : "", id ? id : "");
    cJSON_AddStringToObject(hit, "type", type ? type : "");
    cJSON_AddStringToObject(hit, "id", id ? id : "");
    cJSON_AddStringToObject(hit, "label", label ? label : "");
    cJSON_AddStringToObject(hit, "href", href);
    cJSON_AddNumberToObject(hit, "score", round(-sqlite3_column_double(stmt, 4) * 1e6) / 1e6);
    cJSON_AddStringToObject(hit, "snippet", (const char *)sqlite3_column_text(stmt, 5));
    if (kind && strcmp(kind, "evidence") == 0) {
        const char *owner = (const char *)sqlite3_column_text(stmt, 3);
        const char *owner_type = collection_name(sqlite3_column_text(stmt, 8));
        long long start = sqlite3_column_int64(stmt, 10);
        cJSON *record = cJSON_CreateObject();
        cJSON_AddStringToObject(record, "type", owner_type ? owner_type : "");
        cJSON_AddItemToObject(record, "id", cJSON_CreateString(owner ? owner : ""));
        snprintf(href, sizeof(href), "/v1/%s/%s", owner_type ? owner_type : "", owner ? owner : "");
        cJSON_AddStringToObject(record, "label", (const char *)sqlite3_column_text(stmt, 9));
        cJSON_AddStringToObject(record, "href", href);
        cJSON_AddItemToObject(hit, "record", record);
        cJSON_AddNumberToObject(hit, "start", (double)start);
        cJSON_AddNumberToObject(hit, "end", (double)sqlite3_column_int64(stmt, 11));
        cJSON_AddNumberToObject(hit, "paragraph", (double)sqlite3_column_int64(stmt, 12));
        cJSON_AddItemToObject(hit, "highlights",
                              highlight_spans((const char *)sqlite3_column_text(stmt, 6), start));
    }
    return hit;
}

int store_search(struct store *store, const struct store_search *s, cJSON **hits, long long *total,
                 struct store_error *error)
{
    struct builder b;
    struct buf sql;
    struct slot spare, *slot = NULL;
    sqlite3_stmt *stmt = NULL;
    cJSON *list = NULL;
    size_t limit_n, offset_n;
    int rc, step;

    if (!store || !s || !s->text || !hits || !total)
        return STRATA_EINVAL;
    builder_init(&b);
    buf_init(&sql, 1024 * 1024);
    buf_puts(&b.sql, " WHERE fts MATCH ");
    builder_text(&b, s->text);
    append_search_types(&b, s);
    limit_n = builder_value(&b, BOUND_INTEGER, NULL, (long long)s->limit);
    offset_n = builder_value(&b, BOUND_INTEGER, NULL, (long long)s->offset);
    list = cJSON_CreateArray();
    rc = (!list || b.sql.failed) ? STRATA_ENOMEM : 0;
    if (!rc) {
        slot = slot_acquire(store, &spare);
        rc = slot ? 0 : STRATA_ESTORE;
    }
    if (rc)
        goto done;
    buf_printf(&sql, "SELECT count(*) FROM fts%s", buf_str(&b.sql));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, error);
    if (rc)
        goto done;
    step = sqlite3_step(stmt);
    if (step != SQLITE_ROW) {
        rc = step_error(slot, step, true, error);
        goto done;
    }
    *total = sqlite3_column_int64(stmt, 0);
    statement_done(stmt);
    stmt = NULL;
    buf_reset(&sql);
    buf_printf(&sql,
               "SELECT fts.kind, fts.type, fts.id, fts.owner, bm25(fts, 0, 0, 0, 0, 10.0, 6.0, "
               "3.0, 1.0) AS score, snippet(fts, -1, '<mark>', '</mark>', '\xe2\x80\xa6', 16), "
               "CASE WHEN fts.kind = 'evidence' THEN highlight(fts, 7, char(1), char(2)) END, "
               "r.label, o.type, o.label, e.span_start, e.span_end, e.paragraph FROM fts JOIN "
               "records r ON r.id = fts.id LEFT JOIN records o ON fts.kind = 'evidence' AND o.id "
               "= fts.owner LEFT JOIN evidence e ON fts.kind = 'evidence' AND e.id = fts.id%s "
               "ORDER BY score, fts.id LIMIT ?%zu OFFSET ?%zu",
               buf_str(&b.sql), limit_n, offset_n);
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, error);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        cJSON_AddItemToArray(list, search_hit(stmt));
    if (step != SQLITE_DONE)
        rc = step_error(slot, step, true, error);
done:
    statement_done(stmt);
    slot_release(store, slot);
    buf_release(&sql);
    builder_release(&b);
    if (rc) {
        cJSON_Delete(list);
        return rc;
    }
    *hits = list;
    return 0;
}

/* `?a,?b,...` for n values numbered from first. */
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

/* The CTEs `kept` (node filter) and `nodes` (kept, or around's neighbourhood). */
static void graph_prefix(struct builder *b, const struct store_graph_query *g, struct buf *edge)
{
    bool first = true;

    buf_puts(&b->sql, "WITH RECURSIVE kept(id) AS (SELECT id FROM records WHERE type IN (");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        if (!catalog_collections[i].node)
            continue;
        buf_printf(&b->sql, "%s'%s'", first ? "" : ",", catalog_collections[i].name);
        first = false;
    }
    buf_putc(&b->sql, ')');
    if (g->types && g->type_count) {
        buf_puts(&b->sql, " AND type IN (");
        for (size_t i = 0; i < g->type_count; i++) {
            if (i)
                buf_putc(&b->sql, ',');
            builder_text(b, g->types[i]->name);
        }
        buf_putc(&b->sql, ')');
    }
    if (g->layers && g->layer_count) {
        size_t n = builder_texts(b, g->layers, g->layer_count);
        buf_puts(&b->sql, " AND (id IN (");
        append_numbers(&b->sql, n, g->layer_count);
        buf_puts(&b->sql, ") OR id IN (SELECT source FROM relations WHERE target IN (");
        append_numbers(&b->sql, n, g->layer_count);
        buf_puts(&b->sql, ") UNION ALL SELECT target FROM relations WHERE source IN (");
        append_numbers(&b->sql, n, g->layer_count);
        buf_puts(&b->sql, ")))");
    }
    buf_putc(&b->sql, ')');

    /* the edge condition, on relations aliased e */
    buf_puts(edge, "1");
    if (g->relation_types && g->relation_type_count) {
        size_t n = builder_texts(b, g->relation_types, g->relation_type_count);
        buf_puts(edge, " AND e.type IN (");
        append_numbers(edge, n, g->relation_type_count);
        buf_putc(edge, ')');
    }
    if (g->derived >= 0)
        buf_printf(edge, " AND e.derived = %d", g->derived ? 1 : 0);

    if (g->around) {
        size_t around = builder_value(b, BOUND_TEXT, g->around, 0);
        size_t depth = builder_value(b, BOUND_INTEGER, NULL, g->depth);
        buf_printf(&b->sql,
                   ", hop(id, depth) AS (SELECT id, 0 FROM kept WHERE id = ?%zu UNION SELECT "
                   "e.target, hop.depth + 1 FROM hop JOIN relations e ON e.source = hop.id "
                   "WHERE hop.depth < ?%zu AND %s AND e.target IN kept UNION SELECT e.source, "
                   "hop.depth + 1 FROM hop JOIN relations e ON e.target = hop.id WHERE "
                   "hop.depth < ?%zu AND %s AND e.source IN kept), nodes(id) AS (SELECT "
                   "DISTINCT id FROM hop)",
                   around, depth, buf_str(edge), depth, buf_str(edge));
    } else {
        buf_puts(&b->sql, ", nodes(id) AS (SELECT id FROM kept)");
    }
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

    buf_printf(&sql, "%s SELECT r.id, r.type, r.kind, r.label, ", buf_str(&b.sql));
    append_type_order(&sql, "r.type");
    buf_puts(&sql, " AS type_order FROM records r WHERE r.id IN nodes ORDER BY type_order, "
                   "r.rank, r.id");
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, NULL);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *node = cJSON_CreateObject();
        const char *kind = (const char *)sqlite3_column_text(stmt, 2);
        cJSON_AddStringToObject(node, "id", (const char *)sqlite3_column_text(stmt, 0));
        cJSON_AddStringToObject(node, "type", (const char *)sqlite3_column_text(stmt, 1));
        if (kind)
            cJSON_AddStringToObject(node, "kind", kind);
        else
            cJSON_AddNullToObject(node, "kind");
        cJSON_AddStringToObject(node, "label", (const char *)sqlite3_column_text(stmt, 3));
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
               "%s SELECT e.id, e.source, e.target, e.type, e.derived FROM relations e WHERE "
               "e.source IN nodes AND e.target IN nodes AND %s ORDER BY e.id",
               buf_str(&b.sql), buf_str(&edge));
    rc = sql.failed ? STRATA_ENOMEM : prepare_bound(slot, buf_str(&sql), &b, &stmt, NULL);
    if (rc)
        goto done;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", (const char *)sqlite3_column_text(stmt, 0));
        cJSON_AddStringToObject(e, "source", (const char *)sqlite3_column_text(stmt, 1));
        cJSON_AddStringToObject(e, "target", (const char *)sqlite3_column_text(stmt, 2));
        cJSON_AddStringToObject(e, "type", (const char *)sqlite3_column_text(stmt, 3));
        cJSON_AddBoolToObject(e, "derived", sqlite3_column_int(stmt, 4));
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
        cJSON_AddStringToObject(item, name_key, (const char *)sqlite3_column_text(stmt, 0));
        cJSON_AddNumberToObject(item, "count", (double)sqlite3_column_int64(stmt, 1));
        cJSON_AddItemToArray(series, item);
    }
    statement_done(stmt);
    return step == SQLITE_DONE ? 0 : STRATA_ESTORE;
}

int store_stats(struct store *store, cJSON **out)
{
    struct slot spare, *slot;
    sqlite3_stmt *stmt = NULL;
    cJSON *stats, *counts, *layers;
    int rc, step;

    if (!store || !out)
        return STRATA_EINVAL;
    stats = cJSON_CreateObject();
    if (!stats)
        return STRATA_ENOMEM;
    slot = slot_acquire(store, &spare);
    if (!slot) {
        cJSON_Delete(stats);
        return STRATA_ESTORE;
    }
    counts = cJSON_AddObjectToObject(stats, "counts");
    for (size_t i = 0; i < catalog_collection_count; i++)
        cJSON_AddNumberToObject(counts, catalog_collections[i].name, 0);
    rc = slot_prepare(slot, "SELECT type, count(*) FROM records GROUP BY type", &stmt);
    if (!rc) {
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *type = collection_name(sqlite3_column_text(stmt, 0));
            if (type)
                cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(counts, type),
                                     (double)sqlite3_column_int64(stmt, 1));
        }
        rc = step == SQLITE_DONE ? 0 : STRATA_ESTORE;
    }
    statement_done(stmt);
    stmt = NULL;

    layers = cJSON_AddArrayToObject(stats, "events_per_layer");
    if (!rc)
        rc = slot_prepare(slot,
                          "SELECT l.id, l.name, l.ordinal, count(x.event_id) FROM layers l LEFT "
                          "JOIN layer_events x ON x.layer_id = l.id GROUP BY l.id ORDER BY "
                          "l.ordinal, l.id",
                          &stmt);
    if (!rc) {
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            cJSON *layer = cJSON_CreateObject();
            cJSON_AddStringToObject(layer, "id", (const char *)sqlite3_column_text(stmt, 0));
            cJSON_AddStringToObject(layer, "name", (const char *)sqlite3_column_text(stmt, 1));
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
    slot_release(store, slot);
    if (rc) {
        cJSON_Delete(stats);
        return rc;
    }
    *out = stats;
    return 0;
}
