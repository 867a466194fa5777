/* Unit tests for negotiate.c: Accept, format, gzip, If-None-Match, CORS, request ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "negotiate.h"

#define COLLECTION (REPR_BIT(REPR_JSON) | REPR_BIT(REPR_CSV) | REPR_BIT(REPR_NDJSON))

static void format_parameter_wins(void **state)
{
    enum representation r;

    (void)state;
    assert_true(negotiate_format("csv", "application/json", COLLECTION, &r));
    assert_int_equal(r, REPR_CSV);
    assert_false(negotiate_format("geojson", NULL, COLLECTION, &r));
    assert_false(negotiate_format("xml", NULL, COLLECTION, &r));
    assert_false(negotiate_format("", NULL, COLLECTION, &r));
}

static void accept_header(void **state)
{
    enum representation r;

    (void)state;
    assert_true(negotiate_format(NULL, NULL, COLLECTION, &r));
    assert_int_equal(r, REPR_JSON);
    assert_true(negotiate_format(NULL, "*/*", COLLECTION, &r));
    assert_int_equal(r, REPR_JSON);
    assert_true(negotiate_format(NULL, "text/csv", COLLECTION, &r));
    assert_int_equal(r, REPR_CSV);
    assert_true(
        negotiate_format(NULL, "application/x-ndjson;q=0.9, text/csv;q=0.5", COLLECTION, &r));
    assert_int_equal(r, REPR_NDJSON);
    assert_true(negotiate_format(NULL, "text/*", COLLECTION, &r));
    assert_int_equal(r, REPR_CSV);
    assert_true(
        negotiate_format(NULL, "text/html,application/xhtml+xml,*/*;q=0.8", COLLECTION, &r));
    assert_int_equal(r, REPR_JSON);
    assert_false(negotiate_format(NULL, "application/xml", COLLECTION, &r));
    assert_false(negotiate_format(NULL, "application/json;q=0", COLLECTION, &r));
    assert_false(negotiate_format(NULL, "*/*;q=0", COLLECTION, &r));
    assert_false(negotiate_format(NULL, "application/json;q=5", COLLECTION, &r));
}

static void gzip(void **state)
{
    (void)state;
    assert_false(negotiate_gzip(NULL));
    assert_true(negotiate_gzip("gzip"));
    assert_true(negotiate_gzip("br, gzip;q=0.5"));
    assert_true(negotiate_gzip("GZIP"));
    assert_true(negotiate_gzip("*"));
    assert_false(negotiate_gzip("gzip;q=0"));
    assert_false(negotiate_gzip("gzip;q=0, *"));
    assert_false(negotiate_gzip("identity"));
    assert_false(negotiate_gzip("gzipx"));
    /* identity preferred by q-value wins; a tie goes to gzip */
    assert_false(negotiate_gzip("gzip;q=0.1, identity"));
    assert_false(negotiate_gzip("*;q=0.3, IDENTITY;q=0.9"));
    assert_true(negotiate_gzip("gzip, identity;q=0.5"));
    assert_true(negotiate_gzip("gzip;q=0.5, identity;q=0.5"));
}

static void etags(void **state)
{
    (void)state;
    assert_true(negotiate_etag_match("\"abc\"", "\"abc\""));
    assert_true(negotiate_etag_match("W/\"abc\"", "\"abc\""));
    assert_true(negotiate_etag_match("\"x\", \"abc\"", "\"abc\""));
    assert_true(negotiate_etag_match("*", "\"abc\""));
    assert_false(negotiate_etag_match("\"abcd\"", "\"abc\""));
    assert_false(negotiate_etag_match("", "\"abc\""));
    assert_false(negotiate_etag_match(NULL, "\"abc\""));
}

static void cors(void **state)
{
    (void)state;
    assert_string_equal(negotiate_cors_origin("*", NULL), "*");
    assert_string_equal(negotiate_cors_origin("*", "http://a"), "*");
    assert_string_equal(negotiate_cors_origin("http://a, http://b", "http://b"), "http://b");
    assert_null(negotiate_cors_origin("http://a, http://b", "http://c"));
    assert_null(negotiate_cors_origin("http://a", "http://a.evil"));
    assert_null(negotiate_cors_origin("http://a.evil", "http://a"));
    assert_null(negotiate_cors_origin("http://a", NULL));
    assert_null(negotiate_cors_origin("", "http://a"));
}

static void request_ids(void **state)
{
    char long_id[200];

    (void)state;
    assert_true(negotiate_request_id_valid("abc-123_x.y:z"));
    assert_false(negotiate_request_id_valid(""));
    assert_false(negotiate_request_id_valid(NULL));
    assert_false(negotiate_request_id_valid("a\r\nSet-Cookie: x"));
    assert_false(negotiate_request_id_valid("a b"));
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_false(negotiate_request_id_valid(long_id));
    long_id[128] = '\0';
    assert_true(negotiate_request_id_valid(long_id));
}

static void describe(void **state)
{
    char text[256];

    (void)state;
    negotiate_describe(COLLECTION, text, sizeof(text));
    assert_string_equal(text, "application/json (format=json), text/csv (format=csv), "
                              "application/x-ndjson (format=ndjson)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_parameter_wins),
        cmocka_unit_test(accept_header),
        cmocka_unit_test(gzip),
        cmocka_unit_test(etags),
        cmocka_unit_test(cors),
        cmocka_unit_test(request_ids),
        cmocka_unit_test(describe),
    };
    return cmocka_run_group_tests_name("negotiate", tests, NULL, NULL);
}
