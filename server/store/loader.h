/*
 * loader.h - the compiler's state, shared by the files that build a store's
 * database from a model (ddl.c, memory.c, load.c, order.c, doc.c,
 * rows.c, fts.c) and open.c, which runs it. Nothing outside server/store/
 * includes it.
 */
#ifndef STRATA_STORE_LOADER_H
#define STRATA_STORE_LOADER_H

#include <zlib.h>

#include "model.h"
#include "store_private.h"

/* Strings that live as long as the loader, from a few large blocks. */
struct arena_block {
    struct arena_block *next;
    size_t used, size;
    char data[];
};

struct arena {
    struct arena_block *head;
};

/* A growable array of fixed-size items. */
struct vec {
    void *items;
    size_t count, alloc, size;
};

/* One record of the model. */
struct entry {
    const char *id;
    const cJSON *record;
    const char *label;  /* the catalog's label field, or the id */
    size_t collection;  /* index in catalog_collections */
    size_t index;       /* in the model's array (for error paths) */
    long long rank;     /* 1-based place in its collection's default order */
    long long position; /* smallest start of its own evidence, or -1 */
    size_t span_first;  /* its spans: spans[span_first .. + span_count) */
    size_t span_count;
    /* events: the timeline's sort start, the later of date.start and date.after's start */
    const char *date_order;
};

/* One evidence span, as a row of `evidence`. */
struct span {
    const char *id;
    size_t owner; /* entry */
    const char *field;
    long long ordinal, start, end, paragraph;
    const char *quote;
    long long rowid; /* rank in article order */
};

/* One edge: an explicit relation (a model record) or one derived from a field. */
struct relation {
    const char *id, *type, *label;
    size_t source, target; /* entries */
    size_t holder;         /* the relation's own entry, or the record stating the edge */
    const char *field;     /* derived: the field that states it */
    bool derived;
    /*
     * Where the edge comes from when it is not the holder's own provenance (a
     * derived edge of a field with a field_provenance note), and how sure the
     * article is of it (a claim's about edges take the claim's certainty and
     * hedge); NULL: the holder's provenance and basis, "stated", no hedge.
     */
    const char *provenance, *basis, *certainty, *hedge;
    long long rowid;
};

/*
 * Open addressing over every id the store gives out: a record's value is its
 * entry index, a span's and a derived edge's their index tagged.
 */
#define NOT_A_RECORD SIZE_MAX
#define TAG_SPAN ((size_t)1 << (sizeof(size_t) * 8 - 2))
#define TAG_EDGE ((size_t)1 << (sizeof(size_t) * 8 - 3))
#define TAGS (TAG_SPAN | TAG_EDGE)

struct idmap {
    const char **keys;
    size_t *values;
    size_t mask, count;
};

enum statement_id {
    ST_RECORD,
    ST_DOC,
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
    ST_COUNT
};

/* The thread that builds the full-text index while the tables are written. */
struct fts_builder {
    const struct loader *L;
    char uri[96]; /* a shared memdb database: the writer attaches it to copy it */
    sqlite3 *db;
    pthread_t thread;
    bool started;
    int rc;
    char message[300];
    uint32_t *record_order, *span_order; /* see struct store; handed over to it */
    struct vec blocks;                   /* struct doc_row: the rows of `docs` (see doc_block) */
};

struct doc_row {
    long long key;
    unsigned char *data;
    size_t size;
};

struct loader {
    sqlite3 *db;
    struct fts_builder fts;
    const struct model *model;
    struct idmap map;
    struct arena arena;
    struct vec entries;                      /* struct entry, in catalog then model order */
    struct vec spans;                        /* struct span, grouped by owner */
    struct vec relations;                    /* struct relation */
    size_t first[STORE_MAX_COLLECTIONS + 1]; /* entries of collection i: [first[i], first[i+1]) */
    size_t *ranked;     /* entry indexes, each collection's range sorted by rank */
    size_t *span_order; /* span indexes by rowid */
    sqlite3_stmt *stmts[ST_COUNT];
    struct model_error *err;
    int failed;      /* the first error code reported through load_fail */
    char where[160]; /* JSON path of the record being loaded */
};

#define ENTRY(L, i) (&((struct entry *)(L)->entries.items)[i])
#define SPAN(L, i) (&((struct span *)(L)->spans.items)[i])
#define RELATION(L, i) (&((struct relation *)(L)->relations.items)[i])

static inline long long fts_rowid(size_t collection, long long rank, long long span_rowid)
{
    return ((long long)collection << FTS_COLLECTION_SHIFT) | (rank << FTS_RANK_SHIFT) | span_rowid;
}

/* ---- ddl.c: the DDL ---- */

extern const char schema_sql[];                /* the tables */
extern const char fts_schema_sql[];            /* the FTS5 table (in the builder's database) */
extern const char *const fts_shadow_tables[5]; /* FTS5's tables, copied row for row */
extern const char index_sql[];                 /* the indexes, built after the rows */
extern const char *const insert_sql[ST_COUNT];

/* ---- memory.c ---- */

/* A formatted string in the arena (lives as long as the loader); NULL on ENOMEM. */
const char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void arena_release(struct arena *a);

/* A new item at the end (uninitialised); NULL on ENOMEM. */
void *vec_push(struct vec *v);

/* Add id (not copied); 1 when it was there already, 0 when added, <0 on ENOMEM. */
int idmap_add(struct idmap *m, const char *id, size_t value);

/* The value of id, or NOT_A_RECORD when the id is not given out. */
size_t idmap_value(const struct idmap *m, const char *id);

/* The entry index of a record id, or NOT_A_RECORD. */
size_t idmap_record(const struct idmap *m, const char *id);

void idmap_release(struct idmap *m);

/* ---- load.c ---- */

/*
 * Record the first failure (message, the model file and L->where) in L->err;
 * returns the code of the first failure.
 */
int load_fail(struct loader *L, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int out_of_memory(struct loader *L);

/* L->where: the JSON path of entry e (for error messages). */
void where_entry(struct loader *L, const struct entry *e);

/*
 * Bind and step one insert. types: 't' text (NULL binds NULL), 'i' long long,
 * 'b' bool as int, 'd' double (NAN binds NULL). Returns 0 or an error.
 */
int insert(struct loader *L, enum statement_id which, const char *types, ...);

/* Members of a model object: NULL (text, array) or 0 (bool, number) when absent or another type. */
const char *text_of(const cJSON *object, const char *key);

int bool_of(const cJSON *object, const char *key);

const cJSON *array_of(const cJSON *object, const char *key);

long long number_of(const cJSON *object, const char *key);

/* A record's provenance, "article" when it has none. */
const char *provenance_of(const cJSON *record);

/* Pass one: every record of the model, its id in the map. */
int load_map(struct loader *L);

/* Every span of a record: its mechanisms' and goals' (layers), then its own. */
int load_spans(struct loader *L, size_t owner);

/* The edges of one record: its fields' derived edges, or itself (a relation). */
int load_edges(struct loader *L, size_t i);

/* ---- order.c ---- */

/* qsort_r order of span indexes (context: the loader) by their rows' rowids. */
int span_rowid_compare(const void *pa, const void *pb, void *context);

/* Every collection in its default order: ranks, span rowids, relation rowids. */
int load_orders(struct loader *L);

/* ---- doc.c ---- */

/* The stored representation of a record: every catalog field, in order. */
void record_json(const struct loader *L, const struct entry *e, struct buf *out);

/* Deflate text (offsets[DOC_BLOCK] bytes) into a docs row (malloc'ed). */
unsigned char *doc_block(z_stream *z, const char *text, const uint32_t *offsets, size_t *size);

/* ---- rows.c ---- */

/* Extra searchable text of a record (besides label, aliases and summary). */
void searchable_text(const struct catalog_collection *c, const cJSON *record, struct buf *out);

/* Collections whose records have aliases (rows of `aliases`, FTS column aliases). */
bool has_aliases(const struct catalog_collection *c);

/* The whole compile: tables, rows, indexes, documents, the FTS index, in one transaction. */
int load_all(struct loader *L);

/* ---- fts.c ---- */

/* Run sql on the loader's connection; a failure goes to load_fail. */
int exec_sql(struct loader *L, const char *sql);

/*
 * Where each collection's FTS rows start in the store's per-record arrays
 * (a relation's rank runs over every relation, derived ones too); returns
 * the arrays' length.
 */
size_t fts_bases(const struct loader *L, size_t base[STORE_MAX_COLLECTIONS + 1]);

/* Start building the full-text index (on this thread when no thread starts). */
void fts_start(struct loader *L);

/* Wait for the builder thread (no-op when none started). */
void fts_join(struct fts_builder *b);

/* Wait for the index and copy its shadow tables into the store's database. */
int fts_finish(struct loader *L);

#endif
