/*
 * cache.c - a sharded, insert-only hash map of rendered responses.
 *
 * Each shard has its own read-write lock, so concurrent lookups of different
 * (or the same) keys proceed in parallel. Entries are never removed before
 * the cache is freed, which is what lets a lookup hand out a plain pointer.
 */
#include "cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define SHARD_COUNT 64
#define BUCKETS_PER_SHARD 256
#define GZIP_MIN_BYTES 256

struct node {
    struct node *next;
    uint64_t hash;
    struct cache_entry entry;
    /* key, body, gzip and link bytes follow in the same allocation or in gzip_data */
    char *gzip_data;
};

struct shard {
    pthread_rwlock_t lock;
    struct node *buckets[BUCKETS_PER_SHARD];
};

struct cache {
    struct shard shards[SHARD_COUNT];
    size_t max_bytes, max_entries;
    atomic_size_t bytes, entries;
};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

struct cache *cache_new(size_t max_bytes, size_t max_entries)
{
    struct cache *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    for (size_t i = 0; i < SHARD_COUNT; i++)
        pthread_rwlock_init(&c->shards[i].lock, NULL);
    c->max_bytes = max_bytes;
    c->max_entries = max_entries;
    return c;
}

void cache_free(struct cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < SHARD_COUNT; i++) {
        for (size_t b = 0; b < BUCKETS_PER_SHARD; b++) {
            struct node *n = cache->shards[i].buckets[b];
            while (n) {
                struct node *next = n->next;
                free(n->gzip_data);
                free(n);
                n = next;
            }
        }
        pthread_rwlock_destroy(&cache->shards[i].lock);
    }
    free(cache);
}

static struct node *find(struct shard *shard, uint64_t hash, const char *key)
{
    for (struct node *n = shard->buckets[(hash >> 6) % BUCKETS_PER_SHARD]; n; n = n->next)
        if (n->hash == hash && strcmp(n->entry.key, key) == 0)
            return n;
    return NULL;
}

const struct cache_entry *cache_get(struct cache *cache, const char *key)
{
    uint64_t hash;
    struct shard *shard;
    struct node *n;

    if (!cache || !key)
        return NULL;
    hash = fnv1a(FNV_OFFSET, key, strlen(key));
    shard = &cache->shards[hash % SHARD_COUNT];
    pthread_rwlock_rdlock(&shard->lock);
    n = find(shard, hash, key);
    pthread_rwlock_unlock(&shard->lock);
    return n ? &n->entry : NULL;
}

void cache_etag(const char *seed, const char *body, size_t len, const char *suffix, char *out,
                size_t out_size)
{
    uint64_t h = fnv1a(FNV_OFFSET, seed ? seed : "", seed ? strlen(seed) : 0);

    h = fnv1a(h, "\n", 1);
    h = fnv1a(h, body, len);
    snprintf(out, out_size, "\"%016llx%s\"", (unsigned long long)h, suffix ? suffix : "");
}

char *cache_gzip(const char *body, size_t len, size_t *out_len)
{
    z_stream z;
    uLong bound;
    char *out;

    if (len < GZIP_MIN_BYTES)
        return NULL;
    memset(&z, 0, sizeof(z));
    /* 15 + 16: a gzip header, not zlib */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    bound = deflateBound(&z, (uLong)len) + 32;
    out = malloc(bound);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)body;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
        deflateEnd(&z);
        free(out);
        return NULL;
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

/* Build a node holding copies of key, body and link. */
static struct node *node_new(uint64_t hash, const char *key, const char *body, size_t body_len,
                             const char *link)
{
    size_t key_len = strlen(key), link_len = link ? strlen(link) : 0;
    struct node *n = malloc(sizeof(*n) + key_len + 1 + body_len + 1 + link_len + 1);
    char *p;

    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->hash = hash;
    p = (char *)(n + 1);
    memcpy(p, key, key_len + 1);
    n->entry.key = p;
    p += key_len + 1;
    memcpy(p, body, body_len);
    p[body_len] = '\0';
    n->entry.body = p;
    n->entry.body_len = body_len;
    p += body_len + 1;
    if (link) {
        memcpy(p, link, link_len + 1);
        n->entry.link = p;
    }
    return n;
}

const struct cache_entry *cache_put(struct cache *cache, const char *key, const char *body,
                                    size_t body_len, const char *content_type, const char *link,
                                    long long total_count, size_t route_index,
                                    const char *etag_seed)
{
    uint64_t hash;
    struct shard *shard;
    struct node *n, *existing;

    if (!cache || !key || !body)
        return NULL;
    if (atomic_load(&cache->entries) >= cache->max_entries ||
        atomic_load(&cache->bytes) + body_len > cache->max_bytes)
        return NULL;
    hash = fnv1a(FNV_OFFSET, key, strlen(key));
    n = node_new(hash, key, body, body_len, link);
    if (!n)
        return NULL;
    n->entry.content_type = content_type;
    n->entry.total_count = total_count;
    n->entry.route_index = route_index;
    cache_etag(etag_seed, body, body_len, "", n->entry.etag, sizeof(n->entry.etag));
    /* compress outside the lock: it is the slow part */
    n->gzip_data = cache_gzip(body, body_len, &n->entry.gzip_len);
    if (n->gzip_data) {
        n->entry.gzip = n->gzip_data;
        cache_etag(etag_seed, body, body_len, "-gz", n->entry.gzip_etag,
                   sizeof(n->entry.gzip_etag));
    }
    shard = &cache->shards[hash % SHARD_COUNT];
    pthread_rwlock_wrlock(&shard->lock);
    existing = find(shard, hash, key);
    if (!existing) {
        struct node **bucket = &shard->buckets[(hash >> 6) % BUCKETS_PER_SHARD];
        n->next = *bucket;
        *bucket = n;
        atomic_fetch_add(&cache->entries, 1);
        atomic_fetch_add(&cache->bytes, body_len + n->entry.gzip_len);
    }
    pthread_rwlock_unlock(&shard->lock);
    if (existing) {
        free(n->gzip_data);
        free(n);
        return &existing->entry;
    }
    return &n->entry;
}

void cache_stats(struct cache *cache, struct cache_stats *out)
{
    out->entries = cache ? atomic_load(&cache->entries) : 0;
    out->bytes = cache ? atomic_load(&cache->bytes) : 0;
}
