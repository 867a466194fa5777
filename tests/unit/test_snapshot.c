/* Unit tests for snapshot.c: create, publish, acquire and release across reloads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snapshot.h"

static char fixture[1024];

static int find_fixture(void **state)
{
    const char *root = getenv("STRATA_ROOT");

    (void)state;
    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/valid", root && *root ? root : ".");
    return 0;
}

static void create_publish_release(void **state)
{
    struct snapshot_options options = {.cache_max_bytes = 1 << 20, .cache_max_entries = 100};
    struct model_error err;
    struct snapshot *snap = NULL, *got;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_null(snapshot_acquire());
    assert_int_equal(snapshot_create(fixture, &options, 1, &snap, &err), 0);
    assert_non_null(snap->model);
    assert_non_null(snap->store);
    assert_non_null(snap->cache);
    assert_int_equal(snap->generation, 1);
    assert_non_null(strstr(snap->last_modified, " GMT"));
    snapshot_publish(snap);
    got = snapshot_acquire();
    assert_ptr_equal(got, snap);
    assert_int_equal(atomic_load(&got->refs), 2);
    snapshot_release(got);
    snapshot_retire();
    assert_null(snapshot_acquire());
    snapshot_release(NULL);
}

static void bad_model_is_reported(void **state)
{
    struct snapshot_options options = {.cache_max_bytes = 0};
    struct model_error err;
    struct snapshot *snap = NULL;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_not_equal(snapshot_create("/nonexistent/model", &options, 1, &snap, &err), 0);
    assert_null(snap);
    assert_true(err.message[0] != '\0');
}

static atomic_bool stop;

static void *reader(void *arg)
{
    unsigned long seen = 0;

    (void)arg;
    while (!atomic_load(&stop)) {
        struct snapshot *s = snapshot_acquire();
        if (s) {
            if (s->generation < seen)
                return (void *)1; /* generations only move forward */
            seen = s->generation;
            snapshot_release(s);
        }
    }
    return NULL;
}

static void readers_survive_reloads(void **state)
{
    struct snapshot_options options = {.cache_max_bytes = 0};
    pthread_t threads[3];

    (void)state;
    atomic_store(&stop, false);
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, reader, NULL);
    for (unsigned long g = 1; g <= 20; g++) {
        struct model_error err;
        struct snapshot *snap = NULL;
        assert_int_equal(snapshot_create(fixture, &options, g, &snap, &err), 0);
        snapshot_publish(snap);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++) {
        void *result;
        pthread_join(threads[i], &result);
        assert_null(result);
    }
    snapshot_retire();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_publish_release),
        cmocka_unit_test(bad_model_is_reported),
        cmocka_unit_test(readers_survive_reloads),
    };
    return cmocka_run_group_tests_name("snapshot", tests, find_fixture, NULL);
}
