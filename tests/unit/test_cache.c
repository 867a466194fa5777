/*
 * Unit tests for cache.c: lookups and references, gzip variants and ETags,
 * memfd bodies, the S3-FIFO policy under scans, memory accounting, entries
 * that outlive their eviction or their cache, and concurrent use.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "cache.h"

static struct cache *cache_of(size_t max_bytes, size_t max_entries, size_t file_min_bytes)
{
    struct cache_limits limits = {max_bytes, max_entries, file_min_bytes};
    struct cache *c = cache_new(&limits);

    assert_non_null(c);
    return c;
}

static const struct cache_entry *put(struct cache *c, const char *key, const char *body, size_t len)
{
    struct cache_response r = {body, len, "x", NULL, -1, 0, "v"};

    return cache_put(c, key, &r);
}

/* Is key cached (its reference given back at once)? */
static bool present(struct cache *c, const char *key)
{
    const struct cache_entry *e = cache_get(c, key);

    cache_entry_release(e);
    return e != NULL;
}

static void put_and_get(void **state)
{
    struct cache *c = cache_of(1 << 20, 100, 0);
    struct cache_response r = {"{}", 2, "application/json", "<a>; rel=\"self\"", 7, 3, "v1"};
    struct cache_response other = {"other", 5, "text/plain", NULL, -1, 0, "v1"};
    const struct cache_entry *e, *again, *got;

    (void)state;
    assert_null(cache_get(c, "k"));
    e = cache_put(c, "k", &r);
    assert_non_null(e);
    assert_string_equal(e->body.data, "{}");
    assert_int_equal(e->body.len, 2);
    assert_int_equal(e->fd, -1);
    assert_int_equal(e->total_count, 7);
    assert_int_equal(e->route_index, 3);
    assert_string_equal(e->link, "<a>; rel=\"self\"");
    assert_int_equal(e->gzip.len, 0); /* too small to be worth it */
    assert_int_equal(strlen(e->etag), 18);
    again = cache_put(c, "k", &other);
    assert_ptr_equal(again, e);
    got = cache_get(c, "k");
    assert_ptr_equal(got, e);
    cache_entry_release(e);
    cache_entry_release(again);
    cache_entry_release(got);
    assert_null(cache_put(c, NULL, &r));
    assert_null(cache_put(NULL, "k", &r));
    cache_free(c);
    cache_free(NULL);
    cache_entry_release(NULL);
    assert_null(cache_get(NULL, "k"));
    assert_null(cache_new(NULL));
}

static void inflate_equals(const char *gz, size_t gz_len, const char *body, size_t len)
{
    char *back = malloc(len + 1);
    z_stream z;

    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)gz;
    z.avail_in = (uInt)gz_len;
    z.next_out = (Bytef *)back;
    z.avail_out = (uInt)len + 1;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, len);
    assert_memory_equal(back, body, len);
    inflateEnd(&z);
    free(back);
}

static void gzip_variant_round_trips(void **state)
{
    struct cache *c = cache_of(1 << 20, 100, 0);
    char body[4096];
    const struct cache_entry *e;

    (void)state;
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (char)('a' + i % 7);
    e = put(c, "big", body, sizeof(body));
    assert_non_null(e->gzip.data);
    assert_true(e->gzip.len < e->body.len);
    assert_string_not_equal(e->etag, e->gzip_etag);
    inflate_equals(e->gzip.data, e->gzip.len, body, sizeof(body));
    cache_entry_release(e);
    cache_free(c);
}

static void large_bodies_live_in_a_memfd(void **state)
{
    struct cache *c = cache_of(4 << 20, 100, 1024);
    size_t len = 200000;
    char *body = malloc(len), *back = malloc(len);
    const struct cache_entry *e;
    struct cache_stats stats;
    uint32_t x = 1;

    (void)state;

    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        body[i] = (char)('a' + (x >> 16) % 26);
    }
    e = put(c, "file", body, len);
    assert_non_null(e);
    assert_true(e->fd >= 0);
    assert_null(e->body.data);
    assert_int_equal(e->body.len, len);
    assert_int_equal(pread(e->fd, back, len, (off_t)e->body.offset), (ssize_t)len);
    assert_memory_equal(back, body, len);
    assert_true(e->gzip.len > 1024); /* the gzip variant follows in the same file */
    assert_null(e->gzip.data);
    assert_int_equal(e->gzip.offset, len);
    assert_int_equal(pread(e->fd, back, e->gzip.len, (off_t)e->gzip.offset), (ssize_t)e->gzip.len);
    inflate_equals(back, e->gzip.len, body, len);
    assert_true(e->cost >= len + e->gzip.len); /* the file's pages are charged */
    cache_stats(c, &stats);
    assert_int_equal(stats.file_entries, 1);
    cache_entry_release(e);
    /* small bodies stay in memory */
    e = put(c, "small", "tiny", 4);
    assert_int_equal(e->fd, -1);
    cache_entry_release(e);
    free(body);
    free(back);
    cache_free(c);
}

static void etags_depend_on_seed_and_body(void **state)
{
    char a[32], b[32], c[32];

    (void)state;
    cache_etag("v1", "body", 4, "", a, sizeof(a));
    cache_etag("v2", "body", 4, "", b, sizeof(b));
    cache_etag("v1", "body", 4, "-gz", c, sizeof(c));
    assert_string_not_equal(a, b);
    assert_int_equal(a[0], '"');
    assert_memory_equal(a, c, 17);
    assert_string_equal(c + 17, "-gz\"");
}

#define CAPACITY (1u << 20)
#define BODY 1000

/* Insert key with a BODY-byte body and give the reference back. */
static void put_released(struct cache *c, const char *key)
{
    static char body[BODY];

    memset(body, 'b', sizeof(body));
    cache_entry_release(put(c, key, body, sizeof(body)));
}

/*
 * The S3-FIFO promise: 50 answers asked for now and then stay cached while
 * one-off keys worth 10 times the budget stream through.
 */
static void popular_set_survives_a_scan(void **state)
{
    struct cache *c = cache_of(CAPACITY, 5000, 0);
    char key[64];
    struct cache_stats stats;
    size_t scanned = 0, n = 0;

    (void)state;
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "/popular/%d", i);
        put_released(c, key);
        assert_true(present(c, key)); /* asked for again */
    }
    while (scanned < 10 * (size_t)CAPACITY) {
        snprintf(key, sizeof(key), "/one-off/%zu", n++);
        put_released(c, key);
        scanned += BODY + strlen(key);
        if (n % 100 == 0) { /* the popular set keeps being asked for */
            snprintf(key, sizeof(key), "/popular/%zu", (n / 100) % 50);
            assert_true(present(c, key));
        }
    }
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "/popular/%d", i);
        assert_true(present(c, key));
    }
    cache_stats(c, &stats);
    assert_true(stats.evictions > n / 2);
    assert_true(stats.bytes <= CAPACITY);
    cache_free(c);
}

/* Not even one hit is needed: the main queue is left alone while the small one churns. */
static void scan_alone_leaves_the_main_queue_alone(void **state)
{
    struct cache *c = cache_of(CAPACITY, 5000, 0);
    char key[64];

    (void)state;
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "/popular/%d", i);
        put_released(c, key);
        assert_true(present(c, key));
    }
    for (size_t n = 0; n < 10 * CAPACITY / BODY; n++) {
        snprintf(key, sizeof(key), "/one-off/%zu", n);
        put_released(c, key);
    }
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "/popular/%d", i);
        assert_true(present(c, key));
    }
    cache_free(c);
}

/* A key evicted from probation and inserted again is a regular: the ghost sends it to main. */
static void ghost_hit_goes_to_main(void **state)
{
    struct cache *c = cache_of(CAPACITY, 5000, 0);
    char key[64];

    (void)state;
    put_released(c, "/again"); /* never asked for again: evicted from probation */
    for (size_t n = 0; n < 2 * CAPACITY / BODY; n++) {
        snprintf(key, sizeof(key), "/first/%zu", n);
        put_released(c, key);
    }
    assert_false(present(c, "/again"));
    put_released(c, "/again"); /* never hit, but remembered */
    for (size_t n = 0; n < 10 * CAPACITY / BODY; n++) {
        snprintf(key, sizeof(key), "/second/%zu", n);
        put_released(c, key);
    }
    assert_true(present(c, "/again"));
    cache_free(c);
}

/* strata_cache_bytes: the tables plus what every entry was charged, never above the budget. */
static void accounting_equals_the_sum_stored(void **state)
{
    size_t budget = 256 * 1024;
    struct cache *c = cache_of(budget, 300, 0);
    struct cache_stats empty, stats;
    char key[64], *body = malloc(20000);
    size_t sum = 0, count = 0;

    (void)state;
    memset(body, 'x', 20000);
    cache_stats(c, &empty);
    assert_true(empty.bytes > 0); /* the tables */
    for (size_t i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "/k/%zu?%0*d", i, (int)(i % 40), 0);
        cache_entry_release(put(c, key, body, 10 + (i * 37) % 19000));
        cache_stats(c, &stats);
        assert_true(stats.bytes <= budget);
        assert_true(stats.entries <= 300);
    }
    for (size_t i = 0; i < 2000; i++) {
        const struct cache_entry *e;
        snprintf(key, sizeof(key), "/k/%zu?%0*d", i, (int)(i % 40), 0);
        e = cache_get(c, key);
        if (!e)
            continue;
        assert_true(e->cost >= sizeof(*e) + strlen(key) + e->body.len + e->gzip.len);
        sum += e->cost;
        count++;
        cache_entry_release(e);
    }
    cache_stats(c, &stats);
    assert_int_equal(stats.entries, count);
    assert_int_equal(stats.bytes, empty.bytes + sum);
    assert_true(stats.evictions > 0);
    free(body);
    cache_free(c);
}

static void entry_cap_is_kept(void **state)
{
    struct cache *c = cache_of(1 << 20, 20, 0);
    struct cache_stats stats;
    char key[32];

    (void)state;
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cache_entry_release(put(c, key, "1", 1));
    }
    cache_stats(c, &stats);
    assert_int_equal(stats.entries, 20);
    assert_int_equal(stats.evictions, 80);
    cache_free(c);
}

/* A connection still sending an entry keeps it whole after eviction and after cache_free. */
static void held_entries_outlive_eviction_and_the_cache(void **state)
{
    struct cache *c = cache_of(64 * 1024, 4, 1024);
    const struct cache_entry *held = put(c, "held", "the held body", 13), *file;
    char key[32], big[4096], back[4096];

    (void)state;
    memset(big, 'f', sizeof(big));
    file = put(c, "file", big, sizeof(big));
    assert_true(file->fd >= 0);
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cache_entry_release(put(c, key, "1", 1));
    }
    assert_false(present(c, "held"));
    assert_false(present(c, "file"));
    assert_string_equal(held->body.data, "the held body");
    cache_free(c);
    assert_string_equal(held->key, "held");
    assert_int_equal(pread(file->fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
    assert_memory_equal(back, big, sizeof(big));
    cache_entry_release(held);
    cache_entry_release(file); /* the last reference frees the cache's tables */
}

/* Too big to admit: not charged, but shared by every request while one holds it. */
static void oversized_answers_are_shared_while_held(void **state)
{
    struct cache *c = cache_of(100 * 1024, 100, 0);
    char *big = calloc(1, 50000);
    const struct cache_entry *a, *b;
    struct cache_stats stats;

    (void)state;
    memset(big, '[', 50000);
    a = put(c, "/v1/graph", big, 50000);
    assert_non_null(a);
    b = cache_get(c, "/v1/graph");
    assert_ptr_equal(a, b);
    assert_ptr_equal(put(c, "/v1/graph", big, 50000), a);
    cache_entry_release(a);
    cache_stats(c, &stats);
    assert_int_equal(stats.rejected, 1);
    assert_int_equal(stats.entries, 0);
    assert_int_equal(stats.shared_entries, 1);
    assert_true(stats.shared_bytes >= 50000);
    cache_entry_release(b);
    assert_true(present(c, "/v1/graph")); /* one reference left */
    cache_entry_release(a);
    assert_false(present(c, "/v1/graph"));
    cache_stats(c, &stats);
    assert_int_equal(stats.shared_entries, 0);
    assert_int_equal(stats.shared_bytes, 0);
    free(big);
    cache_free(c);
}

static void *use_many(void *arg)
{
    struct cache *c = arg;
    char key[32], body[64];

    for (int i = 0; i < 20000; i++) {
        const struct cache_entry *e;
        int k = (i * 7919) % (i % 3 ? 40 : 5000);
        snprintf(key, sizeof(key), "k%d", k);
        snprintf(body, sizeof(body), "body of %d", k);
        e = i % 2 ? cache_get(c, key) : put(c, key, body, strlen(body));
        if (e && strcmp(e->body.data, body) != 0)
            return (void *)1;
        cache_entry_release(e);
    }
    return NULL;
}

static void concurrent_use_agrees(void **state)
{
    struct cache *c = cache_of(64 * 1024, 300, 0);
    pthread_t threads[4];
    struct cache_stats stats;

    (void)state;
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, use_many, c);
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        assert_null(result);
    }
    cache_stats(c, &stats);
    assert_true(stats.entries <= 300);
    assert_true(stats.bytes <= 64 * 1024);
    assert_true(stats.evictions > 0);
    cache_free(c);
}

static void budget_too_small_for_the_tables(void **state)
{
    struct cache_limits limits = {1024, 1000000, 0};

    (void)state;
    assert_null(cache_new(&limits));
    limits.max_entries = 0;
    limits.max_bytes = 1 << 20;
    assert_null(cache_new(&limits));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_and_get),
        cmocka_unit_test(gzip_variant_round_trips),
        cmocka_unit_test(large_bodies_live_in_a_memfd),
        cmocka_unit_test(etags_depend_on_seed_and_body),
        cmocka_unit_test(popular_set_survives_a_scan),
        cmocka_unit_test(scan_alone_leaves_the_main_queue_alone),
        cmocka_unit_test(ghost_hit_goes_to_main),
        cmocka_unit_test(accounting_equals_the_sum_stored),
        cmocka_unit_test(entry_cap_is_kept),
        cmocka_unit_test(held_entries_outlive_eviction_and_the_cache),
        cmocka_unit_test(oversized_answers_are_shared_while_held),
        cmocka_unit_test(concurrent_use_agrees),
        cmocka_unit_test(budget_too_small_for_the_tables),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
