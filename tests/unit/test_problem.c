/* Unit tests for problem.c: codes, statuses and the problem+json body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "problem.h"

static void statuses(void **state)
{
    (void)state;
    assert_int_equal(problem_status(PROBLEM_UNKNOWN_PARAMETER), 400);
    assert_int_equal(problem_status(PROBLEM_NOT_FOUND), 404);
    assert_int_equal(problem_status(PROBLEM_METHOD_NOT_ALLOWED), 405);
    assert_int_equal(problem_status(PROBLEM_NOT_ACCEPTABLE), 406);
    assert_int_equal(problem_status(PROBLEM_URI_TOO_LONG), 414);
    assert_int_equal(problem_status(PROBLEM_HEADERS_TOO_LARGE), 431);
    assert_int_equal(problem_status(PROBLEM_UNAVAILABLE), 503);
    assert_int_equal(problem_status((enum problem_code)999), 500);
    assert_string_equal(problem_code_name(PROBLEM_INVALID_QUERY), "invalid_query");
    assert_string_equal(problem_title(PROBLEM_NOT_FOUND), "Not found");
}

static void renders_rfc9457(void **state)
{
    struct problem p = {0};
    struct buf out;
    cJSON *doc, *errors, *e;

    (void)state;
    problem_set(&p, PROBLEM_UNKNOWN_PARAMETER, "unknown parameter '%s'", "colour");
    problem_add_error(&p, "colour", "red", "allowed: %s", "kind, sort");
    buf_init(&out, 0);
    assert_int_equal(problem_render(&p, "/v1/actors?colour=red", 0, &out), 0);
    doc = cJSON_Parse(buf_str(&out));
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring,
                        "urn:strata:problem:unknown_parameter");
    assert_int_equal(cJSON_GetObjectItem(doc, "status")->valueint, 400);
    assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, "unknown_parameter");
    assert_string_equal(cJSON_GetObjectItem(doc, "instance")->valuestring, "/v1/actors?colour=red");
    assert_string_equal(cJSON_GetObjectItem(doc, "detail")->valuestring,
                        "unknown parameter 'colour'");
    errors = cJSON_GetObjectItem(doc, "errors");
    assert_int_equal(cJSON_GetArraySize(errors), 1);
    e = cJSON_GetArrayItem(errors, 0);
    assert_string_equal(cJSON_GetObjectItem(e, "parameter")->valuestring, "colour");
    assert_string_equal(cJSON_GetObjectItem(e, "value")->valuestring, "red");
    assert_string_equal(cJSON_GetObjectItem(e, "reason")->valuestring, "allowed: kind, sort");
    cJSON_Delete(doc);
    buf_release(&out);
}

static void hostile_values_are_cleaned(void **state)
{
    struct problem p = {0};
    struct buf out;
    cJSON *doc;

    (void)state;
    problem_set(&p, PROBLEM_INVALID_PARAMETER, "bad");
    problem_add_error(&p, "q", "\xff\xfe\r\n\"x", "r");
    buf_init(&out, 0);
    assert_int_equal(problem_render(&p, "/x\r\ny", 1, &out), 0);
    doc = cJSON_Parse(buf_str(&out));
    assert_non_null(doc);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "value")
            ->valuestring,
        "????\"x");
    assert_string_equal(cJSON_GetObjectItem(doc, "instance")->valuestring, "/x??y");
    cJSON_Delete(doc);
    buf_release(&out);
}

static void error_list_is_capped(void **state)
{
    struct problem p = {0};

    (void)state;
    problem_set(&p, PROBLEM_INVALID_PARAMETER, "many");
    for (int i = 0; i < PROBLEM_MAX_ERRORS + 5; i++)
        problem_add_error(&p, "x", "y", "%d", i);
    assert_int_equal(p.error_count, PROBLEM_MAX_ERRORS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statuses),
        cmocka_unit_test(renders_rfc9457),
        cmocka_unit_test(hostile_values_are_cleaned),
        cmocka_unit_test(error_list_is_capped),
    };
    return cmocka_run_group_tests_name("problem", tests, NULL, NULL);
}
