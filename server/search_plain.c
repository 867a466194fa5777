/*
 * search_plain.c - plain text to an FTS5 expression (search_plain.h).
 *
 * Each word or quoted phrase becomes one FTS5 string ("..."), inside which
 * nothing is an operator: FTS5 hands the string to the same tokenizer as
 * the article, so `al-qaeda` is the phrase `al qaeda` and `Taliban's` the
 * phrase `taliban s`, which is how the article's own text was indexed.
 */
#include "search_plain.h"

#include <string.h>

#include "error.h"

/* A byte of a token as unicode61 sees it: ASCII letters and digits, or any non-ASCII byte. */
static bool token_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* True when [p, p + len) has a letter or digit (something the tokenizer keeps). */
static bool has_token(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (token_byte((unsigned char)p[i]))
            return true;
    return false;
}

/* Code points of the token that ends [p, p + len), 0 when it ends in punctuation. */
static size_t last_token_points(const char *p, size_t len)
{
    size_t points = 0;

    while (len > 0 && token_byte((unsigned char)p[len - 1])) {
        len--;
        if (((unsigned char)p[len] & 0xc0) != 0x80)
            points++;
    }
    return points;
}

/*
 * The letters of a dotted abbreviation (`U.S.`, `u.k`): single ASCII letters
 * or digits each followed by a dot (the last dot optional), at least two.
 * Writes them to letters (size bytes) and returns their count, or 0.
 */
static size_t abbreviation(const char *p, size_t len, char *letters, size_t size)
{
    size_t n = 0, i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80 || !token_byte(c) || n + 1 >= size)
            return 0;
        letters[n++] = (char)c;
        i++;
        if (i < len && p[i] != '.')
            return 0;
        i++;
    }
    letters[n] = '\0';
    return n >= 2 ? n : 0;
}

/*
 * The length of [p, p + len) without a possessive 's (ASCII or typographic
 * apostrophe): `Taliban's` is searched as `Taliban`, which also finds the
 * article's "Taliban’s". len when there is none.
 */
static size_t without_possessive(const char *p, size_t len)
{
    static const char curly[] = "\xe2\x80\x99";

    if (len < 3 || (p[len - 1] != 's' && p[len - 1] != 'S'))
        return len;
    if (p[len - 2] == '\'' && len > 2 && token_byte((unsigned char)p[len - 3]))
        return len - 2;
    if (len > 4 && memcmp(p + len - 4, curly, 3) == 0 && token_byte((unsigned char)p[len - 5]))
        return len - 4;
    return len;
}

/* One FTS5 string of [p, p + len): no '"' can be inside (the caller split on them). */
static void put_string(struct buf *out, const char *p, size_t len)
{
    if (out->len && buf_str(out)[out->len - 1] != '(')
        buf_puts(out, " AND ");
    buf_putc(out, '"');
    buf_add(out, p, len);
    buf_putc(out, '"');
}

int search_plain_expression(const char *text, unsigned min_prefix, struct buf *out)
{
    const char *p = text, *last_word = NULL;
    char letters[16];
    size_t last_len = 0;
    bool last_is_word = false;

    if (!text || !out)
        return STRATA_EINVAL;
    buf_reset(out);
    while (*p) {
        const char *start;
        size_t len;
        if (blank(*p)) {
            p++;
            continue;
        }
        if (*p == '"') {
            /* a phrase up to the closing quote (or the end: an unclosed quote is forgiven) */
            const char *close = strchr(p + 1, '"');
            start = p + 1;
            len = close ? (size_t)(close - start) : strlen(start);
            p = close ? close + 1 : start + len;
            if (has_token(start, len)) {
                put_string(out, start, len);
                last_is_word = false;
            }
            continue;
        }
        start = p;
        while (*p && !blank(*p) && *p != '"')
            p++;
        len = (size_t)(p - start);
        if (abbreviation(start, len, letters, sizeof(letters))) {
            /* U.S. is written US as often: either spelling matches */
            if (out->len)
                buf_puts(out, " AND ");
            buf_putc(out, '(');
            put_string(out, start, len);
            buf_printf(out, " OR \"%s\")", letters);
            last_is_word = false;
        } else if (has_token(start, len)) {
            size_t kept = without_possessive(start, len);
            put_string(out, start, kept);
            last_word = start;
            last_len = kept;
            last_is_word = kept == len; /* a possessive is a finished word */
        }
    }
    if (out->failed)
        return STRATA_ENOMEM;
    if (out->len == 0)
        return STRATA_EINVAL;
    /* the word being typed: a prefix, when it is long enough to be cheap */
    if (last_is_word && last_word && min_prefix > 0 &&
        last_token_points(last_word, last_len) >= min_prefix)
        buf_putc(out, '*');
    return out->failed ? STRATA_ENOMEM : 0;
}

int search_plain_mode(const char *name, const char *value, enum search_mode *mode,
                      struct problem *problem)
{
    if (!value || strcmp(value, "plain") == 0) {
        *mode = SEARCH_MODE_PLAIN;
        return 0;
    }
    if (strcmp(value, "raw") == 0) {
        *mode = SEARCH_MODE_RAW;
        return 0;
    }
    if (problem->code == PROBLEM_NONE)
        problem_set(problem, PROBLEM_INVALID_PARAMETER,
                    "invalid value for parameter '%s': must be plain (q is text as typed, the "
                    "default) or raw (q is an FTS5 expression)",
                    name);
    problem_add_error(problem, name, value, "must be one of: plain, raw");
    return STRATA_EINVAL;
}
