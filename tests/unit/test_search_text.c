/*
 * Unit tests for search_text.c: the shortest prefix term of an FTS5
 * expression is the last run of letters and digits before each '*' (in a
 * phrase, its last token); a '*' inside quotes is text; search_text_check
 * refuses a prefix shorter than the minimum with a 400 naming q.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "search_text.h"

static size_t shortest(const char *text, const char *expected_term)
{
    char term[64];
    size_t n = search_text_shortest_prefix(text, term, sizeof(term));

    if (expected_term)
        assert_string_equal(term, expected_term);
    return n;
}

static void finds_the_shortest_prefix(void **state)
{
    (void)state;
    assert_int_equal(shortest("a*", "a"), 1);
    assert_int_equal(shortest("taliban", ""), (size_t)-1);
    assert_int_equal(shortest("", ""), (size_t)-1);
    assert_int_equal(shortest("russ* OR ta*", "ta"), 2);
    assert_int_equal(shortest("russ * OR tal*", "tal"), 3);
    assert_int_equal(shortest("foo_b*", "b"), 1);
    assert_int_equal(shortest("label:sec*", "sec"), 3);
    assert_int_equal(shortest("NEAR(tal* s*, 5)", "s"), 1);
    assert_int_equal(shortest("^cen*", "cen"), 3);
    /* a phrase's last token, with or without a space before the '*' */
    assert_int_equal(shortest("\"central a\"*", "a"), 1);
    assert_int_equal(shortest("\"central as\" *", "as"), 2);
    /* '*' inside a phrase is text; "" inside a phrase keeps it open */
    assert_int_equal(shortest("\"a*\"", ""), (size_t)-1);
    assert_int_equal(shortest("\"x \"\"b*\"", ""), (size_t)-1);
    /* a bare '*' has no token before it: zero letters */
    assert_int_equal(shortest("*", ""), 0);
    assert_int_equal(shortest("(x) *", ""), 0);
    /* code points, not bytes */
    assert_int_equal(shortest("\xc3\xa9t*", "\xc3\xa9t"), 2);
}

static void a_null_text_or_no_room_is_safe(void **state)
{
    char term[4] = "xyz";

    (void)state;
    assert_int_equal(search_text_shortest_prefix(NULL, term, sizeof(term)), (size_t)-1);
    assert_string_equal(term, "");
    assert_int_equal(search_text_shortest_prefix("ab*", NULL, 0), 2);
    assert_int_equal(search_text_shortest_prefix("abcdefgh*", term, sizeof(term)), 8);
    assert_string_equal(term, "abc");
}

static void check_refuses_short_prefixes(void **state)
{
    struct problem p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(search_text_check("q", "ta*", 2, &p), 0);
    assert_int_equal(p.code, PROBLEM_NONE);
    assert_int_equal(search_text_check("q", "taliban", 5, &p), 0);
    assert_int_equal(search_text_check("q", "russia OR t*", 2, &p), STRATA_ELIMIT);
    assert_int_equal(p.code, PROBLEM_INVALID_QUERY);
    assert_non_null(strstr(p.detail, "'t*'"));
    assert_non_null(strstr(p.detail, "at least 2 letters"));
    assert_int_equal(p.error_count, 1);
    assert_string_equal(p.errors[0].parameter, "q");
    assert_string_equal(p.errors[0].value, "russia OR t*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_shortest_prefix),
        cmocka_unit_test(a_null_text_or_no_room_is_safe),
        cmocka_unit_test(check_refuses_short_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
