/*
 * Unit tests for search_plain.c: what people type becomes an FTS5
 * expression in which nothing is an operator (every word a quoted string,
 * ANDed), quoted phrases stay phrases, the last word is a prefix only when
 * it is long enough, dotted abbreviations match either spelling; text with
 * nothing to search for is EINVAL; q_mode takes plain and raw only. Every
 * expression is also run through SQLite's FTS5 parser by the HTTP tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "search_plain.h"

static void expect(const char *text, unsigned min_prefix, const char *expression)
{
    struct buf out;

    buf_init(&out, 4096);
    assert_int_equal(search_plain_expression(text, min_prefix, &out), 0);
    assert_string_equal(buf_str(&out), expression);
    buf_release(&out);
}

static void words_are_text(void **state)
{
    (void)state;
    expect("Taliban's", 2, "\"Taliban\""); /* a possessive: a finished word */
    expect("Taliban\xe2\x80\x99s", 2, "\"Taliban\"");
    expect("TALIBAN'S return", 2, "\"TALIBAN\" AND \"return\"*");
    expect("'s", 2, "\"'s\"");
    expect("it''s", 2, "\"it''s\"");
    expect("al-qaeda", 2, "\"al-qaeda\"*");
    expect("Uzbek", 2, "\"Uzbek\"*");
    expect("rock'n'roll", 2, "\"rock'n'roll\"*");
    /* operators and syntax of FTS5 are words like any other */
    expect("a OR b NOT c", 2, "\"a\" AND \"OR\" AND \"b\" AND \"NOT\" AND \"c\"");
    expect("label:x (y) z* ^w", 2, "\"label:x\" AND \"(y)\" AND \"z*\" AND \"^w\"");
    expect("  spaced\tout \n", 2, "\"spaced\" AND \"out\"*");
    expect("Душанбе", 2, "\"Душанбе\"*");
}

static void last_word_prefix_needs_min_letters(void **state)
{
    (void)state;
    expect("a", 2, "\"a\"");
    expect("ab", 2, "\"ab\"*");
    expect("ab", 3, "\"ab\"");
    expect("Kabul-s", 3, "\"Kabul-s\""); /* the last token is `s` */
    expect("kabul.", 2, "\"kabul.\"");   /* a finished word */
    expect("Uzbek", 0, "\"Uzbek\"");     /* 0: no prefix at all */
    expect("Ду", 2, "\"Ду\"*");          /* code points, not bytes */
    expect("Д", 2, "\"Д\"");
}

static void phrases_stay_phrases(void **state)
{
    (void)state;
    expect("\"first layer\"", 2, "\"first layer\"");
    expect("\"first layer\" Russ", 2, "\"first layer\" AND \"Russ\"*");
    expect("Russia \"first layer\"", 2, "\"Russia\" AND \"first layer\"");
    expect("\"unclosed phrase", 2, "\"unclosed phrase\"");
    expect("x\"y\"z", 2, "\"x\" AND \"y\" AND \"z\"");
    expect("\"\" word", 2, "\"word\"*");
}

static void abbreviations_match_either_spelling(void **state)
{
    (void)state;
    expect("U.S.", 2, "(\"U.S.\" OR \"US\")");
    expect("U.S", 2, "(\"U.S\" OR \"US\")");
    expect("the U.S. and Russia", 2,
           "\"the\" AND (\"U.S.\" OR \"US\") AND \"and\" AND \"Russia\"*");
    expect("U.", 2, "\"U.\""); /* one letter is no abbreviation */
}

static void nothing_to_search_for(void **state)
{
    struct buf out;

    (void)state;
    buf_init(&out, 4096);
    assert_int_equal(search_plain_expression("", 2, &out), STRATA_EINVAL);
    assert_int_equal(search_plain_expression("  ", 2, &out), STRATA_EINVAL);
    assert_int_equal(search_plain_expression("... - ''", 2, &out), STRATA_EINVAL);
    assert_int_equal(search_plain_expression("\"\"", 2, &out), STRATA_EINVAL);
    assert_int_equal(search_plain_expression(NULL, 2, &out), STRATA_EINVAL);
    assert_int_equal(search_plain_expression("x", 2, NULL), STRATA_EINVAL);
    buf_release(&out);
}

static void capped_buffer_is_enomem(void **state)
{
    struct buf out;

    (void)state;
    buf_init(&out, 8);
    assert_int_equal(search_plain_expression("a long enough text", 2, &out), STRATA_ENOMEM);
    buf_release(&out);
}

static void mode_values(void **state)
{
    struct problem problem = {0};
    enum search_mode mode = SEARCH_MODE_RAW;

    (void)state;
    assert_int_equal(search_plain_mode("q_mode", NULL, &mode, &problem), 0);
    assert_int_equal(mode, SEARCH_MODE_PLAIN);
    assert_int_equal(search_plain_mode("q_mode", "raw", &mode, &problem), 0);
    assert_int_equal(mode, SEARCH_MODE_RAW);
    assert_int_equal(search_plain_mode("q_mode", "plain", &mode, &problem), 0);
    assert_int_equal(mode, SEARCH_MODE_PLAIN);
    assert_int_equal(problem.code, PROBLEM_NONE);
    assert_int_equal(search_plain_mode("q_mode", "RAW", &mode, &problem), STRATA_EINVAL);
    assert_int_equal(problem.code, PROBLEM_INVALID_PARAMETER);
    assert_int_equal(problem.error_count, 1);
    assert_string_equal(problem.errors[0].parameter, "q_mode");
    assert_string_equal(problem.errors[0].value, "RAW");
    assert_string_equal(problem.errors[0].reason, "must be one of: plain, raw");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_are_text),
        cmocka_unit_test(last_word_prefix_needs_min_letters),
        cmocka_unit_test(phrases_stay_phrases),
        cmocka_unit_test(abbreviations_match_either_spelling),
        cmocka_unit_test(nothing_to_search_for),
        cmocka_unit_test(capped_buffer_is_enomem),
        cmocka_unit_test(mode_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
