/*
 * cache.c - a bounded, sharded map of rendered responses with S3-FIFO eviction.
 *
 * Policy: S3-FIFO (Juncheng Yang, Yazhuo Zhang, Ziyue Qiu, Yao Yue, K. V.
 * Rashmi, "FIFO queues are all you need for cache eviction", SOSP 2023;
 * https://doi.org/10.1145/3600006.3613147). A new entry enters a small FIFO
 * (a tenth of the budget); when it reaches the small queue's end it moves to
 * the main FIFO if it was asked for again meanwhile, and is otherwise
 * evicted, its key hash remembered in a ghost table; a key found in the
 * ghost table goes straight to the main queue. The main queue is a CLOCK:
 * an entry reaching its end with a non-zero frequency (0-3) is reinserted
 * with the frequency decremented. Chosen because a scan of one-off URLs
 * only ever churns the small queue (the paper's "quick demotion"), so the
 * popular answers in the main queue survive any flood, and because a hit
 * only bumps an atomic counter: no list is touched on the read path, so a
 * lookup is a shard read lock and two atomic increments (LRU would need a
 * write lock per hit; W-TinyLFU needs a sketch and a window LRU for the
 * same scan resistance).
 *
 * Locks: each of SHARD_COUNT shards of the hash table has a read-write lock;
 * lookups take it for reading. One mutex orders the queues; it is taken only
 * on insertion (a miss, which rendered for milliseconds anyway), before any
 * shard lock. Entries are reference-counted; an entry leaves the table under
 * its shard's write lock before the cache's reference is dropped, so a lookup
 * never resurrects a dying entry. Each live entry also holds a reference on
 * the cache's tables, so a cache freed while connections still send its
 * entries stays valid until the last one is released.
 *
 * Memory: an entry is charged malloc_usable_size() of its one allocation
 * (header, key, Link, in-memory bodies) plus its memfd pages; the tables
 * (buckets, ghost) are charged when the cache is made. strata_cache_bytes
 * reports that sum, and eviction keeps it within the budget.
 */
#include "cache.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <zlib.h>

#define SHARD_COUNT 64
#define GZIP_MIN_BYTES 256
#define FREQ_MAX 3
#define PAGE_BYTES 4096
/* the small queue's share of the budget (percent) */
#ifndef SMALL_PERCENT
#define SMALL_PERCENT 10
#endif
/* the largest admitted entry: a tenth of the budget */
#define ADMIT_DIVISOR 10

struct node {
    struct node *chain; /* next in the hash bucket (shard lock) */
    struct node *newer; /* next in its FIFO (queue mutex) */
    struct cache *owner;
    uint64_t hash;
    atomic_uint refs;
    atomic_uint freq;
    bool in_main; /* queue mutex */
    bool shared;  /* too big to admit: in the table only while held */
    size_t cost;  /* bytes charged */
    struct cache_entry entry;
    /* key, Link and in-memory bodies follow in the same allocation */
};

struct fifo {
    struct node *oldest, *newest;
    size_t bytes;
};

struct shard {
    pthread_rwlock_t lock;
    struct node **buckets;
};

struct cache {
    struct shard shards[SHARD_COUNT];
    size_t bucket_mask; /* buckets per shard - 1 */
    uint64_t *ghost;    /* key hashes evicted from the small queue */
    size_t ghost_mask;
    pthread_mutex_t queue_lock;
    struct fifo small, main;
    struct cache_limits limits;
    size_t max_files;
    atomic_uint refs; /* 1 for the owner + 1 per live entry */
    atomic_size_t bytes, entries, shared_entries, shared_bytes, file_entries;
    atomic_ulong evictions, rejected;
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

/* fnv1a, then mixed (splitmix64's finaliser) so that low and high bits both spread. */
static uint64_t key_hash(const char *key)
{
    uint64_t h = fnv1a(FNV_OFFSET, key, strlen(key));

    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 1;

    while (p < n && p < ((size_t)1 << 40))
        p <<= 1;
    return p;
}

/* How many memfds the cache may hold: a quarter of the descriptor limit. */
static size_t file_allowance(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 256;
    return (size_t)rl.rlim_cur / 4;
}

static void cache_destroy(struct cache *c)
{
    for (size_t i = 0; i < SHARD_COUNT; i++) {
        pthread_rwlock_destroy(&c->shards[i].lock);
        free(c->shards[i].buckets);
    }
    pthread_mutex_destroy(&c->queue_lock);
    free(c->ghost);
    free(c);
}

static void cache_unref(struct cache *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        cache_destroy(c);
}

struct cache *cache_new(const struct cache_limits *limits)
{
    struct cache *c;
    size_t per_shard, fixed;
    bool allocated = true;

    if (!limits || limits->max_entries == 0)
        return NULL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->limits = *limits;
    per_shard = pow2_at_least(limits->max_entries / SHARD_COUNT);
    c->bucket_mask = per_shard - 1;
    c->ghost_mask = pow2_at_least(limits->max_entries) - 1;
    c->max_files = limits->file_min_bytes ? file_allowance() : 0;
    pthread_mutex_init(&c->queue_lock, NULL);
    fixed = malloc_usable_size(c);
    for (size_t i = 0; i < SHARD_COUNT; i++) {
        pthread_rwlock_init(&c->shards[i].lock, NULL);
        c->shards[i].buckets = calloc(per_shard, sizeof(struct node *));
        allocated = allocated && c->shards[i].buckets;
        fixed += malloc_usable_size(c->shards[i].buckets);
    }
    c->ghost = calloc(c->ghost_mask + 1, sizeof(uint64_t));
    fixed += malloc_usable_size(c->ghost);
    atomic_init(&c->refs, 1);
    atomic_init(&c->bytes, fixed);
    if (!allocated || !c->ghost || fixed > limits->max_bytes) {
        cache_destroy(c);
        return NULL;
    }
    return c;
}

/* ---- entries ------------------------------------------------------------ */

static void node_free(struct node *n)
{
    struct cache *owner = n->owner;

    if (n->entry.fd >= 0) {
        close(n->entry.fd);
        atomic_fetch_sub(&owner->file_entries, 1);
    }
    free(n);
    cache_unref(owner);
}

static struct shard *shard_of(struct cache *c, uint64_t hash)
{
    return &c->shards[hash % SHARD_COUNT];
}

static struct node **bucket_of(struct cache *c, struct shard *shard, uint64_t hash)
{
    return &shard->buckets[(hash / SHARD_COUNT) & c->bucket_mask];
}

static struct node *find(struct cache *c, struct shard *shard, uint64_t hash, const char *key)
{
    for (struct node *n = *bucket_of(c, shard, hash); n; n = n->chain)
        if (n->hash == hash && strcmp(n->entry.key, key) == 0)
            return n;
    return NULL;
}

/* Take n out of its bucket; the caller holds the shard's write lock. */
static void unlink_node(struct cache *c, struct shard *shard, struct node *n)
{
    for (struct node **p = bucket_of(c, shard, n->hash); *p; p = &(*p)->chain)
        if (*p == n) {
            *p = n->chain;
            return;
        }
}

void cache_entry_release(const struct cache_entry *entry)
{
    struct node *n;

    if (!entry)
        return;
    n = (struct node *)(void *)((char *)(uintptr_t)entry - offsetof(struct node, entry));
    if (n->shared) {
        /* under the write lock: no lookup can take a reference meanwhile */
        struct cache *c = n->owner;
        struct shard *shard = shard_of(c, n->hash);
        bool last;
        pthread_rwlock_wrlock(&shard->lock);
        last = atomic_fetch_sub(&n->refs, 1) == 1;
        if (last)
            unlink_node(c, shard, n);
        pthread_rwlock_unlock(&shard->lock);
        if (last) {
            atomic_fetch_sub(&c->shared_entries, 1);
            atomic_fetch_sub(&c->shared_bytes, n->cost);
            node_free(n);
        }
    } else if (atomic_fetch_sub(&n->refs, 1) == 1) {
        node_free(n);
    }
}

const struct cache_entry *cache_get(struct cache *cache, const char *key)
{
    uint64_t hash;
    struct shard *shard;
    struct node *n;

    if (!cache || !key)
        return NULL;
    hash = key_hash(key);
    shard = shard_of(cache, hash);
    pthread_rwlock_rdlock(&shard->lock);
    n = find(cache, shard, hash, key);
    if (n) {
        atomic_fetch_add(&n->refs, 1);
        if (atomic_load_explicit(&n->freq, memory_order_relaxed) < FREQ_MAX)
            atomic_fetch_add_explicit(&n->freq, 1, memory_order_relaxed);
    }
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

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* A memfd holding the file bodies of n (body, then gzip), or -1. */
static int file_of(const char *body, size_t body_len, bool body_in_file, const char *gzip,
                   size_t gzip_len, bool gzip_in_file)
{
    int fd = memfd_create("strata-response", MFD_CLOEXEC);

    if (fd < 0)
        return -1;
    if ((body_in_file && !write_all(fd, body, body_len)) ||
        (gzip_in_file && !write_all(fd, gzip, gzip_len))) {
        close(fd);
        return -1;
    }
    return fd;
}

static size_t pages(size_t len)
{
    return (len + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES;
}

/*
 * Build a node holding copies of key, Link and the bodies: those of at
 * least file_min_bytes in a memfd when the cache may open one more.
 */
static struct node *node_new(struct cache *c, const char *key, const struct cache_response *r,
                             const char *gzip, size_t gzip_len)
{
    size_t key_len = strlen(key), link_len = r->link ? strlen(r->link) : 0;
    size_t min = c->limits.file_min_bytes;
    bool files = min > 0 && atomic_load(&c->file_entries) < c->max_files;
    bool body_file = files && r->body_len >= min, gzip_file = files && gzip && gzip_len >= min;
    int fd = body_file || gzip_file
                 ? file_of(r->body, r->body_len, body_file, gzip, gzip_len, gzip_file)
                 : -1;
    size_t file_bytes = 0;
    struct node *n;
    char *p;

    if (fd < 0)
        body_file = gzip_file = false;
    n = malloc(sizeof(*n) + key_len + 1 + link_len + 1 + (body_file ? 0 : r->body_len + 1) +
               (gzip_file ? 0 : gzip_len));
    if (!n) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    n->entry.fd = fd;
    p = (char *)(n + 1);
    n->entry.key = memcpy(p, key, key_len + 1);
    p += key_len + 1;
    if (r->link)
        n->entry.link = memcpy(p, r->link, link_len + 1);
    p += link_len + 1;
    n->entry.body.len = r->body_len;
    if (body_file) {
        file_bytes += r->body_len;
    } else {
        memcpy(p, r->body, r->body_len);
        p[r->body_len] = '\0';
        n->entry.body.data = p;
        p += r->body_len + 1;
    }
    n->entry.gzip.len = gzip ? gzip_len : 0;
    if (gzip_file) {
        n->entry.gzip.offset = file_bytes;
        file_bytes += gzip_len;
    } else if (gzip) {
        n->entry.gzip.data = memcpy(p, gzip, gzip_len);
    }
    n->owner = c;
    n->cost = malloc_usable_size(n) + pages(file_bytes);
    n->entry.cost = n->cost;
    if (fd >= 0)
        atomic_fetch_add(&c->file_entries, 1);
    atomic_fetch_add(&c->refs, 1);
    return n;
}

/* ---- queues (under queue_lock) --------------------------------------------- */

static void fifo_push(struct fifo *q, struct node *n)
{
    n->newer = NULL;
    if (q->newest)
        q->newest->newer = n;
    else
        q->oldest = n;
    q->newest = n;
    q->bytes += n->cost;
}

static struct node *fifo_pop(struct fifo *q)
{
    struct node *n = q->oldest;

    if (n) {
        q->oldest = n->newer;
        if (!q->oldest)
            q->newest = NULL;
        q->bytes -= n->cost;
    }
    return n;
}

/* Remove n from the table and the accounting; its reference goes on *dead. */
static void retire(struct cache *c, struct node *n, struct node **dead)
{
    struct shard *shard = shard_of(c, n->hash);

    pthread_rwlock_wrlock(&shard->lock);
    unlink_node(c, shard, n);
    pthread_rwlock_unlock(&shard->lock);
    atomic_fetch_sub(&c->bytes, n->cost);
    atomic_fetch_sub(&c->entries, 1);
    n->newer = *dead;
    *dead = n;
}

static void evict_small(struct cache *c, struct node **dead)
{
    struct node *n = fifo_pop(&c->small);

    if (atomic_load_explicit(&n->freq, memory_order_relaxed) > 0) {
        /* asked for again while on probation: keep it */
        atomic_store_explicit(&n->freq, 0, memory_order_relaxed);
        n->in_main = true;
        fifo_push(&c->main, n);
        return;
    }
    c->ghost[n->hash & c->ghost_mask] = n->hash;
    retire(c, n, dead);
    atomic_fetch_add(&c->evictions, 1);
}

/* false when n was reinserted (it was used since it last came by) */
static bool evict_main(struct cache *c, struct node **dead, bool force)
{
    struct node *n = fifo_pop(&c->main);
    unsigned freq = atomic_load_explicit(&n->freq, memory_order_relaxed);

    if (freq > 0 && !force) {
        atomic_store_explicit(&n->freq, freq - 1, memory_order_relaxed);
        fifo_push(&c->main, n);
        return false;
    }
    retire(c, n, dead);
    atomic_fetch_add(&c->evictions, 1);
    return true;
}

static bool over_budget(const struct cache *c)
{
    return atomic_load(&c->bytes) > c->limits.max_bytes ||
           atomic_load(&c->entries) > c->limits.max_entries;
}

/* Evict until the cache fits its limits; the evicted go on *dead. */
static void make_room(struct cache *c, struct node **dead)
{
    size_t small_target = c->limits.max_bytes / 100 * SMALL_PERCENT;
    /* every entry is reinserted at most FREQ_MAX times per pass; then evict anyway */
    size_t reinsertions = 0, reinsertion_cap = (atomic_load(&c->entries) + 1) * FREQ_MAX;

    while (over_budget(c)) {
        if (c->small.oldest && (c->small.bytes > small_target || !c->main.oldest))
            evict_small(c, dead);
        else if (c->main.oldest) {
            if (!evict_main(c, dead, reinsertions > reinsertion_cap))
                reinsertions++;
        } else
            break;
    }
}

static void release_dead(struct node *dead)
{
    while (dead) {
        struct node *next = dead->newer;
        cache_entry_release(&dead->entry);
        dead = next;
    }
}

/* Admit n (queue_lock held, n already in the table). */
static void admit(struct cache *c, struct node *n, struct node **dead)
{
    uint64_t *ghost = &c->ghost[n->hash & c->ghost_mask];

    atomic_fetch_add(&c->bytes, n->cost);
    atomic_fetch_add(&c->entries, 1);
    if (*ghost == n->hash) {
        /* evicted from probation recently and asked for again: a regular */
        *ghost = 0;
        n->in_main = true;
        fifo_push(&c->main, n);
    } else {
        fifo_push(&c->small, n);
    }
    make_room(c, dead);
}

const struct cache_entry *cache_put(struct cache *cache, const char *key,
                                    const struct cache_response *r)
{
    struct node *n, *existing, *dead = NULL;
    struct shard *shard;
    char *gzip;
    size_t gzip_len = 0;
    bool shared;

    if (!cache || !key || !r || !r->body)
        return NULL;
    /* compress outside any lock: it is the slow part */
    gzip = cache_gzip(r->body, r->body_len, &gzip_len);
    n = node_new(cache, key, r, gzip, gzip_len);
    if (!n) {
        free(gzip);
        return NULL;
    }
    n->hash = key_hash(key);
    n->entry.content_type = r->content_type;
    n->entry.total_count = r->total_count;
    n->entry.route_index = r->route_index;
    cache_etag(r->etag_seed, r->body, r->body_len, "", n->entry.etag, sizeof(n->entry.etag));
    if (gzip)
        cache_etag(r->etag_seed, r->body, r->body_len, "-gz", n->entry.gzip_etag,
                   sizeof(n->entry.gzip_etag));
    free(gzip);
    shared = n->cost > cache->limits.max_bytes / ADMIT_DIVISOR;
    n->shared = shared;
    atomic_init(&n->refs, shared ? 1 : 2); /* the caller's, and the cache's when admitted */
    shard = shard_of(cache, n->hash);
    pthread_mutex_lock(&cache->queue_lock);
    pthread_rwlock_wrlock(&shard->lock);
    existing = find(cache, shard, n->hash, key);
    if (existing) {
        atomic_fetch_add(&existing->refs, 1);
    } else {
        struct node **bucket = bucket_of(cache, shard, n->hash);
        n->chain = *bucket;
        *bucket = n;
    }
    pthread_rwlock_unlock(&shard->lock);
    if (!existing && !shared)
        admit(cache, n, &dead);
    pthread_mutex_unlock(&cache->queue_lock);
    release_dead(dead);
    if (existing) {
        node_free(n);
        return &existing->entry;
    }
    if (shared) {
        atomic_fetch_add(&cache->rejected, 1);
        atomic_fetch_add(&cache->shared_entries, 1);
        atomic_fetch_add(&cache->shared_bytes, n->cost);
    }
    return &n->entry;
}

void cache_free(struct cache *cache)
{
    struct node *dead = NULL, *n;

    if (!cache)
        return;
    pthread_mutex_lock(&cache->queue_lock);
    while ((n = fifo_pop(&cache->small)) != NULL)
        retire(cache, n, &dead);
    while ((n = fifo_pop(&cache->main)) != NULL)
        retire(cache, n, &dead);
    pthread_mutex_unlock(&cache->queue_lock);
    release_dead(dead);
    cache_unref(cache);
}

void cache_stats(struct cache *cache, struct cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!cache)
        return;
    out->entries = atomic_load(&cache->entries);
    out->bytes = atomic_load(&cache->bytes);
    out->shared_entries = atomic_load(&cache->shared_entries);
    out->shared_bytes = atomic_load(&cache->shared_bytes);
    out->file_entries = atomic_load(&cache->file_entries);
    out->evictions = atomic_load(&cache->evictions);
    out->rejected = atomic_load(&cache->rejected);
}
