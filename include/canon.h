/*
 * canon.h - the canonical form of a request: the response cache's key.
 *
 * Requests that must get the same answer get the same key, whatever their
 * spelling: parameters in a fixed order (by name; a repeated name keeps its
 * values' order), a parameter given once with its default value dropped,
 * the values of an unordered list (a filter: repeated or comma-separated,
 * ORed) merged into one sorted comma list, pretty=false and a ?format= of
 * the route's default representation dropped, and the representation
 * negotiated from ?format= or Accept (never the raw header) named in the
 * key. The handler then renders from the canonical parameters, so that
 * what it echoes (paging links, self links) is the same for every spelling
 * and an answer is a function of its key.
 *
 * What a route's parameters mean (defaults, which are unordered lists) comes
 * from struct canon_rules: today canon_rules_for() derives them from the
 * catalog for the collection routes; per-route parameter tables can supply
 * them later without changing the canonicaliser.
 */
#ifndef STRATA_CANON_H
#define STRATA_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

struct canon_param_rule {
    const char *name;
    const char *default_value; /* dropped when given once with this value; NULL: none */
    bool unordered_list;       /* a comma list whose order and repetition split do not matter */
};

struct canon_rules {
    const struct canon_param_rule *params;
    size_t count;
};

/* The rules of a route pattern ("/v1/actors"); a route without rules gets empty ones. */
const struct canon_rules *canon_rules_for(const char *pattern);

struct canon {
    char *key;            /* "<repr>[+pretty] <canonical target>" (owned) */
    const char *target;   /* the canonical target, path?query (inside key) */
    struct param *params; /* canonical parameters (owned, strings in storage) */
    size_t param_count;
    char *storage;
};

/*
 * Build the canonical form of a request for path with the decoded params,
 * the negotiated format and pretty, under rules; default_format is the
 * route's default representation. Returns 0, or STRATA_ENOMEM (c is then
 * empty). Release with canon_release().
 */
int canon_build(struct canon *c, const struct canon_rules *rules, const char *path,
                const struct param *params, size_t param_count, enum representation format,
                enum representation default_format, bool pretty);

/* Free what canon_build allocated; safe on a zeroed or released canon. */
void canon_release(struct canon *c);

#endif
