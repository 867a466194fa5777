/*
 * Unit tests for params.c: dates, whole numbers, unknown names and single
 * values, each with the problem a client gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "params.h"

#include "fake_request.h"

static void date_helper(void **state)
{
    char out[11];
    (void)state;
    assert_int_equal(params_date("1900-02", true, out), 0);
    assert_string_equal(out, "1900-02-28");
    assert_int_equal(params_date("2000-02", true, out), 0);
    assert_string_equal(out, "2000-02-29");
    assert_int_equal(params_date("2021-12", false, out), 0);
    assert_string_equal(out, "2021-12-01");
    assert_int_equal(params_date("9999", true, out), 0);
    assert_string_equal(out, "9999-12-31");
    assert_int_equal(params_date(NULL, true, out), STRATA_EPARSE);
    assert_int_equal(params_date("2021-04-31", false, out), STRATA_EPARSE);
}

static void integer_helper(void **state)
{
    struct problem problem;
    long long v = -1;
    (void)state;
    memset(&problem, 0, sizeof(problem));
    assert_int_equal(params_integer("n", "0", 0, 10, &v, &problem), 0);
    assert_int_equal(v, 0);
    assert_int_equal(params_integer("n", "10", 0, 10, &v, &problem), 0);
    assert_int_equal(v, 10);
    assert_int_equal(params_integer("n", "11", 0, 10, &v, &problem), STRATA_EINVAL);
    assert_int_equal(params_integer("n", NULL, 0, 10, &v, &problem), STRATA_EINVAL);
    assert_int_equal(v, 10); /* untouched on failure */
    assert_int_equal(problem.code, PROBLEM_INVALID_PARAMETER);
}

static void names_and_singles(void **state)
{
    static const char *const allowed[] = {"q", "limit", NULL};
    struct problem problem;
    struct fake f;
    const char *value = "x";
    (void)state;
    fake_init(&f, "q=a&limit=3&format=csv&pretty=true");
    memset(&problem, 0, sizeof(problem));
    assert_true(params_check_names(&f.req, "/v1/search", allowed, &problem));
    fake_init(&f, "q=a&colour=red&size=2");
    assert_false(params_check_names(&f.req, "/v1/search", allowed, &problem));
    assert_int_equal(problem.code, PROBLEM_UNKNOWN_PARAMETER);
    assert_int_equal(problem.error_count, 2);
    assert_string_equal(problem.errors[0].parameter, "colour");
    assert_non_null(strstr(problem.errors[0].reason, "allowed: q, limit, format, pretty"));

    memset(&problem, 0, sizeof(problem));
    fake_init(&f, "q=a&limit=3");
    assert_int_equal(params_single(&f.req, "q", &value, &problem), 0);
    assert_string_equal(value, "a");
    assert_int_equal(params_single(&f.req, "offset", &value, &problem), 0);
    assert_null(value);
    fake_init(&f, "q=a&q=b");
    assert_int_equal(params_single(&f.req, "q", &value, &problem), STRATA_EINVAL);
    assert_null(value);
    fake_init(&f, "q=");
    assert_int_equal(params_single(&f.req, "q", &value, &problem), STRATA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_helper),
        cmocka_unit_test(integer_helper),
        cmocka_unit_test(names_and_singles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
