/*
 * schema.h - a validator for the subset of JSON Schema 2020-12 that the
 * model schema (api-spec/model.schema.json) is written in.
 *
 * Supported keywords: $defs (at the root), $ref ("#" or "#/$defs/NAME",
 * percent-escapes decoded; a chain of $refs that comes back to where it
 * started is refused), type (a name or an array of names; "integer" is a
 * number without a fraction), properties, required, additionalProperties
 * (true or false), items (one schema), enum (an empty one admits nothing),
 * const (both compare numbers exactly, by value: 1 equals 1.0), pattern
 * (POSIX extended regular expression, searched for as written: anchor it
 * with ^ and $; a backslash before a letter, such as \d, is refused because
 * ECMA-262 reads it differently), minLength (in code points), minItems,
 * minimum, maximum; the boolean
 * schemas true and false. The annotations $schema, $id, $comment, title,
 * description and examples are ignored. The extension "x-references"
 * (a non-empty array of collection names) is collected with the instance
 * paths where it applies, so that the caller can resolve references. Any
 * other keyword fails schema_compile() with "unsupported keyword": the
 * schema can never say more than is enforced.
 */
#ifndef STRATA_SCHEMA_H
#define STRATA_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct schema;

struct schema_error {
    /*
     * Validation: the JSON path of the instance at fault ("$.events[3].date").
     * Compilation: the location in the schema ("#/$defs/event/properties/type"),
     * or "line L, column C" when the schema is not JSON.
     */
    char path[512];
    char message[1024]; /* what is wrong, then "; expected ..." */
};

/* One instance value governed by an "x-references" annotation. */
struct schema_reference {
    const cJSON *value;             /* the string that holds an id (in the instance) */
    size_t path_offset;             /* see schema_reference_path() */
    const char *const *collections; /* the annotation's collection names (in the schema) */
    size_t collection_count;
};

/*
 * The references found by schema_validate(), in document order. Caller
 * storage: schema_references_init() before use, schema_references_release()
 * after. The pointers inside live as long as both the instance and the
 * schema.
 */
struct schema_references {
    struct schema_reference *items;
    size_t count;
    size_t alloc;
    struct buf paths; /* the NUL-terminated instance paths, one after the other */
};

/*
 * Compile a schema from JSON text of len bytes. On success stores a new
 * schema in *out (free with schema_free) and returns 0; on failure fills
 * *err (if not NULL) and returns STRATA_EPARSE (not JSON), STRATA_EINVAL
 * (unsupported or malformed keyword, unknown $ref, $ref cycle) or
 * STRATA_ENOMEM. Text with an escaped NUL (a backslash, then u0000) is
 * refused with STRATA_EINVAL and its line and column.
 */
int schema_compile(const char *text, size_t len, struct schema **out, struct schema_error *err);

/* Free a compiled schema; NULL is a no-op. */
void schema_free(struct schema *schema);

/*
 * Validate instance against schema. Returns 0 when it is valid; otherwise
 * fills *err (if not NULL) with the first failure in document order and
 * returns STRATA_EINVAL (STRATA_ENOMEM when memory ran out). When refs is
 * not NULL, every string governed by "x-references" (the string itself, or
 * each string of an array) is appended to it; entries are appended even
 * when validation fails later.
 */
int schema_validate(const struct schema *schema, const cJSON *instance,
                    struct schema_references *refs, struct schema_error *err);

void schema_references_init(struct schema_references *refs);
void schema_references_release(struct schema_references *refs);
/* The instance path of refs->items[i] ("$.events[3].place"); "" when i is out of range. */
const char *schema_reference_path(const struct schema_references *refs, size_t i);

/*
 * Append the JSON path segment for an object member (".name", or
 * ["na me"] when the name is not a plain identifier) or an array index
 * ("[3]") to path. Shared with model.c so that every path reads the same.
 */
int schema_path_member(struct buf *path, const char *name);
int schema_path_index(struct buf *path, size_t index);

#endif
