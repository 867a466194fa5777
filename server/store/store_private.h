/*
 * store_private.h - what the files of server/store/ share, and nothing else
 * includes (the contract for the rest of the server is include/store.h).
 *
 * store_open() reads the model once into C arrays (its records, their
 * evidence spans, the explicit and derived relations), sorts each collection
 * into its default order, and writes every table in that order through one
 * read-write connection to an in-memory database (SQLite's memdb VFS), in a
 * single transaction with prepared statements; secondary indexes and the
 * FTS5 index are built after the rows are in. Because every table is
 * written in its collection's default order, a row's rowid is its rank in
 * that order: the default sort is `ORDER BY rowid` and an unfiltered page is
 * a rowid range, however deep.
 *
 * What is stored once: the record documents (a JSON text per model record in
 * `docs`, keyed by collection and rank); evidence spans and derived edges are
 * rows whose documents are composed when read. The full-text index keeps no
 * ids: an FTS rowid encodes the collection, the rank of the record and the
 * rowid of the evidence span (see fts_rowid() in loader.h).
 *
 * Queries run on read-only connections held in a small array of slots: a
 * caller takes a free slot with one atomic exchange, so there is no lock on
 * the hot path; each slot keeps its prepared statements. Every read
 * connection maps the writer's database image read-only (sqlite3_deserialize
 * of the same bytes, memory-mapped pages), so a connection holds no copy of
 * the data. When every slot is busy a temporary connection is opened for
 * the call.
 *
 * A compiled model file (export.c writes it, file.c opens it) is the same
 * database with plain JSON documents and strata_meta; its readers open the
 * file itself read-only and memory-mapped instead of the writer's image.
 *
 * The files, by job:
 *   opening and connections  open.c (store_open, store_free), conn.c (slots),
 *                            file.c (store_open_file: the compiled file's checks)
 *   compiling                loader.h with ddl.c, memory.c, load.c,
 *                            order.c, doc.c, rows.c, fts.c
 *   reading                  sql.c (collection SQL), read.c (records, select),
 *                            related.c, search.c (ranking, search), graph.c,
 *                            stats.c
 *   export                   export.c (the compiled model file)
 *
 * Only the files of server/store/ include sqlite3.h.
 */
#ifndef STRATA_STORE_PRIVATE_H
#define STRATA_STORE_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "query.h"
#include "store.h"

#define STORE_SLOTS 32
#define STORE_STATEMENTS 48
#define STORE_MAX_BYTES ((sqlite3_int64)16 * 1024 * 1024 * 1024)
#define STORE_MAX_COLLECTIONS 15
#define LABEL_QUOTE_CHARS 80
#define READER_CACHE_KIB 4096
#define WRITER_CACHE_KIB (16 * 1024)
#define FTS_HASH_BYTES (64 * 1024 * 1024)

/*
 * FTS rowid: collection (bits 56-59) | rank of the record (28-55) | rowid of
 * the evidence span (0-27, 0 for the record's own row). Ascending in the
 * order the rows are written, which FTS5 needs to append without flushing.
 */
#define FTS_COLLECTION_SHIFT 56
#define FTS_RANK_SHIFT 28
#define FTS_PART_MASK ((1LL << 28) - 1)
#define DOC_SHIFT 32 /* docs rowid: collection << 32 | rank */

/* Record documents are stored DOC_BLOCK to a row, deflated together (see doc.c). */
#define DOC_BLOCK 8

struct statement {
    uint64_t hash;
    char *sql;
    sqlite3_stmt *stmt;
};

struct slot {
    atomic_int busy;
    sqlite3 *db;
    struct statement statements[STORE_STATEMENTS];
    size_t next;     /* the cache entry replaced next */
    bool plain_docs; /* its store's docs are one JSON text per record (a compiled file) */
    /* the last document block inflated (a page reads neighbours in default order) */
    long long block_key;
    char *block_text;
    uint32_t block_offsets[DOC_BLOCK + 1];
};

struct store {
    const struct model *model;
    char uri[96];
    sqlite3 *writer;
    unsigned char *image; /* the writer's database bytes (owned by the writer) */
    sqlite3_int64 image_size;
    double load_seconds;
    long long counts[STORE_MAX_COLLECTIONS];   /* rows of each collection */
    char nullable[STORE_MAX_COLLECTIONS][256]; /* ",col,col," of nullable columns */
    pthread_mutex_t stats_lock;
    cJSON *stats; /* computed on first use (the model is immutable) */
    /*
     * Tokens of every FTS row (all columns), for the ranking function: a
     * record's at record_tokens[record_base[collection] + rank - 1], a
     * span's at span_tokens[span rowid]. bm25 would read each from
     * fts_docsize, one B-tree lookup per match.
     */
    uint32_t *record_tokens, *span_tokens;
    /* the same rows' places in (collection, id) order: how equal scores are ordered */
    uint32_t *record_order, *span_order;
    size_t record_base[STORE_MAX_COLLECTIONS + 1];
    size_t span_count;
    /*
     * A compiled model file (store_open_file): connections open file_uri
     * read-only; `docs` holds one plain JSON text per record; the four
     * arrays above are read from strata_meta on the first search
     * (store_arrays), so that a start maps the file and reads almost nothing.
     */
    char *file_uri;
    sqlite3_int64 file_size;
    bool plain_docs;
    pthread_mutex_t arrays_lock;
    atomic_bool arrays_ready; /* always true for a store built in memory */
    struct slot slots[STORE_SLOTS];
};

/* ---- conn.c: connections ---- */

/* FNV-1a of a string (statement cache, id map). */
uint64_t hash_text(const char *s);

void slot_close(struct slot *slot);

/*
 * Borrow a connection: a free slot (one atomic exchange each), or a
 * temporary connection in spare when all are busy. NULL when none opens.
 */
struct slot *slot_acquire(struct store *store, struct slot *spare);

/*
 * Put slot's statements under the calling thread's current budget (none:
 * no limit). A slot held past its handler (a cursor) must call it before
 * every use, since the budget it had may be gone.
 */
struct slot *slot_budgeted(struct slot *slot);

void slot_release(struct store *store, struct slot *slot);

/* A prepared statement for sql, from the slot's cache (reset, unbound). */
int slot_prepare(struct slot *slot, const char *sql, sqlite3_stmt **out);

/* A reader's settings: pages mapped up to bytes, a small page cache, query_only. */
int store_reader_settings(sqlite3 *db, sqlite3_int64 bytes);

/* Reset a statement and clear its bindings (NULL is a no-op). */
void statement_done(sqlite3_stmt *stmt);

/* The connection's last error into error (NULL db: no connection opened). */
void error_from(struct store_error *error, sqlite3 *db);

struct builder;

/* Prepare sql on slot and bind b. On failure fills error. */
int prepare_bound(struct slot *slot, const char *sql, const struct builder *b, sqlite3_stmt **stmt,
                  struct store_error *error);

/*
 * The code for a failed step: a full-text expression FTS5 rejects is the
 * client's error (EPARSE), anything else is ours.
 */
int step_error(struct slot *slot, int sqlite_rc, bool has_text, struct store_error *error);

/* ---- sql.c: the SQL of a collection query ---- */

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

void builder_init(struct builder *b);
void builder_release(struct builder *b);

/* Add a value; returns its parameter number (1-based), 0 on ENOMEM. */
size_t builder_value(struct builder *b, enum bound_kind kind, const char *text, long long number);

int builder_bind(const struct builder *b, sqlite3_stmt *stmt);

/* `CASE type WHEN 'actors' THEN 0 ... END`: the catalog's order of collections. */
void append_type_order(struct buf *sql, const char *column);

/* Parse a `sort=` text of the catalog itself ("type,source,target"). */
size_t default_sorts(const struct catalog_collection *c, struct query_sort *out, size_t max);

/* True when sorts (n of them) is c's default order, which is rowid order. */
bool is_default_order(const struct catalog_collection *c, const struct query_sort *sorts, size_t n);

/*
 * ORDER BY clause of sort keys, ending with id; the default order is rowid.
 * NULLs sort last in both directions: descending is SQLite's own order, an
 * ascending nullable column is preceded by `column IS NULL`, so that indexes
 * still serve the sort (a NULLS LAST clause would not).
 */
void append_order(struct buf *sql, const struct store *store, const struct catalog_collection *c,
                  const struct query_sort *sorts, size_t n);

/* True when q selects every record of its collection (no condition at all). */
bool query_unfiltered(const struct query *q);

/*
 * True when q has a filter naming records by id (record=, related=, ...):
 * such a filter keeps few rows, so a full-text condition is best checked
 * row by row.
 */
bool query_selective(const struct query *q);

/*
 * WHERE clause of a collection query. A full-text condition keeps the rows
 * whose own FTS row or one of whose evidence spans matches: the FTS rowids
 * of collection c lie in one range, and their rank bits are c's rowids.
 */
void append_where(struct builder *b, const struct query *q);

/* ---- doc.c: stored documents ---- */

/*
 * Inflate a docs row into *text (malloc'ed) and offsets; 0, or
 * STRATA_ESTORE for a row that is not a block.
 */
int doc_unblock(const unsigned char *data, size_t size, char **text, uint32_t *offsets);

/* ---- read.c: reading rows ---- */

/* Rowids read from a statement's first column. */
struct rowids {
    long long *items;
    size_t count, alloc;
};

int rowids_add(struct rowids *r, long long rowid);

/* Every row's column `column` (a rowid) into out; the statement is done after. */
int collect_rowids(struct slot *slot, sqlite3_stmt *stmt, int column, struct rowids *out,
                   bool has_text, struct store_error *error);

/*
 * The number of rows q matches into *total (where: q's WHERE clause from
 * append_where); a full-text expression FTS5 rejects is STRATA_EPARSE even
 * when no row would need it.
 */
int select_count(struct slot *slot, const struct store *store, const struct query *q,
                 const struct builder *where, long long *total, struct store_error *error);

/* The documents of rows (rowids of c) appended to array, in order. */
int fetch_docs(struct slot *slot, const struct catalog_collection *c, const struct rowids *rows,
               cJSON *array);

/* A column's text, "" for NULL. */
const char *column_text(sqlite3_stmt *stmt, int column);

/* name: the column's text, or null for NULL (a nullable field of a document). */
void add_text_or_null(cJSON *doc, const char *name, sqlite3_stmt *stmt, int column);

/* Static collection name for a type column value (NULL when unknown). */
const char *collection_name(const unsigned char *type);

/* The first `max` code points of s, with "…" when cut, into out. */
void shorten(const char *s, size_t max, struct buf *out);

/* ---- file.c and export.c: the compiled model file ---- */

/*
 * A hash of the store's DDL and inserts (ddl.c): a compiled file records it,
 * and a strata whose tables differ refuses the file (compile it again).
 */
uint64_t store_schema_hash(void);

/* The tables a compiled file must hold (NULL-terminated; FTS5's shadow tables included). */
extern const char *const store_file_tables[];

/* count uint32 values as a little-endian blob (malloc'ed, 4 * count bytes). */
unsigned char *store_pack_u32(const uint32_t *values, size_t count);

/* A read-only connection to the compiled file of store (mmap, small page cache, query_only). */
int store_connect_file(const struct store *store, sqlite3 **db);

/*
 * Load the FTS rows' token counts and tie order of a compiled file once
 * (search.c calls it before ranking); 0 at once for a store built in memory.
 */
int store_arrays(struct store *store, struct slot *slot);

/* ---- open.c ---- */

/* store->nullable from the tables of db. */
int store_nullable(struct store *store, sqlite3 *db);

/* ---- search.c ---- */

/* Register strata_rank and strata_order on a connection. */
int rank_register(struct store *store, sqlite3 *db);

#endif
