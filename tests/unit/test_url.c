/* Unit tests for url.c: strict decoding of request targets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "url.h"

static void parses_path_and_params(void **state)
{
    struct url u;
    struct problem p = {0};

    (void)state;
    assert_int_equal(url_parse("/v1/events?actor=russia&kind=a%2Cb&q=hello+world&flag", 64, &u, &p),
                     0);
    assert_string_equal(u.path, "/v1/events");
    assert_int_equal(u.param_count, 4);
    assert_string_equal(u.params[0].name, "actor");
    assert_string_equal(u.params[0].value, "russia");
    assert_string_equal(u.params[1].value, "a,b");
    assert_string_equal(u.params[2].value, "hello world");
    assert_string_equal(u.params[3].name, "flag");
    assert_string_equal(u.params[3].value, "");
    url_release(&u);
}

static void skips_empty_pieces_and_decodes_utf8(void **state)
{
    struct url u;
    struct problem p = {0};

    (void)state;
    assert_int_equal(url_parse("/a%20b?&&x=%E2%80%99&", 64, &u, &p), 0);
    assert_string_equal(u.path, "/a b");
    assert_int_equal(u.param_count, 1);
    assert_string_equal(u.params[0].value, "\xe2\x80\x99");
    url_release(&u);
}

static void refuses_bad_encoding(void **state)
{
    const char *bad[] = {"/a%zz",       "/a%2",        "/a%00b",         "/x?q=%00",
                         "/x?q=%ff",    "/x?q=%c0%af", "/x?q=%ed%a0%80", "/x?%0a=1",
                         "/x?q=%E2%80", "/x?=value",   "relative",       "/x?q=%0d%0a"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct url u;
        struct problem p = {0};
        assert_int_not_equal(url_parse(bad[i], 64, &u, &p), 0);
        assert_int_equal(p.code, PROBLEM_INVALID_ENCODING);
        assert_null(u.path);
        url_release(&u);
    }
}

static void limits_parameter_count(void **state)
{
    struct url u;
    struct problem p = {0};

    (void)state;
    assert_int_equal(url_parse("/x?a=1&b=2&c=3", 3, &u, &p), 0);
    url_release(&u);
    assert_int_not_equal(url_parse("/x?a=1&b=2&c=3&d=4", 3, &u, &p), 0);
    assert_int_equal(p.code, PROBLEM_TOO_MANY_PARAMETERS);
    assert_non_null(strstr(p.detail, "4 parameters"));
}

static void decode_boundaries(void **state)
{
    char out[16];

    (void)state;
    assert_int_equal(url_decode("", 0, 1, out), 0);
    assert_string_equal(out, "");
    assert_int_equal(url_decode("a+b", 3, 0, out), 3);
    assert_string_equal(out, "a+b");
    assert_int_equal(url_decode("%41", 3, 0, out), 1);
    assert_string_equal(out, "A");
    assert_int_equal(url_decode("%4", 2, 0, out), -1);
    assert_int_equal(url_decode("\x7f", 1, 0, out), -1);
    url_release(NULL);
}

static void encode_components_and_paths(void **state)
{
    struct buf out;
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(url_encode(&out, "a b&c=d,e:f/é%\"~"), 0);
    assert_string_equal(buf_str(&out), "a%20b%26c%3Dd,e:f%2F%C3%A9%25%22~");
    buf_reset(&out);
    assert_int_equal(url_encode_path(&out, "/v1/actors/a b?"), 0);
    assert_string_equal(buf_str(&out), "/v1/actors/a%20b%3F");
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_components_and_paths),
        cmocka_unit_test(parses_path_and_params),
        cmocka_unit_test(skips_empty_pieces_and_decodes_utf8),
        cmocka_unit_test(refuses_bad_encoding),
        cmocka_unit_test(limits_parameter_count),
        cmocka_unit_test(decode_boundaries),
    };
    return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
