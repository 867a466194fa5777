/*
 * cache.h - rendered responses of one snapshot, keyed by canonical request.
 *
 * A response is a pure function of (model version, canonical request,
 * representation), so it is rendered once and served from memory afterwards,
 * with its gzip variant and strong ETags computed at insertion. The cache is
 * bounded in bytes and in entries (keys, bodies and per-entry overhead are
 * all charged) and evicts with S3-FIFO (see cache.c), so that answers asked
 * for again and again stay cached under a scan of one-off URLs.
 *
 * Entries are reference-counted: cache_get() and cache_put() hand out a
 * reference that the caller gives back with cache_entry_release() once the
 * response has been sent. An evicted entry (or one whose cache was freed)
 * stays valid until its last reference is released, so a slow connection
 * never reads freed memory and a body is never copied per connection.
 *
 * Bodies of at least file_min_bytes are kept in a memfd instead of the heap
 * (entry->fd): the HTTP layer sends them with sendfile from the page cache.
 * A response too big to be admitted (more than a tenth of the budget) is
 * still shared: cache_put() keeps it, uncharged, for as long as some
 * connection holds it, so concurrent requests for it share one copy.
 */
#ifndef STRATA_CACHE_H
#define STRATA_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* One representation's bytes: in memory (data) or in the entry's memfd (at offset). */
struct cache_body {
    const char *data; /* NULL when the bytes live in the file */
    size_t len;
    size_t offset; /* in entry->fd when data is NULL */
};

struct cache_entry {
    const char *key;
    struct cache_body body;   /* identity representation */
    struct cache_body gzip;   /* gzip variant; len 0 when not worth it */
    int fd;                   /* memfd holding the file bodies, or -1 */
    const char *content_type; /* static string */
    const char *link;         /* Link header value, or NULL */
    long long total_count;    /* X-Total-Count or -1 */
    size_t route_index;       /* the route that rendered it (metrics) */
    size_t cost;              /* memory charged for it: allocation and memfd pages */
    char etag[24];            /* "\"<16 hex>\"" */
    char gzip_etag[32];       /* "\"<16 hex>-gz\"" */
};

struct cache_limits {
    size_t max_bytes;      /* memory budget: entries, keys, tables and overhead */
    size_t max_entries;    /* at most this many entries */
    size_t file_min_bytes; /* bodies this long or longer go to a memfd; 0: never */
};

struct cache;

/* A new empty cache within limits; NULL on ENOMEM or a budget too small for its tables. */
struct cache *cache_new(const struct cache_limits *limits);
/*
 * Drop the cache's own references; entries still held by callers stay valid
 * until released (the last one frees what remains). NULL is a no-op.
 */
void cache_free(struct cache *cache);

/* The entry for key with a new reference, or NULL. Thread-safe. */
const struct cache_entry *cache_get(struct cache *cache, const char *key);

/* Give back a reference from cache_get() or cache_put(). NULL is a no-op. Thread-safe. */
void cache_entry_release(const struct cache_entry *entry);

/* What cache_put() stores: a rendered response and the ETag seed (model version). */
struct cache_response {
    const char *body;
    size_t body_len;
    const char *content_type; /* static string */
    const char *link;         /* or NULL */
    long long total_count;
    size_t route_index;
    const char *etag_seed;
};

/*
 * Insert a rendered response under key (copied, with its gzip variant and
 * ETags) and return the stored entry with a reference for the caller; when
 * the key is present returns that entry. A response larger than a tenth of
 * the budget is not admitted (counted as rejected) but shared while held.
 * Returns NULL when memory runs out; the caller then serves its own copy.
 * Thread-safe.
 */
const struct cache_entry *cache_put(struct cache *cache, const char *key,
                                    const struct cache_response *response);

struct cache_stats {
    size_t entries;        /* admitted entries */
    size_t bytes;          /* memory charged: entries, keys, tables, overhead */
    size_t shared_entries; /* entries too big to admit, alive while held */
    size_t shared_bytes;
    size_t file_entries; /* entries with a memfd */
    unsigned long evictions;
    unsigned long rejected; /* admissions refused (too big) */
};
void cache_stats(struct cache *cache, struct cache_stats *out);

/*
 * Strong ETag "\"<16 hex><suffix>\"" of seed (the model version) and body into
 * out; suffix may be "" (identity) or "-gz".
 */
void cache_etag(const char *seed, const char *body, size_t len, const char *suffix, char *out,
                size_t out_size);

/* gzip body into a new malloc'd buffer; NULL when it does not make it smaller. */
char *cache_gzip(const char *body, size_t len, size_t *out_len);

#endif
