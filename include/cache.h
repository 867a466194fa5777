/*
 * cache.h - rendered responses of one snapshot, keyed by request.
 *
 * A response is a pure function of (model version, request target,
 * representation), so it is rendered once and served from memory afterwards,
 * with its gzip variant and strong ETags computed at insertion. Entries are
 * immutable and live as long as the cache (that is, the snapshot), so a
 * looked-up entry needs no reference of its own. Lookups take a read lock on
 * one of many shards; a full cache stops inserting (it never evicts), which
 * bounds memory against clients that send endless distinct URLs.
 */
#ifndef STRATA_CACHE_H
#define STRATA_CACHE_H

#include <stddef.h>

struct cache_entry {
    const char *key;
    const char *body; /* identity representation */
    size_t body_len;
    const char *gzip; /* gzip variant, or NULL when not worth it */
    size_t gzip_len;
    const char *content_type; /* static string */
    const char *link;         /* Link header value, or NULL */
    long long total_count;    /* X-Total-Count or -1 */
    size_t route_index;       /* the route that rendered it (metrics) */
    char etag[24];            /* "\"<16 hex>\"" */
    char gzip_etag[32];       /* "\"<16 hex>-gz\"" */
};

struct cache;

/* A new cache that holds at most max_bytes of bodies in max_entries; NULL on ENOMEM. */
struct cache *cache_new(size_t max_bytes, size_t max_entries);
/* Free a cache and all its entries; NULL is a no-op. */
void cache_free(struct cache *cache);

/* The entry for key, or NULL. Thread-safe. */
const struct cache_entry *cache_get(struct cache *cache, const char *key);

/*
 * Insert a rendered response (copied, with its gzip variant and the ETags of
 * etag_seed and body) and return the stored entry; when the
 * key is already present returns that entry. Returns NULL when the cache is
 * full or memory runs out; the caller then serves its own copy. Thread-safe.
 */
const struct cache_entry *cache_put(struct cache *cache, const char *key, const char *body,
                                    size_t body_len, const char *content_type, const char *link,
                                    long long total_count, size_t route_index,
                                    const char *etag_seed);

struct cache_stats {
    size_t entries;
    size_t bytes;
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
