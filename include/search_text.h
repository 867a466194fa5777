/*
 * search_text.h - what a full-text expression (q=) may ask for before the
 * store runs it.
 *
 * FTS5 answers a prefix term (`ab*`) by merging the posting lists of every
 * word that starts with it: a one-letter prefix walks most of the
 * vocabulary. The store keeps prefix indexes for short prefixes (store.h),
 * and a prefix shorter than --search-min-prefix letters is refused before
 * any work with a 400 that says so.
 */
#ifndef STRATA_SEARCH_TEXT_H
#define STRATA_SEARCH_TEXT_H

#include <stddef.h>

#include "problem.h"

/* --search-min-prefix when the flag is not given. */
#define SEARCH_MIN_PREFIX_DEFAULT 2

/*
 * The shortest prefix term of FTS5 expression text, in code points of the
 * token that the '*' applies to (the last run of letters and digits before
 * it: `foo_b*` is the prefix `b`, as FTS5's tokenizer splits it; in a phrase
 * `"one tw"*` it is `tw`); a '*' inside a quoted phrase is text, not a
 * prefix. The token (without the '*') is copied to term (size bytes,
 * truncated). Returns (size_t)-1 when text has no prefix term.
 */
size_t search_text_shortest_prefix(const char *text, char *term, size_t size);

/*
 * Check q=text for parameter name: 0, or STRATA_ELIMIT with a 400 problem
 * naming the parameter, the prefix and min_prefix.
 */
int search_text_check(const char *name, const char *text, unsigned min_prefix,
                      struct problem *problem);

#endif
