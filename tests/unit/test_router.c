/* Unit tests for router.c: every route in the table matches its own paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

/* The concrete path of a pattern with every {id} replaced by id. */
static void instantiate(const char *pattern, const char *id, char *out, size_t size)
{
    size_t n = 0;

    for (const char *p = pattern; *p && n + 1 < size;) {
        if (strncmp(p, "{id}", 4) == 0) {
            n += (size_t)snprintf(out + n, size - n, "%s", id);
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    out[n < size ? n : size - 1] = '\0';
}

static void every_route_matches_itself(void **state)
{
    (void)state;
    assert_true(route_count > 0);
    for (size_t i = 0; i < route_count; i++) {
        char path[512], id_buf[64];
        const char *id;
        const struct route *r;

        instantiate(routes[i].pattern, "some-id", path, sizeof(path));
        r = router_match(path, id_buf, sizeof(id_buf), &id);
        assert_non_null(r);
        assert_ptr_equal(r, &routes[i]);
        assert_int_equal(router_index(r), i);
        if (strstr(routes[i].pattern, "{id}"))
            assert_string_equal(id, "some-id");
        else
            assert_null(id);
        assert_non_null(routes[i].handler);
        assert_true(routes[i].representations != 0);
    }
}

static void near_misses_do_not_match(void **state)
{
    char id_buf[8];
    const char *id;

    (void)state;
    assert_non_null(router_match("/healthz", id_buf, sizeof(id_buf), &id));
    assert_null(router_match("/healthz/", id_buf, sizeof(id_buf), &id));
    assert_null(router_match("/healthzz", id_buf, sizeof(id_buf), &id));
    assert_null(router_match("/health", id_buf, sizeof(id_buf), &id));
    assert_null(router_match("", id_buf, sizeof(id_buf), &id));
    assert_null(router_match("//healthz", id_buf, sizeof(id_buf), &id));
    assert_null(router_match(NULL, id_buf, sizeof(id_buf), &id));
    assert_null(router_match("/healthz", NULL, 0, &id));
}

static void id_segments(void **state)
{
    (void)state;
    for (size_t i = 0; i < route_count; i++) {
        char path[512], id_buf[8];
        const char *id;
        if (!strstr(routes[i].pattern, "{id}"))
            continue;
        /* an empty id or one longer than the buffer does not match this route */
        instantiate(routes[i].pattern, "", path, sizeof(path));
        assert_ptr_not_equal(router_match(path, id_buf, sizeof(id_buf), &id), &routes[i]);
        instantiate(routes[i].pattern, "much-too-long-for-eight", path, sizeof(path));
        assert_ptr_not_equal(router_match(path, id_buf, sizeof(id_buf), &id), &routes[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_matches_itself),
        cmocka_unit_test(near_misses_do_not_match),
        cmocka_unit_test(id_segments),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
