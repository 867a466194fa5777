/*
 * Unit tests for framing.c: heads laid out as libmicrohttpd 0.9.75 leaves
 * them (parsed in place, line ends and colons turned to NULs), intact and
 * with every refused shape. lay_out() plays the parser: it splits at CR LF
 * or a bare LF only, so a NUL or a bare CR stays inside a line, as there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "framing.h"

#define MAX_FIELDS 16

struct laid_out {
    char bytes[1024];
    struct framing_field fields[MAX_FIELDS];
    struct framing_head head;
};

/* Lay out raw (len bytes, request line first, ending in an empty line). */
static void lay_out(const char *raw, size_t len, struct laid_out *out)
{
    char *b = out->bytes;
    size_t pos = 0, line = 0;

    assert_true(len < sizeof(out->bytes));
    memcpy(b, raw, len);
    memset(&out->head, 0, sizeof(out->head));
    out->head.fields = out->fields;
    while (pos < len) {
        size_t start = pos, end;
        while (pos < len && b[pos] != '\n' && !(b[pos] == '\r' && b[pos + 1] == '\n'))
            pos++;
        end = pos;
        if (pos < len && b[pos] == '\r')
            b[pos++] = '\0'; /* CR of a CR LF */
        b[pos++] = '\0';
        if (pos > len)
            break;
        if (line++ == 0) {
            out->head.line_end = b + end;
        } else if (end == start) {
            out->head.head_end = b + pos;
            return;
        } else {
            char *colon = memchr(b + start, ':', end - start);
            struct framing_field *f = &out->fields[out->head.count++];
            assert_non_null(colon);
            *colon = '\0';
            f->name = b + start;
            f->value = colon + 1 + strspn(colon + 1, " \t");
        }
    }
    fail_msg("no empty line ends the head");
}

static bool check(const char *raw, size_t len, char *why, size_t size)
{
    static struct laid_out l;

    lay_out(raw, len, &l);
    return framing_check(&l.head, why, size);
}

#define CHECK(s, why) check((s), sizeof(s) - 1, why, sizeof(why))

static void intact_heads_pass(void **state)
{
    char why[256];

    (void)state;
    assert_true(CHECK("GET / HTTP/1.1\r\n\r\n", why));
    assert_true(CHECK("GET / HTTP/1.1\r\nHost: t\r\nAccept: */*\r\n\r\n", why));
    assert_true(CHECK("GET / HTTP/1.1\nHost: t\nX-A:\t b \n\n", why));
    assert_true(CHECK("GET / HTTP/1.1\r\nHost: t\r\nX-Empty:\r\nX-A: caf\xc3\xa9\r\n\r\n", why));
    assert_true(CHECK("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", why));
    assert_true(CHECK("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", why));
}

static void refused_heads_say_why(void **state)
{
    static const struct {
        const char *raw;
        size_t len;
        const char *why;
    } cases[] = {
#define CASE(s, why) {(s), sizeof(s) - 1, (why)}
        CASE("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\nX-B: c\r\n\r\n", "header line 3 is folded"),
        CASE("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n", "the last header line is split"),
        CASE("GET / HTTP/1.1\r\nHost: t\0\r\nX-B: c\r\n\r\n", "header line 2 is folded"),
        CASE("GET / HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", "line 2 holds a control"),
        CASE("GET / HTTP/1.1\r\nX-A: \x7f\r\n\r\n", "line 1 holds a control"),
        CASE("GET / HTTP/1.1\r\nX A: b\r\n\r\n", "not a token"),
        CASE("GET / HTTP/1.1\r\n: b\r\n\r\n", "not a token"),
        CASE("GET / HTTP/1.1\r\nHost: t\r\nhost: u\r\n\r\n", "Host is given 2 times"),
        CASE("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
             "Content-Length is given 2 times"),
        CASE("GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", "not only digits"),
        CASE("GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", "not only digits"),
        CASE("GET / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
             "both Content-Length and Transfer-Encoding"),
        CASE("GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "other than a single"),
#undef CASE
    };
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why[0] = '\0';
        if (check(cases[i].raw, cases[i].len, why, sizeof(why)) || !strstr(why, cases[i].why))
            fail_msg("case %zu: expected a refusal saying '%s', got '%s'", i, cases[i].why, why);
    }
}

#define FOLDABLE "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\r\n"

/* A folded line, as the parser joins it: the name moved elsewhere or rewritten in place. */
static void folded_lines_are_refused(void **state)
{
    static struct laid_out l;
    char moved[32] = "X-Ab";
    char why[256];

    (void)state;
    lay_out(FOLDABLE, sizeof(FOLDABLE) - 1, &l);
    assert_true(framing_check(&l.head, why, sizeof(why)));
    l.fields[1].name = moved; /* libmicrohttpd moved the name to append the continuation */
    assert_false(framing_check(&l.head, why, sizeof(why)));
    assert_non_null(strstr(why, "header line 2 is folded"));
    lay_out(FOLDABLE, sizeof(FOLDABLE) - 1, &l);
    l.fields[1].value = l.fields[1].name + 1; /* a value inside the rewritten name */
    assert_false(framing_check(&l.head, why, sizeof(why)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intact_heads_pass),
        cmocka_unit_test(refused_heads_say_why),
        cmocka_unit_test(folded_lines_are_refused),
    };

    return cmocka_run_group_tests_name("framing", tests, NULL, NULL);
}
