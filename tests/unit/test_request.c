/* Unit tests for request.c: representations, responses, parameter lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static void representation_names_and_types(void **state)
{
    (void)state;
    assert_string_equal(representation_name(REPR_JSON), "json");
    assert_string_equal(representation_name(REPR_GEOJSON), "geojson");
    assert_string_equal(representation_name(REPR_COUNT), "unknown");
    assert_string_equal(representation_content_type(REPR_JSON), "application/json; charset=utf-8");
    assert_string_equal(representation_content_type(REPR_NDJSON),
                        "application/x-ndjson; charset=utf-8");
    assert_non_null(strstr(representation_content_type(REPR_CSV), "text/csv"));
    assert_string_equal(representation_content_type(REPR_COUNT), "application/octet-stream");
}

static void response_lifecycle(void **state)
{
    struct response res;

    (void)state;
    response_init(&res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    assert_int_equal(res.total_count, -1);
    assert_false(res.no_store);
    buf_puts(&res.body, "x");
    buf_puts(&res.link, "<a>");
    response_release(&res);
    assert_null(res.body.data);
    assert_null(res.link.data);
}

static void first_parameter_wins(void **state)
{
    struct param params[] = {{"kind", "state"}, {"kind", "person"}, {"q", ""}};
    struct request req = {.params = params, .param_count = 3};

    (void)state;
    assert_string_equal(request_param(&req, "kind"), "state");
    assert_string_equal(request_param(&req, "q"), "");
    assert_null(request_param(&req, "sort"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(representation_names_and_types),
        cmocka_unit_test(response_lifecycle),
        cmocka_unit_test(first_parameter_wins),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
