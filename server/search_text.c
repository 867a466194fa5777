/*
 * search_text.c - the prefix rule of full-text expressions (search_text.h).
 */
#include "search_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* A byte of a token as unicode61 sees it: ASCII letters and digits, or any non-ASCII byte. */
static bool token_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* The token ending just before end (text <= end): its start, and its length in code points. */
static size_t token_before(const char *text, const char *end, const char **start)
{
    const char *p = end;
    size_t points = 0;

    while (p > text && token_byte((unsigned char)p[-1])) {
        p--;
        if (((unsigned char)*p & 0xc0) != 0x80)
            points++;
    }
    *start = p;
    return points;
}

size_t search_text_shortest_prefix(const char *text, char *term, size_t size)
{
    size_t shortest = (size_t)-1;
    bool quoted = false;

    if (size)
        term[0] = '\0';
    for (const char *p = text; p && *p; p++) {
        const char *end = p, *start;
        size_t points;

        if (*p == '"') {
            quoted = !quoted; /* "" inside a phrase closes and reopens it: same effect */
            continue;
        }
        if (quoted || *p != '*')
            continue;
        while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > text && end[-1] == '"') /* a phrase: its last token */
            end--;
        points = token_before(text, end, &start);
        if (points < shortest) {
            shortest = points;
            if (size)
                snprintf(term, size, "%.*s", (int)(end - start), start);
        }
    }
    return shortest;
}

int search_text_check(const char *name, const char *text, unsigned min_prefix,
                      struct problem *problem)
{
    char term[64];
    size_t shortest = search_text_shortest_prefix(text, term, sizeof(term));

    if (shortest == (size_t)-1 || shortest >= min_prefix)
        return 0;
    problem_set(problem, PROBLEM_INVALID_QUERY,
                "invalid value for parameter '%s': the prefix '%s*' is too short; a prefix "
                "needs at least %u letters before the '*'",
                name, term, min_prefix);
    problem_add_error(problem, name, text, "prefix '%s*' too short: at least %u letters before '*'",
                      term, min_prefix);
    return STRATA_ELIMIT;
}
