/*
 * catalog.h - the description of every /v1 collection, in one table.
 *
 * A collection row names its path, the SQL table that holds it, the fields
 * of its records (in the order they are rendered), its filters (with the
 * values they accept and the SQL condition they become), its sort keys and
 * default order, and the related collections that `include=` can embed.
 * query.c validates requests against it, server/store/ turns it into SQL and
 * the handlers render with it: one source. api-spec/openapi.yaml is written
 * by hand; the contract test (tests/contract) checks it against the server.
 *
 * Everything here is static and read-only.
 */
#ifndef STRATA_CATALOG_H
#define STRATA_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* How a filter value is checked before it is bound. */
enum catalog_value {
    CATALOG_VALUE_ENUM,    /* one of `values` */
    CATALOG_VALUE_BOOL,    /* `true` or `false` (bound as 1 or 0) */
    CATALOG_VALUE_INTEGER, /* a decimal integer in [minimum, maximum] */
    CATALOG_VALUE_ID, /* a slug; when `collections` is set, the id of a record of one of them */
};

struct catalog_filter {
    const char *name;               /* the query parameter */
    enum catalog_value value;       /* how each value is checked */
    const char *const *values;      /* ENUM: the allowed values, NULL-terminated */
    const char *const *collections; /* ID: collections the id must belong to, NULL-terminated */
    long long minimum, maximum;     /* INTEGER bounds */
    /*
     * The SQL condition on the collection's table; `$` stands for the list of
     * bound values (`kind IN ($)`). Every value of a repeated parameter or a
     * comma list is bound: they are ORed.
     */
    const char *sql;
    const char *description;
};

struct catalog_sort {
    const char *name;           /* the `sort=` key */
    const char *const *columns; /* SQL expressions, NULL-terminated; NULLs always sort last */
    const char *description;
};

struct catalog_field {
    const char *name;             /* top-level key of a record */
    const char *type;             /* JSON type for the docs: "string", "array", ... */
    const char *const *subfields; /* for objects: the keys CSV flattens to `name.key` */
    bool computed;                /* added when rendered (not stored in the record) */
    const char *description;
};

struct catalog_collection {
    const char *name;     /* "actors": path segment, record type, FTS type */
    const char *singular; /* "actor" */
    const char *path;     /* "/v1/actors" */
    const char *table;    /* SQL table */
    const char *label;    /* the field that names a record ("name", "title", ...) */
    const char *kind;     /* the field that classifies a record ("kind", "type"), or NULL */
    bool node;            /* a node of /v1/graph (false: evidence and relations) */
    bool geojson;         /* can be rendered as GeoJSON (has `coordinates`) */
    const struct catalog_field *fields;
    size_t field_count;
    const struct catalog_filter *filters;
    size_t filter_count;
    bool dates; /* takes `from`/`to` (an interval overlap on `date`) */
    const struct catalog_sort *sorts;
    size_t sort_count;
    const char *default_sort; /* a `sort=` value: the documented default order */
    const char *description;
    /*
     * The events filter naming a record of this collection ("actor"), when it
     * has the sub-route /v1/<name>/{id}/events; NULL when it has none.
     */
    const char *events_filter;
};

/* Every collection, in the order the index and the docs list them. */
extern const struct catalog_collection catalog_collections[];
extern const size_t catalog_collection_count;

/* Parameters every collection route takes besides its filters. */
extern const char *const catalog_common_parameters[]; /* NULL-terminated */
/* Parameters of events' date interval (`from`, `to`). */
extern const char *const catalog_date_parameters[]; /* NULL-terminated */

/* The collection called name ("actors"), or NULL. */
const struct catalog_collection *catalog_find(const char *name);
/* Index of c in catalog_collections[]. */
size_t catalog_index(const struct catalog_collection *c);
/* The filter, sort key or field of c called name, or NULL. */
const struct catalog_filter *catalog_filter_find(const struct catalog_collection *c,
                                                 const char *name);
const struct catalog_sort *catalog_sort_find(const struct catalog_collection *c, const char *name);
const struct catalog_field *catalog_field_find(const struct catalog_collection *c,
                                               const char *name);
/* True when name is a collection that `include=` accepts (any collection). */
bool catalog_includable(const char *name);

/* The record collections (no evidence, no relations), NULL-terminated. */
extern const char *const catalog_record_collections[];

/*
 * A relation type in words, as it reads between source and target
 * ("cooperates with", "took over"), for every type the catalog allows;
 * NULL for an unknown type.
 */
const char *catalog_relation_verb(const char *type);

#endif
