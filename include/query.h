/*
 * query.h - validation of query parameters against the catalog.
 *
 * query_parse() turns the decoded parameters of a collection request into a
 * struct query that store_select() runs: filters (a repeated parameter or a
 * comma list is an OR), `from`/`to`, `q` (plain text unless `q_mode=raw`,
 * search_plain.h), `sort`, `fields`, `include`,
 * `limit` and `offset`. Nothing is ignored: an unknown parameter, a value
 * that is malformed or not allowed, or an id that names no record of the
 * right collection makes it fail with a problem (problem.h) that names every
 * parameter at fault and what is allowed. `format` and `pretty` belong to the
 * HTTP core, which validated them: they are accepted everywhere and skipped.
 *
 * `limit=all` asks for every matching row (streamed: api_export in api.h);
 * `bom=true` starts a CSV with a byte-order mark (for spreadsheets).
 *
 * Dates: `from` and `to` take YYYY-MM-DD, YYYY-MM or YYYY. `from` starts at
 * the first day of what it names and `to` ends at the last (to=2021-08 means
 * up to 2021-08-31); an event matches when its date interval overlaps, or
 * with `date_mode=within` when it lies wholly inside (an event dated only
 * "2021" is not within July 2021).
 */
#ifndef STRATA_QUERY_H
#define STRATA_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "problem.h"
#include "request.h"
#include "search_plain.h"

/*
 * What query_parse needs to know of the model: the collection of the record
 * (or evidence span, or relation) an id names. The API layer hands it a
 * lookup in the served store (api_query_ids); NULL checks ids for their form
 * only. The query module does not call into the store.
 */
struct query_ids {
    /* the collection's name ("actors"), or NULL when no record has this id */
    const char *(*collection_of)(void *context, const char *id);
    /*
     * The id of a record of one of collections that value names or nearly
     * spells ("Russia", "putin", "russa"), into out; false when none. NULL: no hint.
     */
    bool (*suggest)(void *context, const char *const *collections, const char *value, char *out,
                    size_t size);
    void *context;
};

#define QUERY_MAX_FILTERS 24
#define QUERY_MAX_VALUES 64 /* values of one filter (OR) */
#define QUERY_MAX_SORTS 8
#define QUERY_MAX_FIELDS 24
#define QUERY_MAX_INCLUDES 9
#define QUERY_LIMIT_DEFAULT 50
#define QUERY_LIMIT_MAX 500
#define QUERY_OFFSET_MAX 100000000
#define QUERY_TEXT_MAX 512 /* bytes of q= */

/* What a route takes besides filters (query_parse's `flags`). */
#define QUERY_PAGED 1u   /* sort, limit, offset */
#define QUERY_NO_TEXT 2u /* q= is not offered */

enum query_dated {
    QUERY_DATED_ANY = 0, /* every record */
    QUERY_DATED_ONLY,    /* events with a date interval */
    QUERY_UNDATED_ONLY,  /* events without one (precision unknown) */
};

struct query_filter {
    const struct catalog_filter *filter;
    const char *values[QUERY_MAX_VALUES]; /* point into the query's storage */
    size_t value_count;
};

struct query_sort {
    const struct catalog_sort *sort;
    bool descending;
};

struct query {
    const struct catalog_collection *collection;
    struct query_filter filters[QUERY_MAX_FILTERS]; /* ANDed */
    size_t filter_count;
    char from[11], to[11]; /* normalised YYYY-MM-DD, "" when absent */
    bool date_within;      /* date_mode=within: the interval lies inside from..to (else overlaps) */
    const char *text;      /* the FTS5 expression of q=, or NULL */
    const char *text_input;                   /* q= as sent, or NULL */
    enum search_mode text_mode;               /* q_mode= */
    char *text_expression;                    /* owned: text when translated from plain q= */
    struct query_sort sorts[QUERY_MAX_SORTS]; /* empty: the collection's default */
    size_t sort_count;
    const struct catalog_field *fields[QUERY_MAX_FIELDS]; /* empty: every field */
    size_t field_count;
    /* fields=date.start: fields[i] keeps only the named keys (NULL: all of them) */
    const char *field_keys[QUERY_MAX_FIELDS][8];
    const struct catalog_collection *includes[QUERY_MAX_INCLUDES];
    size_t include_count;
    size_t limit; /* 0: no limit (the timeline, limit=all) */
    bool all;     /* limit=all: every row, streamed (api_export) */
    bool bom;     /* bom=true: a CSV starts with a UTF-8 byte-order mark */
    size_t offset;
    enum query_dated dated;
    char *storage; /* owned copies of the split values */
};

/*
 * True when q asks for the article without the background lane
 * (background=false and not also background=true): the records it returns
 * must then lose their background fields (provenance_strip_background).
 */
bool query_excludes_background(const struct query *q);

/*
 * Validate the parameters of req for collection c. flags: QUERY_PAGED,
 * QUERY_NO_TEXT. Filter ids are looked up through ids (NULL skips that check).
 * On success fills q (release with query_release) and returns 0; otherwise
 * fills problem (PROBLEM_UNKNOWN_PARAMETER or PROBLEM_INVALID_PARAMETER,
 * one error per parameter at fault) and returns STRATA_EINVAL, or
 * STRATA_ENOMEM. q is released on failure.
 */
int query_parse(struct query *q, const struct catalog_collection *c, const struct request *req,
                unsigned flags, const struct query_ids *ids, struct problem *problem);

/*
 * query_parse() for a route that takes c's parameters but is not c's own
 * collection route: route names the route requested (`/v1/timeline`,
 * `/v1/actors/{id}/events`) in the unknown_parameter message, where
 * query_parse() names c->path. NULL route means c->path.
 */
int query_parse_route(struct query *q, const struct catalog_collection *c,
                      const struct request *req, const char *route, unsigned flags,
                      const struct query_ids *ids, struct problem *problem);

/*
 * query_parse_route() into a new heap query: the query (free it with
 * query_free), or NULL with problem filled: the request's mistakes (a 400),
 * or a 500 internal problem when memory ran out.
 */
struct query *query_new(const struct catalog_collection *c, const struct request *req,
                        const char *route, unsigned flags, const struct query_ids *ids,
                        struct problem *problem);

/* query_release() and free a query_new() query; NULL is a no-op. */
void query_free(struct query *q);

/*
 * Prepare q for c with no parameters (the default query): every record in
 * the default order, the default limit. Used by handlers that add their own
 * filters with query_add_filter().
 */
void query_init(struct query *q, const struct catalog_collection *c);

/*
 * AND one more filter of q's collection with a single value (a sub-collection's
 * parent). value must outlive q. Returns 0, or STRATA_EINVAL when the filter
 * does not exist or q is full.
 */
int query_add_filter(struct query *q, const char *filter, const char *value);

/*
 * Set q's full-text condition from q= text read as mode: plain text is
 * translated (search_plain.h; its last word a prefix when it has min_prefix
 * letters) into q's own copy, raw text is used as it is (text must outlive
 * q) once its prefixes pass search_text_check(). Returns 0; STRATA_EINVAL
 * or STRATA_ELIMIT with problem filled; STRATA_ENOMEM.
 */
int query_text(struct query *q, const char *text, enum search_mode mode, unsigned min_prefix,
               struct problem *problem);

/* Free what query_parse allocated; safe on an initialised or released query. */
void query_release(struct query *q);

/*
 * limit= (1..QUERY_LIMIT_MAX) or offset= (0..QUERY_OFFSET_MAX), by name, of
 * any paged route: 0 with *out set, or STRATA_EINVAL with problem filled.
 */
int query_page_bound(const char *name, const char *value, size_t *out, struct problem *problem);

/*
 * A q= text of any route: not blank, at most QUERY_TEXT_MAX bytes. 0, or
 * STRATA_EINVAL with problem filled (parameter name).
 */
int query_check_text(const char *name, const char *value, struct problem *problem);

/* True when field is kept by q's `fields=` (every field when none was given). */
bool query_keeps_field(const struct query *q, const char *field);

/*
 * True when key of object field field is kept: the field is kept whole, or
 * `fields=` named `field.key` (the dotted names of the CSV columns).
 */
bool query_keeps_key(const struct query *q, const char *field, const char *key);

#endif
