/* Unit tests for buf.c: growth, the cap, sticky failure, printf, JSON escaping, detach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "error.h"

static void init_and_release(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.alloc, 0);
    assert_int_equal(b.max, BUF_DEFAULT_MAX);
    assert_int_equal(b.failed, 0);
    assert_string_equal(buf_str(&b), "");
    buf_init(&b, 10);
    assert_int_equal(b.max, 10);
    assert_int_equal(buf_puts(&b, "abc"), STRATA_OK);
    buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.alloc, 0);
    assert_int_equal(b.max, 10);
    buf_release(NULL);
    buf_init(NULL, 0);
    buf_reset(NULL);
    assert_string_equal(buf_str(NULL), "");
}

static void appends_grow_and_terminate(void **state)
{
    struct buf b;
    char big[5000];

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(buf_add(&b, "", 0), STRATA_OK);
    assert_non_null(b.data); /* an append, even of nothing, makes a C string */
    assert_string_equal(b.data, "");
    assert_int_equal(buf_puts(&b, "hello"), STRATA_OK);
    assert_int_equal(buf_putc(&b, ' '), STRATA_OK);
    assert_int_equal(buf_add(&b, "world!!", 5), STRATA_OK);
    assert_string_equal(buf_str(&b), "hello world");
    assert_int_equal(b.len, 11);
    memset(big, 'x', sizeof(big));
    assert_int_equal(buf_add(&b, big, sizeof(big)), STRATA_OK);
    assert_int_equal(b.len, 11 + sizeof(big));
    assert_true(b.alloc > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data + 11, big, sizeof(big));
    assert_int_equal(buf_putc(&b, '\0'), STRATA_OK); /* bytes, not just text */
    assert_int_equal(b.len, 12 + sizeof(big));
    buf_release(&b);
}

static void bad_arguments(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(buf_add(NULL, "a", 1), STRATA_EINVAL);
    assert_int_equal(buf_add(&b, NULL, 1), STRATA_EINVAL);
    assert_int_equal(buf_add(&b, NULL, 0), STRATA_OK);
    assert_int_equal(buf_puts(&b, NULL), STRATA_EINVAL);
    assert_int_equal(buf_puts(NULL, "a"), STRATA_EINVAL);
    assert_int_equal(buf_putc(NULL, 'a'), STRATA_EINVAL);
    assert_int_equal(buf_printf(NULL, "%d", 1), STRATA_EINVAL);
    assert_int_equal(buf_json_escape(NULL, "a", 1), STRATA_EINVAL);
    assert_int_equal(buf_json_escape(&b, NULL, 1), STRATA_EINVAL);
    assert_int_equal(buf_json_escape(&b, NULL, 0), STRATA_OK);
    assert_int_equal(b.failed, 0);
    assert_null(buf_detach(NULL, NULL));
    buf_release(&b);
}

static void cap_is_enforced_and_sticky(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), STRATA_OK); /* exactly the cap */
    assert_int_equal(b.len, 8);
    assert_int_equal(buf_putc(&b, '9'), STRATA_ENOMEM);
    assert_int_equal(b.failed, BUF_OVER_CAP);            /* the cap, not a lack of memory */
    assert_string_equal(buf_str(&b), "12345678");        /* keeps what it had */
    assert_int_equal(buf_add(&b, "", 0), STRATA_ENOMEM); /* sticky: nothing fits after a hole */
    assert_int_equal(buf_printf(&b, "%s", ""), STRATA_ENOMEM);
    buf_reset(&b);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_puts(&b, "123456789"), STRATA_ENOMEM);
    assert_string_equal(buf_str(&b), "");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%d", 123456789), STRATA_ENOMEM);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(b.len, 0);
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%d", 1234), STRATA_OK);
    assert_int_equal(buf_printf(&b, "%d", 5678), STRATA_OK);
    assert_string_equal(buf_str(&b), "12345678");
    assert_int_equal(buf_json_escape(&b, "x", 1), STRATA_ENOMEM);
    buf_release(&b);
    assert_int_equal(b.failed, 0);
}

static void printf_formats_and_grows(void **state)
{
    struct buf b;
    char expected[3001];
    size_t i;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(buf_printf(&b, "%s=%d;", "a", 42), STRATA_OK);
    assert_int_equal(buf_printf(&b, "%zu", (size_t)7), STRATA_OK);
    assert_string_equal(buf_str(&b), "a=42;7");
    buf_reset(&b);
    for (i = 0; i < 3000; i++)
        expected[i] = (char)('a' + i % 26);
    expected[3000] = '\0';
    assert_int_equal(buf_printf(&b, "%s", expected), STRATA_OK); /* longer than the first block */
    assert_string_equal(buf_str(&b), expected);
    assert_int_equal(b.len, 3000);
    buf_release(&b);
}

static int vprintf_helper(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

static void vprintf_works(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(vprintf_helper(&b, "%s-%c", "x", 'y'), STRATA_OK);
    assert_string_equal(buf_str(&b), "x-y");
    assert_int_equal(vprintf_helper(&b, "%s", ""), STRATA_OK);
    assert_string_equal(buf_str(&b), "x-y");
    buf_release(&b);
}

static void json_escape_rules(void **state)
{
    struct buf b;
    const char input[] = "a\"b\\c\n\r\t\b\f\x01\x1f/\xe2\x80\x99\xf0\x9f\x98\x80";

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(buf_json_escape(&b, input, sizeof(input) - 1), STRATA_OK);
    assert_string_equal(buf_str(&b), "a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/"
                                     "\xe2\x80\x99\xf0\x9f\x98\x80");
    buf_reset(&b);
    /* invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong form,
     * a surrogate) becomes U+FFFD so that the output is always valid JSON */
    assert_int_equal(buf_json_escape(&b, "x\x80y\xe2\x80", 5), STRATA_OK);
    assert_string_equal(buf_str(&b), "x\\ufffdy\\ufffd\\ufffd");
    buf_reset(&b);
    assert_int_equal(buf_json_escape(&b, "\xc0\xaf\xed\xa0\x80", 5), STRATA_OK);
    assert_string_equal(buf_str(&b), "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
    buf_reset(&b);
    assert_int_equal(buf_json_escape(&b, "nul\0byte", 8), STRATA_OK);
    assert_string_equal(buf_str(&b), "nul\\u0000byte");
    buf_reset(&b);
    assert_int_equal(buf_json_escape(&b, "plain", 3), STRATA_OK); /* len, not strlen */
    assert_string_equal(buf_str(&b), "pla");
    buf_release(&b);
}

static void detach_hands_over(void **state)
{
    struct buf b;
    size_t len = 99;
    char *s;

    (void)state;
    buf_init(&b, 100);
    s = buf_detach(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    assert_int_equal(buf_puts(&b, "owned"), STRATA_OK);
    s = buf_detach(&b, &len);
    assert_string_equal(s, "owned");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 100);
    free(s);
    assert_int_equal(buf_puts(&b, "again"), STRATA_OK);
    s = buf_detach(&b, NULL);
    assert_string_equal(s, "again");
    free(s);
    buf_release(&b);
}

static void reset_keeps_storage(void **state)
{
    struct buf b;
    char *storage;

    (void)state;
    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "something"), STRATA_OK);
    storage = b.data;
    buf_reset(&b);
    assert_ptr_equal(b.data, storage);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_true(b.alloc > 0);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_and_release),
        cmocka_unit_test(appends_grow_and_terminate),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(cap_is_enforced_and_sticky),
        cmocka_unit_test(printf_formats_and_grows),
        cmocka_unit_test(vprintf_works),
        cmocka_unit_test(json_escape_rules),
        cmocka_unit_test(detach_hands_over),
        cmocka_unit_test(reset_keeps_storage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
