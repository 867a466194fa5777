/*
 * schema.c - compile and apply the JSON Schema 2020-12 subset of schema.h.
 *
 * A schema is compiled once into a tree of nodes (every $ref resolved to
 * the node of its $defs entry, every pattern compiled with regcomp), so
 * that validating a large model is one walk over the instance. Validation
 * stops at the first failure; within an object the missing required
 * properties are reported first, then the members in document order.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "schema.h"
#include "text.h"
#include "url.h"

enum schema_type {
    TYPE_OBJECT = 1u << 0,
    TYPE_ARRAY = 1u << 1,
    TYPE_STRING = 1u << 2,
    TYPE_INTEGER = 1u << 3,
    TYPE_NUMBER = 1u << 4,
    TYPE_BOOLEAN = 1u << 5,
    TYPE_NULL = 1u << 6,
};

static const struct {
    const char *name;
    const char *with_article;
    unsigned bit;
} schema_types[] = {
    {"object", "an object", TYPE_OBJECT}, {"array", "an array", TYPE_ARRAY},
    {"string", "a string", TYPE_STRING},  {"integer", "an integer", TYPE_INTEGER},
    {"number", "a number", TYPE_NUMBER},  {"boolean", "a boolean", TYPE_BOOLEAN},
    {"null", "null", TYPE_NULL},
};
#define SCHEMA_TYPE_COUNT (sizeof(schema_types) / sizeof(schema_types[0]))

static const char *const schema_annotations[] = {"$schema",     "$id",   "$comment",
                                                 "description", "title", "examples"};

static const char schema_keywords[] =
    "$defs (root only), $ref, type, properties, required, additionalProperties, items, enum, "
    "const, pattern, minLength, minItems, minimum, maximum, x-references, and the annotations "
    "$schema, $id, $comment, title, description, examples";

struct schema_property {
    const char *name;
    struct schema_node *node;
};

struct schema_node {
    bool is_false;  /* the boolean schema false: nothing is valid */
    unsigned types; /* TYPE_* bits; 0 means any type */
    struct schema_node *ref;
    struct schema_property *properties;
    size_t property_count;
    const char **required;
    size_t required_count;
    size_t *required_property; /* index in properties of required[i], or SIZE_MAX */
    bool no_additional;
    struct schema_node *items;
    const cJSON *enum_values;
    const cJSON *const_value;
    bool has_pattern;
    regex_t pattern;
    const char *pattern_text;
    long min_length; /* -1: none */
    long min_items;  /* -1: none */
    bool has_minimum;
    bool has_maximum;
    double minimum;
    double maximum;
    const char **references;
    size_t reference_count;
};

struct schema_def {
    const char *name;
    struct schema_node *node;
};

struct schema {
    cJSON *doc; /* the schema text, parsed; names and values point into it */
    struct schema_node *root;
    struct schema_def *defs;
    size_t def_count;
    struct schema_node **nodes; /* every node, for schema_free */
    size_t node_count;
    size_t node_alloc;
};

/* ---- shared helpers ---- */

static void schema_set_error(struct schema_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void schema_set_error(struct schema_error *err, const char *path, const char *fmt, ...)
{
    struct buf message;
    va_list ap;

    if (err == NULL)
        return;
    buf_init(&message, 8192);
    va_start(ap, fmt);
    buf_vprintf(&message, fmt, ap);
    va_end(ap);
    text_copy_truncated(err->path, sizeof(err->path), path);
    text_copy_truncated(err->message, sizeof(err->message),
                        message.failed ? "out of memory while describing an error"
                                       : buf_str(&message));
    buf_release(&message);
}

static bool schema_is_integral(double d)
{
    if (d != d || d - d != 0)
        return false; /* NaN or infinite */
    if (d > 9e15 || d < -9e15)
        return true; /* every double this large is a whole number */
    return d == (double)(long long)d;
}

static void schema_put_number(struct buf *out, double d)
{
    if (schema_is_integral(d) && d <= 9e15 && d >= -9e15)
        buf_printf(out, "%lld", (long long)d);
    else
        buf_printf(out, "%.17g", d);
}

/* Append at most max_chars code points of s (JSON-escaped or raw), then "..." if longer. */
static void schema_put_excerpt(struct buf *out, const char *s, size_t max_chars, bool escape)
{
    size_t bytes = 0;
    size_t chars = 0;

    while (s[bytes] != '\0') {
        if (((unsigned char)s[bytes] & 0xc0) != 0x80) {
            if (chars == max_chars)
                break;
            chars++;
        }
        bytes++;
    }
    if (escape)
        buf_json_escape(out, s, bytes);
    else
        buf_add(out, s, bytes);
    if (s[bytes] != '\0')
        buf_puts(out, "...");
}

/* A JSON value as it would be written in a message: "text", 12, true, null. */
static void schema_put_value(struct buf *out, const cJSON *value)
{
    char *printed;

    if (cJSON_IsString(value)) {
        buf_putc(out, '"');
        schema_put_excerpt(out, value->valuestring, 80, true);
        buf_putc(out, '"');
    } else if (cJSON_IsNumber(value)) {
        schema_put_number(out, value->valuedouble);
    } else {
        printed = cJSON_PrintUnformatted(value);
        if (printed == NULL) {
            buf_puts(out, "(value)");
            return;
        }
        schema_put_excerpt(out, printed, 80, false);
        free(printed);
    }
}

int schema_path_member(struct buf *path, const char *name)
{
    size_t i;
    bool plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');

    for (i = 0; plain && name[i] != '\0'; i++) {
        char c = name[i];
        plain =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (plain) {
        /* no printf: a path segment is written for every member validated */
        buf_putc(path, '.');
        return buf_add(path, name, i);
    }
    buf_puts(path, "[\"");
    buf_json_escape(path, name, strlen(name));
    return buf_puts(path, "\"]");
}

int schema_path_index(struct buf *path, size_t index)
{
    char digits[24];
    size_t at = sizeof(digits);

    digits[--at] = ']';
    do {
        digits[--at] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    digits[--at] = '[';
    return buf_add(path, digits + at, sizeof(digits) - at);
}

/* ---- compilation ---- */

struct compiler {
    struct schema *schema;
    struct schema_error *err;
    struct buf location; /* JSON pointer of the schema node being compiled, "#/..." */
};

static struct schema_node *schema_node_new(struct compiler *c)
{
    struct schema *s = c->schema;
    struct schema_node *node;

    if (s->node_count == s->node_alloc) {
        size_t alloc = s->node_alloc == 0 ? 32 : s->node_alloc * 2;
        struct schema_node **grown = realloc(s->nodes, alloc * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        s->nodes = grown;
        s->node_alloc = alloc;
    }
    node = calloc(1, sizeof(*node));
    if (node == NULL)
        return NULL;
    node->min_length = -1;
    node->min_items = -1;
    s->nodes[s->node_count++] = node;
    return node;
}

static void schema_location_push(struct buf *location, const char *name)
{
    const char *p;

    buf_putc(location, '/');
    for (p = name; *p != '\0'; p++) {
        if (*p == '~')
            buf_puts(location, "~0");
        else if (*p == '/')
            buf_puts(location, "~1");
        else
            buf_putc(location, *p);
    }
}

static void schema_location_pop(struct buf *location, size_t len)
{
    location->len = len;
    if (location->data != NULL)
        location->data[len] = '\0';
}

static int compile_fail(struct compiler *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int compile_fail(struct compiler *c, int rc, const char *fmt, ...)
{
    struct buf message;
    va_list ap;

    buf_init(&message, 8192);
    va_start(ap, fmt);
    buf_vprintf(&message, fmt, ap);
    va_end(ap);
    schema_set_error(c->err, buf_str(&c->location), "%s", buf_str(&message));
    buf_release(&message);
    return rc;
}

static int compile_node(struct compiler *c, const cJSON *json, struct schema_node *node,
                        bool is_root);

/* Decode the JSON-pointer escapes of a $defs name in a $ref ("~1" is "/", "~0" is "~"). */
static bool schema_ref_matches(const char *ref_name, const char *def_name)
{
    while (*ref_name != '\0' && *def_name != '\0') {
        char c = *ref_name++;
        if (c == '~') {
            if (*ref_name == '0')
                c = '~';
            else if (*ref_name == '1')
                c = '/';
            else
                return false;
            ref_name++;
        }
        if (c != *def_name++)
            return false;
    }
    return *ref_name == '\0' && *def_name == '\0';
}

/*
 * A $ref is a URI reference, so its fragment may be percent-escaped
 * ("#/$defs/a%25b" names the definition "a%b"). Decode it into out; false
 * when an escape is malformed or decodes to NUL.
 */
static bool schema_ref_decode(const char *ref, struct buf *out)
{
    while (*ref != '\0') {
        if (*ref != '%') {
            buf_putc(out, *ref++);
            continue;
        }
        int high = url_hex_value(ref[1]);
        int low = high < 0 ? -1 : url_hex_value(ref[2]);
        if (low < 0 || (high == 0 && low == 0))
            return false;
        buf_putc(out, (char)(high * 16 + low));
        ref += 3;
    }
    return !out->failed;
}

static int compile_ref(struct compiler *c, const cJSON *value, struct schema_node *node)
{
    static const char prefix[] = "#/$defs/";
    const char *ref;
    struct buf decoded;
    int rc = STRATA_OK;
    size_t i;

    if (!cJSON_IsString(value))
        return compile_fail(c, STRATA_EINVAL, "$ref is not a string; expected \"#/$defs/NAME\"");
    buf_init(&decoded, 4096);
    if (!schema_ref_decode(value->valuestring, &decoded)) {
        rc = compile_fail(c, decoded.failed ? STRATA_ENOMEM : STRATA_EINVAL,
                          "$ref \"%s\" has a malformed percent escape; expected %%XX with two hex "
                          "digits, not %%00",
                          value->valuestring);
        goto done;
    }
    ref = buf_str(&decoded);
    if (strcmp(ref, "#") == 0) {
        node->ref = c->schema->root;
        goto done;
    }
    if (strncmp(ref, prefix, sizeof(prefix) - 1) != 0) {
        rc = compile_fail(c, STRATA_EINVAL,
                          "unsupported $ref \"%s\"; expected \"#\" or \"#/$defs/NAME\" (only "
                          "local references to root definitions are supported)",
                          value->valuestring);
        goto done;
    }
    for (i = 0; i < c->schema->def_count; i++) {
        if (schema_ref_matches(ref + sizeof(prefix) - 1, c->schema->defs[i].name)) {
            node->ref = c->schema->defs[i].node;
            goto done;
        }
    }
    rc = compile_fail(c, STRATA_EINVAL, "$ref \"%s\" names no definition; expected a key of $defs",
                      value->valuestring);
done:
    buf_release(&decoded);
    return rc;
}

static int compile_type(struct compiler *c, const cJSON *value, struct schema_node *node)
{
    const cJSON *name;
    size_t i;
    bool single = cJSON_IsString(value);

    if (!single && !(cJSON_IsArray(value) && value->child != NULL))
        return compile_fail(c, STRATA_EINVAL,
                            "type is neither a type name nor a non-empty array of them; expected "
                            "a name or an array of: object, array, string, integer, number, "
                            "boolean, null");
    for (name = single ? value : value->child; name != NULL; name = single ? NULL : name->next) {
        unsigned bit = 0;
        if (cJSON_IsString(name)) {
            for (i = 0; i < SCHEMA_TYPE_COUNT; i++)
                if (strcmp(name->valuestring, schema_types[i].name) == 0)
                    bit = schema_types[i].bit;
        }
        if (bit == 0)
            return compile_fail(c, STRATA_EINVAL,
                                "unknown type %s%s%s; expected object, array, string, integer, "
                                "number, boolean or null",
                                cJSON_IsString(name) ? "\"" : "",
                                cJSON_IsString(name) ? name->valuestring : "(not a string)",
                                cJSON_IsString(name) ? "\"" : "");
        if (node->types & bit)
            return compile_fail(c, STRATA_EINVAL,
                                "type \"%s\" listed twice; expected each type once",
                                name->valuestring);
        node->types |= bit;
    }
    return STRATA_OK;
}

static int compile_properties(struct compiler *c, const cJSON *value, struct schema_node *node)
{
    const cJSON *member;
    size_t count = 0;
    size_t i = 0;
    size_t location_len = c->location.len;
    int rc;

    if (!cJSON_IsObject(value))
        return compile_fail(c, STRATA_EINVAL,
                            "properties is not an object; expected an object of schemas");
    for (member = value->child; member != NULL; member = member->next)
        count++;
    node->properties = calloc(count == 0 ? 1 : count, sizeof(*node->properties));
    if (node->properties == NULL)
        return compile_fail(c, STRATA_ENOMEM, "out of memory");
    for (member = value->child; member != NULL; member = member->next, i++) {
        size_t j;
        for (j = 0; j < i; j++)
            if (strcmp(node->properties[j].name, member->string) == 0)
                return compile_fail(c, STRATA_EINVAL,
                                    "property \"%s\" defined twice; expected each property once",
                                    member->string);
        node->properties[i].name = member->string;
        node->properties[i].node = schema_node_new(c);
        node->property_count = i + 1;
        if (node->properties[i].node == NULL)
            return compile_fail(c, STRATA_ENOMEM, "out of memory");
        schema_location_push(&c->location, member->string);
        rc = compile_node(c, member, node->properties[i].node, false);
        schema_location_pop(&c->location, location_len);
        if (rc != STRATA_OK)
            return rc;
    }
    return STRATA_OK;
}

/* An array of unique strings (required, x-references) as pointers into the schema. */
static int compile_names(struct compiler *c, const cJSON *value, const char *keyword,
                         bool non_empty, const char ***out, size_t *out_count)
{
    const cJSON *item;
    size_t count = 0;
    size_t i = 0;

    if (cJSON_IsArray(value))
        for (item = value->child; item != NULL; item = item->next) {
            if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
                count = 0;
                break;
            }
            count++;
        }
    if (count == 0 && (non_empty || !cJSON_IsArray(value) || value->child != NULL))
        return compile_fail(c, STRATA_EINVAL,
                            "%s is not valid; expected %s array of non-empty strings", keyword,
                            non_empty ? "a non-empty" : "an");
    *out = calloc(count == 0 ? 1 : count, sizeof(**out));
    if (*out == NULL)
        return compile_fail(c, STRATA_ENOMEM, "out of memory");
    for (item = value->child; item != NULL; item = item->next, i++) {
        size_t j;
        for (j = 0; j < i; j++)
            if (strcmp((*out)[j], item->valuestring) == 0)
                return compile_fail(c, STRATA_EINVAL,
                                    "%s lists \"%s\" twice; expected each name once", keyword,
                                    item->valuestring);
        (*out)[i] = item->valuestring;
        *out_count = i + 1;
    }
    return STRATA_OK;
}

static int compile_count(struct compiler *c, const cJSON *value, const char *keyword, long *out)
{
    if (!cJSON_IsNumber(value) || !schema_is_integral(value->valuedouble) ||
        value->valuedouble < 0 || value->valuedouble > 1e15)
        return compile_fail(c, STRATA_EINVAL, "%s is not a count; expected a non-negative integer",
                            keyword);
    *out = (long)value->valuedouble;
    return STRATA_OK;
}

static int compile_bound(struct compiler *c, const cJSON *value, const char *keyword, bool *has,
                         double *out)
{
    if (!cJSON_IsNumber(value))
        return compile_fail(c, STRATA_EINVAL, "%s is not a number; expected a number", keyword);
    *has = true;
    *out = value->valuedouble;
    return STRATA_OK;
}

static int compile_pattern(struct compiler *c, const cJSON *value, struct schema_node *node)
{
    int rc;
    char reason[256];

    if (!cJSON_IsString(value))
        return compile_fail(
            c, STRATA_EINVAL,
            "pattern is not a string; expected a POSIX extended regular expression");
    /*
     * JSON Schema patterns are ECMA-262: there \d, \w, \s, \t and the like
     * are classes or control characters, while POSIX ERE reads a backslash
     * before a letter as that letter or leaves it undefined. Refused, so that
     * the schema never says more than is enforced.
     */
    for (const char *p = value->valuestring; *p != '\0'; p++) {
        if (*p != '\\')
            continue;
        if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z'))
            return compile_fail(c, STRATA_EINVAL,
                                "pattern \"%s\" uses \\%c, which a POSIX extended regular "
                                "expression reads differently from JSON Schema (ECMA-262); "
                                "expected a bracket expression such as [0-9], [A-Za-z0-9_] or "
                                "[[:space:]] instead of a backslash before a letter",
                                value->valuestring, p[1]);
        if (p[1] != '\0')
            p++; /* an escaped punctuation character, \\ included, means itself in both */
    }
    rc = regcomp(&node->pattern, value->valuestring, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &node->pattern, reason, sizeof(reason));
        return compile_fail(c, STRATA_EINVAL,
                            "pattern \"%s\" does not compile (%s); expected a POSIX extended "
                            "regular expression",
                            value->valuestring, reason);
    }
    node->has_pattern = true;
    node->pattern_text = value->valuestring;
    return STRATA_OK;
}

static bool schema_is_annotation(const char *keyword)
{
    size_t i;

    for (i = 0; i < sizeof(schema_annotations) / sizeof(schema_annotations[0]); i++)
        if (strcmp(keyword, schema_annotations[i]) == 0)
            return true;
    return false;
}

static int compile_keyword(struct compiler *c, const cJSON *member, struct schema_node *node,
                           bool is_root)
{
    const char *key = member->string;

    if (schema_is_annotation(key))
        return STRATA_OK;
    if (strcmp(key, "$defs") == 0) {
        if (is_root)
            return STRATA_OK; /* compiled first, by schema_compile */
        return compile_fail(c, STRATA_EINVAL,
                            "$defs below the root; expected $defs only at the schema root");
    }
    if (strcmp(key, "$ref") == 0)
        return compile_ref(c, member, node);
    if (strcmp(key, "type") == 0)
        return compile_type(c, member, node);
    if (strcmp(key, "properties") == 0)
        return compile_properties(c, member, node);
    if (strcmp(key, "required") == 0)
        return compile_names(c, member, "required", false, &node->required, &node->required_count);
    if (strcmp(key, "x-references") == 0)
        return compile_names(c, member, "x-references", true, &node->references,
                             &node->reference_count);
    if (strcmp(key, "additionalProperties") == 0) {
        if (!cJSON_IsBool(member))
            return compile_fail(c, STRATA_EINVAL,
                                "additionalProperties is not a boolean; expected false or true "
                                "(schemas for additional properties are not supported)");
        node->no_additional = cJSON_IsFalse(member);
        return STRATA_OK;
    }
    if (strcmp(key, "items") == 0) {
        if (!cJSON_IsObject(member) && !cJSON_IsBool(member))
            return compile_fail(c, STRATA_EINVAL,
                                "items is not a schema; expected one schema for every item");
        node->items = schema_node_new(c);
        if (node->items == NULL)
            return compile_fail(c, STRATA_ENOMEM, "out of memory");
        return compile_node(c, member, node->items, false);
    }
    if (strcmp(key, "enum") == 0) {
        if (!cJSON_IsArray(member))
            return compile_fail(c, STRATA_EINVAL,
                                "enum is not an array; expected an array of values (an empty "
                                "one admits nothing)");
        node->enum_values = member;
        return STRATA_OK;
    }
    if (strcmp(key, "const") == 0) {
        node->const_value = member;
        return STRATA_OK;
    }
    if (strcmp(key, "pattern") == 0)
        return compile_pattern(c, member, node);
    if (strcmp(key, "minLength") == 0)
        return compile_count(c, member, key, &node->min_length);
    if (strcmp(key, "minItems") == 0)
        return compile_count(c, member, key, &node->min_items);
    if (strcmp(key, "minimum") == 0)
        return compile_bound(c, member, key, &node->has_minimum, &node->minimum);
    if (strcmp(key, "maximum") == 0)
        return compile_bound(c, member, key, &node->has_maximum, &node->maximum);
    return compile_fail(c, STRATA_EINVAL, "unsupported keyword \"%s\"; expected only %s", key,
                        schema_keywords);
}

static int compile_node(struct compiler *c, const cJSON *json, struct schema_node *node,
                        bool is_root)
{
    const cJSON *member;
    size_t location_len = c->location.len;
    int rc;

    if (cJSON_IsBool(json)) {
        node->is_false = cJSON_IsFalse(json);
        return STRATA_OK;
    }
    if (!cJSON_IsObject(json))
        return compile_fail(c, STRATA_EINVAL, "not a schema; expected an object or a boolean");
    for (member = json->child; member != NULL; member = member->next) {
        const cJSON *other;
        for (other = json->child; other != member; other = other->next)
            if (strcmp(other->string, member->string) == 0) {
                schema_location_push(&c->location, member->string);
                return compile_fail(c, STRATA_EINVAL,
                                    "keyword \"%s\" given twice; expected each keyword once",
                                    member->string);
            }
        schema_location_push(&c->location, member->string);
        rc = compile_keyword(c, member, node, is_root);
        if (rc != STRATA_OK)
            return rc;
        schema_location_pop(&c->location, location_len);
    }
    /* each required name's property, so that validation checks presence from its map */
    if (node->required_count > 0) {
        node->required_property = malloc(node->required_count * sizeof(size_t));
        if (node->required_property == NULL)
            return compile_fail(c, STRATA_ENOMEM, "out of memory");
        for (size_t i = 0; i < node->required_count; i++) {
            node->required_property[i] = SIZE_MAX;
            for (size_t k = 0; k < node->property_count; k++)
                if (strcmp(node->properties[k].name, node->required[i]) == 0)
                    node->required_property[i] = k;
        }
    }
    return STRATA_OK;
}

/*
 * Reject a chain of $refs that comes back to where it started: validation
 * would never end. Only the root and the definitions can be the target of
 * a $ref, so every such cycle passes through one of them.
 */
static int compile_check_cycles(struct compiler *c)
{
    size_t i;

    for (i = 0; i <= c->schema->def_count; i++) {
        bool is_root = i == c->schema->def_count;
        const struct schema_node *start = is_root ? c->schema->root : c->schema->defs[i].node;
        const struct schema_node *node = start;
        size_t hops = 0;
        while (node != NULL && hops <= c->schema->def_count + 1) {
            node = node->ref;
            hops++;
        }
        if (node == NULL)
            continue;
        buf_reset(&c->location);
        if (is_root) {
            buf_puts(&c->location, "#/$ref");
            return compile_fail(c, STRATA_EINVAL,
                                "$ref cycle: the root refers back to itself without descending "
                                "into the instance; expected $ref chains to end");
        }
        buf_puts(&c->location, "#/$defs");
        schema_location_push(&c->location, c->schema->defs[i].name);
        return compile_fail(c, STRATA_EINVAL,
                            "$ref cycle: the definition refers back to itself without "
                            "descending into the instance; expected $ref chains to end");
    }
    return STRATA_OK;
}

static int compile_defs(struct compiler *c, const cJSON *defs)
{
    const cJSON *member;
    size_t count = 0;
    size_t i = 0;
    int rc;

    if (defs == NULL)
        return STRATA_OK;
    buf_puts(&c->location, "/$defs");
    if (!cJSON_IsObject(defs))
        return compile_fail(c, STRATA_EINVAL,
                            "$defs is not an object; expected an object of schemas");
    for (member = defs->child; member != NULL; member = member->next)
        count++;
    c->schema->defs = calloc(count == 0 ? 1 : count, sizeof(*c->schema->defs));
    if (c->schema->defs == NULL)
        return compile_fail(c, STRATA_ENOMEM, "out of memory");
    for (member = defs->child; member != NULL; member = member->next, i++) {
        c->schema->defs[i].name = member->string;
        c->schema->defs[i].node = schema_node_new(c);
        if (c->schema->defs[i].node == NULL)
            return compile_fail(c, STRATA_ENOMEM, "out of memory");
        c->schema->def_count = i + 1;
    }
    for (member = defs->child, i = 0; member != NULL; member = member->next, i++) {
        size_t location_len = c->location.len;
        schema_location_push(&c->location, member->string);
        rc = compile_node(c, member, c->schema->defs[i].node, false);
        if (rc != STRATA_OK)
            return rc;
        schema_location_pop(&c->location, location_len);
    }
    buf_reset(&c->location);
    buf_putc(&c->location, '#');
    return STRATA_OK;
}

int schema_compile(const char *text, size_t len, struct schema **out, struct schema_error *err)
{
    struct compiler c;
    struct schema *schema;
    const char *parse_end = NULL;
    int rc;

    if (text == NULL || out == NULL) {
        schema_set_error(err, "", "no schema text; expected JSON text");
        return STRATA_EINVAL;
    }
    schema = calloc(1, sizeof(*schema));
    if (schema == NULL) {
        schema_set_error(err, "", "out of memory");
        return STRATA_ENOMEM;
    }
    schema->doc = cJSON_ParseWithLengthOpts(text, len, &parse_end, 0);
    if (schema->doc == NULL) {
        char where[64];
        size_t pos = parse_end != NULL ? (size_t)(parse_end - text) : 0;
        text_line_column(text, pos < len ? pos : len, where, sizeof(where));
        schema_set_error(err, where, "the schema is not valid JSON; expected a JSON document");
        schema_free(schema);
        return STRATA_EPARSE;
    }
    {
        size_t nul = text_find_escaped_nul(text, len);
        if (nul < len) {
            char where[64];
            text_line_column(text, nul, where, sizeof(where));
            schema_set_error(err, where,
                             "escaped NUL (\\u0000) in a string, which would cut the string "
                             "there; expected text without NUL characters");
            schema_free(schema);
            return STRATA_EINVAL;
        }
    }
    c.schema = schema;
    c.err = err;
    buf_init(&c.location, 4096);
    buf_putc(&c.location, '#');
    schema->root = schema_node_new(&c);
    if (schema->root == NULL) {
        rc = compile_fail(&c, STRATA_ENOMEM, "out of memory");
    } else {
        rc = compile_defs(&c, cJSON_IsObject(schema->doc)
                                  ? cJSON_GetObjectItemCaseSensitive(schema->doc, "$defs")
                                  : NULL);
        if (rc == STRATA_OK)
            rc = compile_node(&c, schema->doc, schema->root, true);
        if (rc == STRATA_OK)
            rc = compile_check_cycles(&c);
    }
    if (rc == STRATA_OK && c.location.failed)
        rc = compile_fail(&c, STRATA_ENOMEM, "out of memory");
    buf_release(&c.location);
    if (rc != STRATA_OK) {
        schema_free(schema);
        return rc;
    }
    *out = schema;
    return STRATA_OK;
}

void schema_free(struct schema *schema)
{
    size_t i;

    if (schema == NULL)
        return;
    for (i = 0; i < schema->node_count; i++) {
        struct schema_node *node = schema->nodes[i];
        if (node->has_pattern)
            regfree(&node->pattern);
        free(node->properties);
        free(node->required);
        free(node->required_property);
        free(node->references);
        free(node);
    }
    free(schema->nodes);
    free(schema->defs);
    cJSON_Delete(schema->doc);
    free(schema);
}

/* ---- validation ---- */

struct validation {
    struct schema_references *refs;
    struct schema_error *err;
    struct buf path; /* the JSON path of the instance being validated */
};

static int validation_fail(struct validation *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int validation_fail(struct validation *v, const char *fmt, ...)
{
    struct buf message;
    va_list ap;

    if (v->err == NULL)
        return STRATA_EINVAL;
    buf_init(&message, 8192);
    va_start(ap, fmt);
    buf_vprintf(&message, fmt, ap);
    va_end(ap);
    schema_set_error(v->err, buf_str(&v->path), "%s", buf_str(&message));
    buf_release(&message);
    return STRATA_EINVAL;
}

static void validation_path_pop(struct validation *v, size_t len)
{
    v->path.len = len;
    if (v->path.data != NULL)
        v->path.data[len] = '\0';
}

static int schema_reference_add(struct validation *v, const cJSON *value,
                                const struct schema_node *node)
{
    struct schema_references *refs = v->refs;
    struct schema_reference *item;

    if (refs->count == refs->alloc) {
        size_t alloc = refs->alloc == 0 ? 256 : refs->alloc * 2;
        struct schema_reference *grown;
        if (alloc > ((size_t)-1) / sizeof(*grown))
            return STRATA_ENOMEM;
        grown = realloc(refs->items, alloc * sizeof(*grown));
        if (grown == NULL)
            return STRATA_ENOMEM;
        refs->items = grown;
        refs->alloc = alloc;
    }
    item = &refs->items[refs->count];
    item->value = value;
    item->path_offset = refs->paths.len;
    item->collections = node->references;
    item->collection_count = node->reference_count;
    if (buf_add(&refs->paths, buf_str(&v->path), v->path.len + 1) != STRATA_OK)
        return STRATA_ENOMEM;
    refs->count++;
    return STRATA_OK;
}

static int validation_collect(struct validation *v, const struct schema_node *node,
                              const cJSON *instance)
{
    const cJSON *item;
    size_t index = 0;
    size_t path_len = v->path.len;
    int rc = STRATA_OK;

    if (v->refs == NULL || node->reference_count == 0)
        return STRATA_OK;
    if (cJSON_IsString(instance))
        return schema_reference_add(v, instance, node);
    if (!cJSON_IsArray(instance))
        return STRATA_OK;
    for (item = instance->child; item != NULL && rc == STRATA_OK; item = item->next, index++) {
        if (!cJSON_IsString(item))
            continue;
        schema_path_index(&v->path, index);
        rc = schema_reference_add(v, item, node);
        validation_path_pop(v, path_len);
    }
    return rc;
}

static unsigned schema_instance_types(const cJSON *instance)
{
    if (cJSON_IsObject(instance))
        return TYPE_OBJECT;
    if (cJSON_IsArray(instance))
        return TYPE_ARRAY;
    if (cJSON_IsString(instance))
        return TYPE_STRING;
    if (cJSON_IsNumber(instance))
        return schema_is_integral(instance->valuedouble) ? TYPE_NUMBER | TYPE_INTEGER : TYPE_NUMBER;
    if (cJSON_IsBool(instance))
        return TYPE_BOOLEAN;
    if (cJSON_IsNull(instance))
        return TYPE_NULL;
    return 0;
}

static int validate_type(struct validation *v, const struct schema_node *node,
                         const cJSON *instance)
{
    struct buf expected;
    unsigned found = schema_instance_types(instance);
    size_t i;
    size_t listed = 0;
    size_t total = 0;
    int rc;

    if (node->types == 0 || (node->types & found) != 0)
        return STRATA_OK;
    buf_init(&expected, 1024);
    for (i = 0; i < SCHEMA_TYPE_COUNT; i++)
        if (node->types & schema_types[i].bit)
            total++;
    for (i = 0; i < SCHEMA_TYPE_COUNT; i++) {
        if (!(node->types & schema_types[i].bit))
            continue;
        if (listed > 0)
            buf_puts(&expected, listed + 1 == total ? " or " : ", ");
        buf_puts(&expected, schema_types[i].with_article);
        listed++;
    }
    if (found & TYPE_NUMBER) {
        struct buf number;
        buf_init(&number, 64);
        schema_put_number(&number, instance->valuedouble);
        rc = validation_fail(v, "wrong type: found %s (%s); expected %s",
                             (found & TYPE_INTEGER) ? "a number" : "a number with a fraction",
                             buf_str(&number), buf_str(&expected));
        buf_release(&number);
    } else {
        for (i = 0; i < SCHEMA_TYPE_COUNT && schema_types[i].bit != found; i++)
            ;
        rc = validation_fail(v, "wrong type: found %s; expected %s",
                             i < SCHEMA_TYPE_COUNT ? schema_types[i].with_article : "a raw value",
                             buf_str(&expected));
    }
    buf_release(&expected);
    return rc;
}

/*
 * JSON equality as JSON Schema defines it for const and enum: numbers by
 * mathematical value (1 equals 1.0, but 9007199254740991 does not equal
 * 9007199254740992; cJSON_Compare would use a relative epsilon), strings
 * byte for byte, arrays item by item, objects by their set of members.
 */
static bool schema_equal(const cJSON *a, const cJSON *b)
{
    const cJSON *x;
    const cJSON *y;

    if (cJSON_IsNumber(a) || cJSON_IsNumber(b))
        return cJSON_IsNumber(a) && cJSON_IsNumber(b) && a->valuedouble == b->valuedouble;
    if (cJSON_IsArray(a) || cJSON_IsArray(b)) {
        if (!cJSON_IsArray(a) || !cJSON_IsArray(b))
            return false;
        for (x = a->child, y = b->child; x != NULL && y != NULL; x = x->next, y = y->next)
            if (!schema_equal(x, y))
                return false;
        return x == NULL && y == NULL;
    }
    if (cJSON_IsObject(a) || cJSON_IsObject(b)) {
        size_t count_a = 0;
        size_t count_b = 0;
        if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
            return false;
        for (x = a->child; x != NULL; x = x->next, count_a++) {
            y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            if (y == NULL || !schema_equal(x, y))
                return false;
        }
        for (y = b->child; y != NULL; y = y->next)
            count_b++;
        return count_a == count_b;
    }
    return cJSON_Compare(a, b, 1); /* strings, booleans, null */
}

static int validate_values(struct validation *v, const struct schema_node *node,
                           const cJSON *instance)
{
    struct buf found;
    struct buf allowed;
    const cJSON *value;
    int rc = STRATA_OK;

    if (node->const_value != NULL && !schema_equal(node->const_value, instance)) {
        buf_init(&found, 1024);
        buf_init(&allowed, 1024);
        schema_put_value(&found, instance);
        schema_put_value(&allowed, node->const_value);
        rc = validation_fail(v, "wrong value %s; expected %s", buf_str(&found), buf_str(&allowed));
        buf_release(&found);
        buf_release(&allowed);
        return rc;
    }
    if (node->enum_values == NULL)
        return STRATA_OK;
    for (value = node->enum_values->child; value != NULL; value = value->next)
        if (schema_equal(value, instance))
            return STRATA_OK;
    buf_init(&found, 1024);
    schema_put_value(&found, instance);
    if (node->enum_values->child == NULL) {
        rc = validation_fail(v, "value %s where the empty enum admits none; expected no value here",
                             buf_str(&found));
        buf_release(&found);
        return rc;
    }
    buf_init(&allowed, 4096);
    for (value = node->enum_values->child; value != NULL; value = value->next) {
        if (value != node->enum_values->child)
            buf_puts(&allowed, ", ");
        schema_put_value(&allowed, value);
    }
    rc = validation_fail(v, "unknown value %s; expected one of %s", buf_str(&found),
                         buf_str(&allowed));
    buf_release(&found);
    buf_release(&allowed);
    return rc;
}

static size_t schema_code_points(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static int validate_string(struct validation *v, const struct schema_node *node,
                           const cJSON *instance)
{
    const char *s = instance->valuestring;
    struct buf found;
    int rc;

    if (node->min_length >= 0) {
        size_t length = schema_code_points(s);
        if (length < (size_t)node->min_length)
            return validation_fail(v,
                                   "string too short (%zu character%s); expected at least %ld "
                                   "character%s",
                                   length, length == 1 ? "" : "s", node->min_length,
                                   node->min_length == 1 ? "" : "s");
    }
    if (node->has_pattern && regexec(&node->pattern, s, 0, NULL, 0) != 0) {
        buf_init(&found, 1024);
        schema_put_value(&found, instance);
        rc = validation_fail(v, "%s does not match the pattern; expected a string matching %s",
                             buf_str(&found), node->pattern_text);
        buf_release(&found);
        return rc;
    }
    return STRATA_OK;
}

static int validate_number(struct validation *v, const struct schema_node *node,
                           const cJSON *instance)
{
    struct buf text;
    int rc = STRATA_OK;
    double d = instance->valuedouble;

    if (!(node->has_minimum && d < node->minimum) && !(node->has_maximum && d > node->maximum))
        return STRATA_OK;
    buf_init(&text, 256);
    schema_put_number(&text, d);
    if (node->has_minimum && d < node->minimum) {
        buf_puts(&text, " is below the minimum; expected a number >= ");
        schema_put_number(&text, node->minimum);
    } else {
        buf_puts(&text, " is above the maximum; expected a number <= ");
        schema_put_number(&text, node->maximum);
    }
    rc = validation_fail(v, "value %s", buf_str(&text));
    buf_release(&text);
    return rc;
}

static int validate_node(struct validation *v, const struct schema_node *node,
                         const cJSON *instance);

static void schema_put_names(struct buf *out, const char *const *names, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        buf_puts(out, i == 0 ? "\"" : ", \"");
        buf_json_escape(out, names[i], strlen(names[i]));
        buf_putc(out, '"');
    }
}

static int validate_missing(struct validation *v, const struct schema_node *node,
                            const cJSON *instance, const unsigned char *seen)
{
    struct buf names;
    size_t i;
    int rc;

    for (i = 0; i < node->required_count; i++) {
        size_t k = node->required_property ? node->required_property[i] : SIZE_MAX;
        if (k != SIZE_MAX ? seen[k] != 0
                          : cJSON_GetObjectItemCaseSensitive(instance, node->required[i]) != NULL)
            continue;
        buf_init(&names, 4096);
        schema_put_names(&names, node->required, node->required_count);
        rc = validation_fail(v, "missing required property \"%s\"; expected all of %s",
                             node->required[i], buf_str(&names));
        buf_release(&names);
        return rc;
    }
    return STRATA_OK;
}

static int validate_unknown(struct validation *v, const struct schema_node *node, const char *name)
{
    struct buf names;
    size_t i;
    int rc;

    buf_init(&names, 4096);
    for (i = 0; i < node->property_count; i++) {
        buf_puts(&names, i == 0 ? "\"" : ", \"");
        buf_json_escape(&names, node->properties[i].name, strlen(node->properties[i].name));
        buf_putc(&names, '"');
    }
    if (node->property_count == 0)
        rc = validation_fail(v, "unknown property \"%s\"; expected no properties", name);
    else
        rc = validation_fail(v, "unknown property \"%s\"; expected only %s", name, buf_str(&names));
    buf_release(&names);
    return rc;
}

/*
 * Members are mapped to their properties once: that map gives the
 * duplicates and the required properties present, then each member is
 * validated in document order (a missing property is reported first, as
 * the first failure of the object).
 */
static int validate_object(struct validation *v, const struct schema_node *node,
                           const cJSON *instance)
{
    enum { SMALL = 64 };
    unsigned char small_seen[SMALL], small_duplicate[SMALL];
    size_t small_property[SMALL];
    unsigned char *seen = small_seen, *duplicate = small_duplicate;
    size_t *property = small_property;
    size_t members = 0, m, path_len = v->path.len;
    const cJSON *member;
    int rc = STRATA_OK;

    for (member = instance->child; member != NULL; member = member->next)
        members++;
    if (node->property_count > SMALL || members > SMALL) {
        size_t n = node->property_count > members ? node->property_count : members;
        seen = calloc(n, 1);
        duplicate = calloc(n, 1);
        property = calloc(n, sizeof(*property));
        if (seen == NULL || duplicate == NULL || property == NULL) {
            rc = STRATA_ENOMEM;
            goto done;
        }
    } else {
        memset(small_seen, 0, sizeof(small_seen));
        memset(small_duplicate, 0, sizeof(small_duplicate));
    }
    for (member = instance->child, m = 0; member != NULL; member = member->next, m++) {
        size_t i;
        for (i = 0; i < node->property_count; i++)
            if (strcmp(node->properties[i].name, member->string) == 0)
                break;
        property[m] = i < node->property_count ? i : SIZE_MAX;
        if (property[m] != SIZE_MAX) {
            duplicate[m] = seen[i];
            seen[i] = 1;
        } else if (!node->no_additional) {
            const cJSON *earlier;
            for (earlier = instance->child; earlier != member; earlier = earlier->next)
                if (strcmp(earlier->string, member->string) == 0)
                    duplicate[m] = 1;
        }
    }
    rc = validate_missing(v, node, instance, seen);
    for (member = instance->child, m = 0; member != NULL && rc == STRATA_OK;
         member = member->next, m++) {
        schema_path_member(&v->path, member->string);
        if (duplicate[m])
            rc = validation_fail(v, "duplicate property \"%s\"; expected each property once",
                                 member->string);
        else if (property[m] == SIZE_MAX && node->no_additional)
            rc = validate_unknown(v, node, member->string);
        else if (property[m] != SIZE_MAX)
            rc = validate_node(v, node->properties[property[m]].node, member);
        validation_path_pop(v, path_len);
    }
done:
    if (seen != small_seen)
        free(seen);
    if (duplicate != small_duplicate)
        free(duplicate);
    if (property != small_property)
        free(property);
    return rc;
}

static int validate_array(struct validation *v, const struct schema_node *node,
                          const cJSON *instance)
{
    const cJSON *item;
    size_t count = 0;
    size_t index = 0;
    size_t path_len = v->path.len;
    int rc = STRATA_OK;

    if (node->min_items > 0) {
        for (item = instance->child; item != NULL; item = item->next)
            count++;
        if (count < (size_t)node->min_items)
            return validation_fail(v, "array too short (%zu item%s); expected at least %ld item%s",
                                   count, count == 1 ? "" : "s", node->min_items,
                                   node->min_items == 1 ? "" : "s");
    }
    if (node->items == NULL)
        return STRATA_OK;
    for (item = instance->child; item != NULL && rc == STRATA_OK; item = item->next, index++) {
        schema_path_index(&v->path, index);
        rc = validate_node(v, node->items, item);
        validation_path_pop(v, path_len);
    }
    return rc;
}

static int validate_node(struct validation *v, const struct schema_node *node,
                         const cJSON *instance)
{
    int rc;

    if (node->is_false)
        return validation_fail(v, "a value where none is allowed; expected no value here");
    rc = validate_type(v, node, instance);
    if (rc == STRATA_OK)
        rc = validate_values(v, node, instance);
    if (rc == STRATA_OK && cJSON_IsString(instance))
        rc = validate_string(v, node, instance);
    if (rc == STRATA_OK && cJSON_IsNumber(instance))
        rc = validate_number(v, node, instance);
    if (rc == STRATA_OK)
        rc = validation_collect(v, node, instance);
    if (rc == STRATA_OK && cJSON_IsObject(instance))
        rc = validate_object(v, node, instance);
    if (rc == STRATA_OK && cJSON_IsArray(instance))
        rc = validate_array(v, node, instance);
    if (rc == STRATA_OK && node->ref != NULL)
        rc = validate_node(v, node->ref, instance);
    return rc;
}

int schema_validate(const struct schema *schema, const cJSON *instance,
                    struct schema_references *refs, struct schema_error *err)
{
    struct validation v;
    int rc;

    if (schema == NULL || instance == NULL) {
        schema_set_error(err, "", "no schema or no instance; expected both");
        return STRATA_EINVAL;
    }
    v.refs = refs;
    v.err = err;
    buf_init(&v.path, 64 * 1024);
    buf_putc(&v.path, '$');
    rc = validate_node(&v, schema->root, instance);
    if (rc == STRATA_OK && v.path.failed)
        rc = STRATA_ENOMEM;
    if (rc == STRATA_ENOMEM)
        schema_set_error(err, buf_str(&v.path), "out of memory while validating");
    buf_release(&v.path);
    return rc;
}

void schema_references_init(struct schema_references *refs)
{
    if (refs == NULL)
        return;
    refs->items = NULL;
    refs->count = 0;
    refs->alloc = 0;
    buf_init(&refs->paths, 0);
}

void schema_references_release(struct schema_references *refs)
{
    if (refs == NULL)
        return;
    free(refs->items);
    buf_release(&refs->paths);
    schema_references_init(refs);
}

const char *schema_reference_path(const struct schema_references *refs, size_t i)
{
    if (refs == NULL || i >= refs->count)
        return "";
    return buf_str(&refs->paths) + refs->items[i].path_offset;
}
