/*
 * Unit tests for text.c: text_copy_truncated copies what fits unchanged and
 * cuts what does not at a UTF-8 boundary, with "...", never past size;
 * text_line_column counts lines and code-point columns from 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

/* Text shorter than size is copied whole; size - 1 bytes still fit. */
static void copies_what_fits(void **state)
{
    char dst[8];

    (void)state;
    text_copy_truncated(dst, sizeof(dst), "");
    assert_string_equal(dst, "");
    text_copy_truncated(dst, sizeof(dst), "abc");
    assert_string_equal(dst, "abc");
    text_copy_truncated(dst, sizeof(dst), "abcdefg");
    assert_string_equal(dst, "abcdefg");
}

/* ASCII that does not fit keeps size - 4 bytes and "...". */
static void cuts_ascii_with_ellipsis(void **state)
{
    char dst[8];

    (void)state;
    memset(dst, 'x', sizeof(dst));
    text_copy_truncated(dst, sizeof(dst), "abcdefgh");
    assert_string_equal(dst, "abcd...");
    text_copy_truncated(dst, 4, "abcd");
    assert_string_equal(dst, "...");
}

/* A multi-byte code point that would be split is left out whole. */
static void cuts_at_utf8_boundary(void **state)
{
    char dst[8];

    (void)state;
    /* "ab" + U+00E9 (2 bytes) + "cdef": the cut at 4 bytes falls right after U+00E9 */
    text_copy_truncated(dst, sizeof(dst),
                        "ab\xc3\xa9"
                        "cdef");
    assert_string_equal(dst, "ab\xc3\xa9...");
    /* "abc" + U+00E9: a cut at 4 bytes would split it, so only "abc" stays */
    text_copy_truncated(dst, sizeof(dst),
                        "abc\xc3\xa9"
                        "def");
    assert_string_equal(dst, "abc...");
    /* U+20AC (3 bytes) twice: the cut at 4 bytes keeps the first only */
    text_copy_truncated(dst, sizeof(dst), "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
    assert_string_equal(dst, "\xe2\x82\xac...");
    /* U+1F600 (4 bytes) first and cut inside the second: nothing of the second */
    text_copy_truncated(dst, sizeof(dst), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    assert_string_equal(dst, "\xf0\x9f\x98\x80...");
    /* a single code point longer than the room: only "..." */
    text_copy_truncated(dst, 6, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    assert_string_equal(dst, "...");
}

/* Lines and columns start at 1; a newline starts a line; a code point is one column. */
static void line_and_column(void **state)
{
    const char *text = "ab\n\xc3\xa9x\n\n\xe2\x82\xac";
    static const struct {
        size_t pos;
        const char *want;
    } cases[] = {
        {0, "line 1, column 1"},  {2, "line 1, column 3"},
        {3, "line 2, column 1"},  {5, "line 2, column 2"}, /* after U+00E9 (2 bytes): one column */
        {6, "line 2, column 3"},  {8, "line 4, column 1"},
        {11, "line 4, column 2"}, /* after U+20AC (3 bytes): one column */
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        text_line_column(text, cases[i].pos, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
    /* cut to size like snprintf */
    text_line_column(text, 0, out, 5);
    assert_string_equal(out, "line");
}

static void finds_escaped_nul(void **state)
{
    static const char *const none[] = {"{}", "\"\\u0001\"", "\"\\\\u0000\"", "\"\\u000\"", ""};
    const char *one = "[\"a\", \"b\\u0000c\"]";
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        assert_int_equal(text_find_escaped_nul(none[i], strlen(none[i])), strlen(none[i]));
    assert_int_equal(text_find_escaped_nul(one, strlen(one)), 8);
    /* the escape must lie wholly within len */
    assert_int_equal(text_find_escaped_nul(one, 12), 12);
    assert_int_equal(text_find_escaped_nul(one, 14), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copies_what_fits),      cmocka_unit_test(cuts_ascii_with_ellipsis),
        cmocka_unit_test(cuts_at_utf8_boundary), cmocka_unit_test(line_and_column),
        cmocka_unit_test(finds_escaped_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
