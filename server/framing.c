/*
 * framing.c - refuse request heads that two HTTP readers could read
 * differently (see framing.h for the layout this relies on).
 */
#include "framing.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Are the bytes in [from, to) only line-end NULs, between min and max of them? */
static bool only_line_ends(const char *from, const char *to, size_t min, size_t max)
{
    size_t n;

    if (to < from)
        return false;
    n = (size_t)(to - from);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (from[i] != '\0')
            return false;
    return true;
}

/*
 * Is field f where an intact line after prev_end (the NUL that ended the
 * previous line's content) puts it: its name right after that line's CR LF
 * or LF, the colon (now a NUL) right after the name, only blanks before the
 * value?
 */
static bool field_in_place(const struct framing_field *f, const char *prev_end)
{
    const char *colon = f->name + strlen(f->name);

    if (!only_line_ends(prev_end, f->name, 1, 2) || f->value <= colon)
        return false;
    for (const char *p = colon + 1; p < f->value; p++)
        if (*p != ' ' && *p != '\t')
            return false;
    return true;
}

static bool is_token_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return true;
    return false;
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!is_token_char(*p))
            return false;
    return true;
}

/* Only digits, at most 2^64-1 (what libmicrohttpd 0.9.75 accepts). */
static bool is_length(const char *s)
{
    uint64_t n = 0;

    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (*p < '0' || *p > '9' || n > (UINT64_MAX - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    return true;
}

/* The layout checks: folded or NUL-split lines, and control characters. */
static bool lines_intact(const struct framing_head *head, char *why, size_t size)
{
    const char *prev_end = head->line_end;

    for (size_t i = 0; i < head->count; i++) {
        const struct framing_field *f = &head->fields[i];
        if (!field_in_place(f, prev_end)) {
            snprintf(why, size,
                     "header line %zu is folded onto the line before it, split by a NUL, or "
                     "otherwise not one line 'name: value' (RFC 9112 section 5.2)",
                     i + 1);
            return false;
        }
        if (has_control(f->name) || has_control(f->value)) {
            snprintf(why, size,
                     "header line %zu holds a control character (a bare CR, say); only visible "
                     "characters, spaces and tabs are allowed",
                     i + 1);
            return false;
        }
        if (!is_token(f->name)) {
            snprintf(why, size, "header line %zu has a name that is not a token (RFC 9110 5.1)",
                     i + 1);
            return false;
        }
        prev_end = f->value + strlen(f->value);
    }
    if (!only_line_ends(prev_end, head->head_end, 2, 4)) {
        snprintf(why, size,
                 "the last header line is split by a NUL or is not followed by an empty line");
        return false;
    }
    return true;
}

bool framing_check(const struct framing_head *head, char *why, size_t size)
{
    int hosts = 0, lengths = 0, codings = 0;
    bool other_coding = false, bad_length = false;

    if (!lines_intact(head, why, size))
        return false;
    for (size_t i = 0; i < head->count; i++) {
        const char *name = head->fields[i].name, *value = head->fields[i].value;
        if (strcasecmp(name, "Host") == 0) {
            hosts++;
        } else if (strcasecmp(name, "Content-Length") == 0) {
            lengths++;
            bad_length = bad_length || !is_length(value);
        } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
            codings++;
            other_coding = other_coding || strcasecmp(value, "chunked") != 0;
        }
    }
    if (hosts > 1)
        snprintf(why, size, "Host is given %d times; send it once (RFC 9112 section 3.2)", hosts);
    else if (bad_length)
        snprintf(why, size, "Content-Length is not only digits");
    else if (lengths > 1)
        snprintf(why, size, "Content-Length is given %d times", lengths);
    else if (lengths && codings)
        snprintf(why, size, "both Content-Length and Transfer-Encoding are given");
    else if (codings > 1 || other_coding)
        snprintf(why, size, "Transfer-Encoding other than a single 'chunked'");
    else
        return true;
    return false;
}
