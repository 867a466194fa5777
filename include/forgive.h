/*
 * forgive.h - forgiving ids: a name or alias typed where an id belongs.
 *
 * An item route given "US", "Russia" or "putin" finds the one record of the
 * collection whose id, label (name/title), alias or other name matches it
 * case-insensitively; when none (or more than one) does, the closest ids by
 * edit distance are offered ("did you mean united-states"). The candidates
 * are the collection's first FORGIVE_MAX_RECORDS records and texts longer
 * than FORGIVE_MAX_TEXT bytes are not compared, so that the cost of a miss
 * is bounded (the collections hold tens to hundreds of records).
 */
#ifndef STRATA_FORGIVE_H
#define STRATA_FORGIVE_H

#include <stddef.h>

#include "catalog.h"
#include "request.h"
#include "store.h"

#define FORGIVE_MAX_RECORDS 500
#define FORGIVE_MAX_TEXT 64
#define FORGIVE_MAX_SUGGESTIONS 3

struct forgive {
    char match[128];                                /* the one record's id, "" when none */
    char suggestions[FORGIVE_MAX_SUGGESTIONS][128]; /* closest ids first */
    size_t suggestion_count;
};

/*
 * Look given up among the records of c in the model req serves. Returns 0
 * (out filled; a store error just leaves it empty).
 */
int forgive_lookup(const struct request *req, const struct catalog_collection *c, const char *given,
                   struct forgive *out);

/* forgive_lookup() in store (the served model's). */
int forgive_lookup_store(struct store *store, const struct catalog_collection *c, const char *given,
                         struct forgive *out);

/* Edit distance of a and b, ASCII case folded; more than cap answers cap + 1. */
size_t forgive_distance(const char *a, const char *b, size_t cap);

#endif
