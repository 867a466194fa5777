/*
 * search_plain.h - what people type in q=, turned into an FTS5 expression.
 *
 * q= takes plain text by default (q_mode=plain): every word is text, with
 * its apostrophes, hyphens and dots (`al-qaeda` and `U.S.` match the
 * article's tokens in order; a possessive 's is dropped, so that `Taliban's`
 * finds the Taliban), a "quoted phrase" stays a phrase, the
 * words are ANDed, and the last word, when it ends in a letter or digit and
 * has at least min_prefix of them (--search-min-prefix, search_text.h),
 * also matches as a prefix (`Uzbek` finds Uzbekistan), so that a shorter
 * last word never costs a prefix scan and plain text is never refused for it. No
 * operator, column filter or parenthesis of FTS5 has any effect: AND, OR,
 * NOT, NEAR, `*`, `^`, `:` are text. q_mode=raw passes q to FTS5 as it is.
 */
#ifndef STRATA_SEARCH_PLAIN_H
#define STRATA_SEARCH_PLAIN_H

#include <stdbool.h>

#include "buf.h"
#include "problem.h"

/* How q= is read: the parameter q_mode. */
enum search_mode {
    SEARCH_MODE_PLAIN = 0, /* what people type (the default) */
    SEARCH_MODE_RAW,       /* the FTS5 expression language */
};

/*
 * The FTS5 expression of plain text, written to out (a phrase per word or
 * quoted phrase, ANDed: `"Taliban's" AND "Kabu"*`; a dotted abbreviation
 * matches with or without its dots: `("U.S." OR "US")`). Returns 0, STRATA_EINVAL when
 * the text has no letter or digit (nothing to search for), or STRATA_ENOMEM.
 */
int search_plain_expression(const char *text, unsigned min_prefix, struct buf *out);

/*
 * Read q_mode=value for parameter name ("q_mode"): value NULL is the
 * default (plain). Returns 0 with *mode set, or STRATA_EINVAL with problem
 * naming the parameter and its allowed values.
 */
int search_plain_mode(const char *name, const char *value, enum search_mode *mode,
                      struct problem *problem);

#endif
