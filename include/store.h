/*
 * store.h - the embedded SQLite database that holds one loaded model.
 *
 * The only module that includes sqlite3.h (its files, in server/store/, share
 * server/store/store_private.h). store_open() copies a validated
 * model into a normalised in-memory database (foreign keys, indexes for every
 * API filter, an FTS5 index) in one transaction; afterwards the store is
 * read-only and its query functions may be called from any number of threads
 * at once (each call borrows one of the store's read-only connections; there
 * is no global lock).
 *
 * What the store adds to the model:
 * - evidence ids: `<record id>-e<n>` for a record's evidence, and
 *   `<layer id>-m<i>-e<n>` / `<layer id>-g<i>-e<n>` for the evidence of a
 *   layer's i-th mechanism or goal (1-based), added as `id` to every span;
 * - derived relations: the reference fields of docs/MODEL.md as edges with
 *   id `<source>-<type with - for _>-<target>` (a slug like every id),
 *   `derived: true` and `derived_from: {record, field}`; store_open()
 *   refuses a model where such an id is already another record's, another
 *   derived edge's or an evidence span's (the same edge stated twice is one);
 * - records are rendered with every catalog field present, in catalog
 *   order (a missing optional field is null).
 *
 * Query functions return cJSON trees that the caller owns (cJSON_Delete), and
 * an error code: STRATA_ENOTFOUND for an unknown id, STRATA_EPARSE for a
 * full-text expression that FTS5 rejects (message in *error: a 400 for the
 * client), STRATA_ESTORE or STRATA_ENOMEM for internal failures.
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "model.h"

struct store;
struct query;

/* Why a query failed, for the problem detail (EPARSE) or the log. */
struct store_error {
    char message[256];
};

/*
 * Build the store for a validated model. On success *out owns a new store
 * (free with store_free) and 0 is returned; on failure err says why.
 * The model must outlive the store, but the store keeps no pointer into
 * model->root: the tree may be released (model_release_tree) once this
 * returns.
 */
int store_open(const struct model *model, struct store **out, struct model_error *err);

/* Free a store and every connection to it; NULL is a no-op. */
void store_free(struct store *store);

/*
 * The compiled model file: one SQLite database holding everything the server
 * needs (every table, the FTS5 index, one plain JSON document per record in
 * `docs`, and in `strata_meta` the model version, the model file's hash,
 * source, article, paragraphs and counts). PRAGMA application_id is
 * STORE_APPLICATION_ID and PRAGMA user_version STORE_FILE_FORMAT.
 */
#define STORE_APPLICATION_ID 0x53747261 /* "Stra" */
#define STORE_FILE_FORMAT 1

/*
 * Write a store built by store_open() and its model as a compiled model file
 * at path: written to a temporary file in the same folder, ANALYZEd,
 * VACUUMed, sealed (the change counter it will have is recorded, so that a
 * later write is seen), synced, then renamed over path. STRATA_EIO with
 * error->message on failure (nothing is left at path or beside it).
 */
int store_export(struct store *store, const char *path, struct store_error *error);

/*
 * Open a compiled model file read-only (mode=ro, immutable, memory-mapped):
 * no JSON is parsed or validated. Before anything is served it checks the
 * SQLite header (size against the page count: truncation), the
 * application_id (a foreign file), the format version, that nothing wrote
 * to it after it was sealed (tampering), the tables, and that the recorded
 * model version is the hash of the recorded model hash and article. On
 * success *out is the store and *model the model it holds (source, article,
 * paragraphs, counts, version; model_free); on failure err->file is path
 * and err->message names the failed check. full (--check), and any file
 * of at most 16 MiB, also gets PRAGMA integrity_check over every page and
 * the article hashed against the version; a larger file is opened in
 * milliseconds and its pages are read when a request needs them (check it
 * once with --check where it is built).
 */
int store_open_file(const char *path, bool full, struct store **out, struct model **model,
                    struct model_error *err);

/* True when the file at path starts with the SQLite header (a compiled model or a foreign
 * database). */
bool store_is_file(const char *path);

/* Seconds store_open() took to build the database (for logs and metrics). */
double store_load_seconds(const struct store *store);

/*
 * The collection of the record (or evidence span, or relation) called id:
 * *collection is set to the catalog's name ("actors"). STRATA_ENOTFOUND when
 * there is none.
 */
int store_record_type(struct store *store, const char *id, const char **collection);

/*
 * The label (name or title) of the record id into *label (malloc'ed; the
 * caller frees), or STRATA_ENOTFOUND.
 */
int store_label(struct store *store, const char *id, char **label);

/* The record id of collection c, or STRATA_ENOTFOUND. */
int store_get(struct store *store, const struct catalog_collection *c, const char *id, cJSON **out);

/* One page of a collection query. */
struct store_page {
    cJSON *records;  /* array of records (owned by the caller) */
    long long total; /* records matching, regardless of limit/offset */
};

/* Run a validated query (query.h). */
int store_select(struct store *store, const struct query *q, struct store_page *page,
                 struct store_error *error);

/*
 * Every record a validated query matches, in its order from its offset
 * (its limit is not used), a chunk at a time: what limit=all streams. The
 * cursor holds one read connection until it is closed; each call runs
 * under the calling thread's current budget (budget.h), not the opener's.
 * q must outlive the cursor. On success *out owns the cursor and *total is
 * the number of matching records (regardless of the offset).
 */
struct store_cursor;
int store_cursor_open(struct store *store, const struct query *q, struct store_cursor **out,
                      long long *total, struct store_error *error);

/*
 * Append up to n more records to array; *more is false once the end is
 * reached (a call may then have appended fewer than n, or none).
 */
int store_cursor_next(struct store_cursor *cursor, size_t n, cJSON *array, bool *more,
                      struct store_error *error);

/* Release a cursor and its connection; NULL is a no-op. */
void store_cursor_close(struct store_cursor *cursor);

/*
 * The records joined to id by any edge (explicit or derived relation, its
 * evidence, the relations it is an end of) as an object with one array per
 * collection (every collection present, empty when none): entries
 * {id, label}, in each collection's default order (the API layer adds the
 * hrefs: the store formats no URL).
 */
int store_related(struct store *store, const char *id, cJSON **out);

/*
 * store_related of each of ids[0..count) in one query: out[i] gets exactly
 * what store_related(ids[i]) gives (the same lists in the same order); the
 * caller frees each. On an error every out[i] is NULL. count 0 is no query.
 */
int store_related_many(struct store *store, const char *const *ids, size_t count, cJSON **out);

/* The full records of collection c joined to id (what include= embeds). */
int store_related_records(struct store *store, const char *id, const struct catalog_collection *c,
                          cJSON **out);

/* A full-text search over every record and evidence span. */
struct store_search {
    const char *text;                        /* FTS5 expression */
    const struct catalog_collection **types; /* restrict to these collections; NULL: all */
    size_t type_count;
    size_t limit, offset;
};

/*
 * Ranked hits (best first, then collection, then id): {type, id, label,
 * score, snippet} and, for evidence, record {type, id, label},
 * start, end, paragraph and highlights [{start, end}] (code-point offsets in
 * the article of the matched terms); for a record, evidence [{id, start,
 * end, paragraph}]: its spans that match too, in article order, or else its
 * first span. The score is FTS5's bm25 with the label, aliases, summary and
 * text columns weighted 10, 6, 3 and 1.
 *
 * Cost: one pass over the matches counts them and keeps the best offset +
 * limit rows (a page deeper than 1000 rows takes two passes: the first
 * finds where the page starts); snippets and highlights are made only for
 * rows that enter the kept set, never by matching again per hit. The
 * caller's budget (budget.h) bounds the pass: past it the statement stops
 * and an error is returned.
 */
int store_search(struct store *store, const struct store_search *s, cJSON **hits, long long *total,
                 struct store_error *error);

/* Which part of the network /v1/graph returns. */
struct store_graph_query {
    const struct catalog_collection **types; /* node collections kept; NULL: all */
    size_t type_count;
    const char *const *relation_types; /* edge types kept; NULL: all */
    size_t relation_type_count;
    int derived;               /* -1 every edge, 0 explicit only, 1 derived only */
    const char *const *layers; /* keep these layers and records joined to them */
    size_t layer_count;
    const char *around; /* keep records within depth edges of this one */
    int depth;          /* 1-3 */
    bool no_background; /* leave out background records and background edges */
};

/*
 * Nodes [{id, type, kind, label, provenance}] (collections order, then default
 * order) and edges [{id, source, target, type, derived, provenance}] between
 * kept nodes; provenance is the record's (or the edge's) own.
 */
int store_graph(struct store *store, const struct store_graph_query *g, cJSON **nodes,
                cJSON **edges);

/*
 * Counts and facets: {counts: {collection: n}, events_per_layer: [{id, name,
 * ordinal, count}], events_per_month: [{month, count}], events_per_year,
 * events_per_type: {type: n}, events_per_precision, actors_per_kind,
 * organizations_per_kind, places_per_kind, threats_per_kind,
 * claims_per_certainty, relations_per_type, undated_events}.
 */
int store_stats(struct store *store, cJSON **out);

#endif
