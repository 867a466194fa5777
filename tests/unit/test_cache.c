/* Unit tests for cache.c: insert-only lookups, caps, gzip variants, ETags. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "cache.h"

static void put_and_get(void **state)
{
    struct cache *c = cache_new(1 << 20, 100);
    const struct cache_entry *e, *again;

    (void)state;
    assert_null(cache_get(c, "k"));
    e = cache_put(c, "k", "{}", 2, "application/json", "<a>; rel=\"self\"", 7, 3, "v1");
    assert_non_null(e);
    assert_string_equal(e->body, "{}");
    assert_int_equal(e->total_count, 7);
    assert_int_equal(e->route_index, 3);
    assert_string_equal(e->link, "<a>; rel=\"self\"");
    assert_null(e->gzip); /* too small to be worth it */
    assert_int_equal(strlen(e->etag), 18);
    again = cache_put(c, "k", "other", 5, "text/plain", NULL, -1, 0, "v1");
    assert_ptr_equal(again, e);
    assert_ptr_equal(cache_get(c, "k"), e);
    cache_free(c);
    cache_free(NULL);
    assert_null(cache_get(NULL, "k"));
}

static void gzip_variant_round_trips(void **state)
{
    struct cache *c = cache_new(1 << 20, 100);
    char body[4096], back[8192];
    const struct cache_entry *e;
    z_stream z;

    (void)state;
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (char)('a' + i % 7);
    e = cache_put(c, "big", body, sizeof(body), "text/plain", NULL, -1, 0, "v1");
    assert_non_null(e->gzip);
    assert_true(e->gzip_len < e->body_len);
    assert_string_not_equal(e->etag, e->gzip_etag);
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)e->gzip;
    z.avail_in = (uInt)e->gzip_len;
    z.next_out = (Bytef *)back;
    z.avail_out = sizeof(back);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, sizeof(body));
    assert_memory_equal(back, body, sizeof(body));
    inflateEnd(&z);
    cache_free(c);
}

static void caps_stop_insertion(void **state)
{
    struct cache *c = cache_new(100, 2);
    struct cache_stats stats;
    char big[200] = {0};

    (void)state;
    assert_null(cache_put(c, "big", big, sizeof(big), "x", NULL, -1, 0, "v"));
    assert_non_null(cache_put(c, "a", "1", 1, "x", NULL, -1, 0, "v"));
    assert_non_null(cache_put(c, "b", "2", 1, "x", NULL, -1, 0, "v"));
    assert_null(cache_put(c, "c", "3", 1, "x", NULL, -1, 0, "v"));
    cache_stats(c, &stats);
    assert_int_equal(stats.entries, 2);
    assert_int_equal(stats.bytes, 2);
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

static void *insert_many(void *arg)
{
    struct cache *c = arg;
    char key[32];

    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i % 500);
        const struct cache_entry *e = cache_put(c, key, key, strlen(key), "x", NULL, -1, 0, "v");
        if (!e || strcmp(e->body, key) != 0 || cache_get(c, key) != e)
            return (void *)1;
    }
    return NULL;
}

static void concurrent_inserts_agree(void **state)
{
    struct cache *c = cache_new(1 << 20, 10000);
    pthread_t threads[4];
    struct cache_stats stats;

    (void)state;
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, insert_many, c);
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        assert_null(result);
    }
    cache_stats(c, &stats);
    assert_int_equal(stats.entries, 500);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_and_get),
        cmocka_unit_test(gzip_variant_round_trips),
        cmocka_unit_test(caps_stop_insertion),
        cmocka_unit_test(etags_depend_on_seed_and_body),
        cmocka_unit_test(concurrent_inserts_agree),
    };
    return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
