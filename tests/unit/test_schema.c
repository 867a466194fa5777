/* Unit tests for schema.c: every keyword of the subset, compile errors, paths, references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "schema.h"

#include "fixture.h"

/* Compile schema_text; fail the test when it does not compile. */
static struct schema *compile_ok(const char *schema_text)
{
    struct schema *schema = NULL;
    struct schema_error err;
    int rc = schema_compile(schema_text, strlen(schema_text), &schema, &err);

    if (rc != STRATA_OK)
        fail_msg("schema did not compile: %s: %s", err.path, err.message);
    return schema;
}

/* Compile schema_text, expecting failure rc at path with message. */
static void compile_fails(const char *schema_text, int rc, const char *path, const char *message)
{
    struct schema *schema = NULL;
    struct schema_error err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(schema_compile(schema_text, strlen(schema_text), &schema, &err), rc);
    assert_null(schema);
    assert_string_equal(err.path, path);
    assert_string_equal(err.message, message);
}

/* Validate instance_text against schema_text; returns rc, fills err. */
static int check(const char *schema_text, const char *instance_text, struct schema_error *err)
{
    struct schema *schema = compile_ok(schema_text);
    cJSON *instance = cJSON_Parse(instance_text);
    int rc;

    if (instance == NULL)
        fail_msg("test instance is not JSON: %s", instance_text);
    memset(err, 0, sizeof(*err));
    rc = schema_validate(schema, instance, NULL, err);
    cJSON_Delete(instance);
    schema_free(schema);
    return rc;
}

static void valid(const char *schema_text, const char *instance_text)
{
    struct schema_error err;

    if (check(schema_text, instance_text, &err) != STRATA_OK)
        fail_msg("%s should be valid against %s, but: %s: %s", instance_text, schema_text, err.path,
                 err.message);
}

static void invalid(const char *schema_text, const char *instance_text, const char *path,
                    const char *message)
{
    struct schema_error err;

    assert_int_equal(check(schema_text, instance_text, &err), STRATA_EINVAL);
    assert_string_equal(err.path, path);
    assert_string_equal(err.message, message);
}

static void null_arguments(void **state)
{
    struct schema *schema = NULL;
    struct schema_error err;
    cJSON *instance = cJSON_Parse("{}");

    (void)state;
    assert_int_equal(schema_compile(NULL, 0, &schema, &err), STRATA_EINVAL);
    assert_string_equal(err.message, "no schema text; expected JSON text");
    assert_int_equal(schema_compile("{}", 2, NULL, &err), STRATA_EINVAL);
    assert_int_equal(schema_compile("{}", 2, &schema, NULL), STRATA_OK);
    assert_int_equal(schema_validate(NULL, instance, NULL, &err), STRATA_EINVAL);
    assert_string_equal(err.message, "no schema or no instance; expected both");
    assert_int_equal(schema_validate(schema, NULL, NULL, NULL), STRATA_EINVAL);
    assert_int_equal(schema_validate(schema, instance, NULL, NULL), STRATA_OK);
    schema_free(schema);
    schema_free(NULL);
    schema_references_init(NULL);
    schema_references_release(NULL);
    assert_string_equal(schema_reference_path(NULL, 0), "");
    cJSON_Delete(instance);
}

static void compile_errors(void **state)
{
    (void)state;
    compile_fails("{\"type\": \"object\",\n \"properties\": {,}}", STRATA_EPARSE,
                  "line 2, column 18", "the schema is not valid JSON; expected a JSON document");
    compile_fails("{\"properties\": {\"a\": {\"format\": \"date\"}}}", STRATA_EINVAL,
                  "#/properties/a/format",
                  "unsupported keyword \"format\"; expected only $defs (root only), $ref, type, "
                  "properties, required, additionalProperties, items, enum, const, pattern, "
                  "minLength, minItems, minimum, maximum, x-references, and the annotations "
                  "$schema, $id, $comment, title, description, examples");
    compile_fails("{\"anyOf\": []}", STRATA_EINVAL, "#/anyOf",
                  "unsupported keyword \"anyOf\"; expected only $defs (root only), $ref, type, "
                  "properties, required, additionalProperties, items, enum, const, pattern, "
                  "minLength, minItems, minimum, maximum, x-references, and the annotations "
                  "$schema, $id, $comment, title, description, examples");
    compile_fails("{\"items\": {\"$defs\": {}}}", STRATA_EINVAL, "#/items/$defs",
                  "$defs below the root; expected $defs only at the schema root");
    compile_fails("{\"$ref\": \"#/$defs/missing\", \"$defs\": {\"there\": {}}}", STRATA_EINVAL,
                  "#/$ref",
                  "$ref \"#/$defs/missing\" names no definition; expected a key of $defs");
    compile_fails("{\"$ref\": \"other.json#/x\"}", STRATA_EINVAL, "#/$ref",
                  "unsupported $ref \"other.json#/x\"; expected \"#\" or \"#/$defs/NAME\" (only "
                  "local references to root definitions are supported)");
    compile_fails("{\"$ref\": 3}", STRATA_EINVAL, "#/$ref",
                  "$ref is not a string; expected \"#/$defs/NAME\"");
    compile_fails(
        "{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"$ref\": \"#/$defs/a\"}}}",
        STRATA_EINVAL, "#/$defs/a",
        "$ref cycle: the definition refers back to itself without descending into the "
        "instance; expected $ref chains to end");
    compile_fails("{\"$defs\": []}", STRATA_EINVAL, "#/$defs",
                  "$defs is not an object; expected an object of schemas");
    compile_fails("{\"type\": \"text\"}", STRATA_EINVAL, "#/type",
                  "unknown type \"text\"; expected object, array, string, integer, number, boolean "
                  "or null");
    compile_fails("{\"type\": [\"string\", 1]}", STRATA_EINVAL, "#/type",
                  "unknown type (not a string); expected object, array, string, integer, number, "
                  "boolean or null");
    compile_fails("{\"type\": [\"string\", \"string\"]}", STRATA_EINVAL, "#/type",
                  "type \"string\" listed twice; expected each type once");
    compile_fails("{\"type\": []}", STRATA_EINVAL, "#/type",
                  "type is neither a type name nor a non-empty array of them; expected a name or "
                  "an array of: object, array, string, integer, number, boolean, null");
    compile_fails("{\"properties\": {\"a\": 3}}", STRATA_EINVAL, "#/properties/a",
                  "not a schema; expected an object or a boolean");
    compile_fails("{\"properties\": []}", STRATA_EINVAL, "#/properties",
                  "properties is not an object; expected an object of schemas");
    compile_fails("{\"properties\": {\"a\": {}, \"a\": {}}}", STRATA_EINVAL, "#/properties",
                  "property \"a\" defined twice; expected each property once");
    compile_fails("{\"required\": \"a\"}", STRATA_EINVAL, "#/required",
                  "required is not valid; expected an array of non-empty strings");
    compile_fails("{\"required\": [\"a\", \"a\"]}", STRATA_EINVAL, "#/required",
                  "required lists \"a\" twice; expected each name once");
    compile_fails("{\"x-references\": []}", STRATA_EINVAL, "#/x-references",
                  "x-references is not valid; expected a non-empty array of non-empty strings");
    compile_fails("{\"x-references\": [\"\"]}", STRATA_EINVAL, "#/x-references",
                  "x-references is not valid; expected a non-empty array of non-empty strings");
    compile_fails("{\"additionalProperties\": {}}", STRATA_EINVAL, "#/additionalProperties",
                  "additionalProperties is not a boolean; expected false or true (schemas for "
                  "additional properties are not supported)");
    compile_fails("{\"items\": [{}]}", STRATA_EINVAL, "#/items",
                  "items is not a schema; expected one schema for every item");
    compile_fails("{\"enum\": {}}", STRATA_EINVAL, "#/enum",
                  "enum is not an array; expected an array of values (an empty one admits "
                  "nothing)");
    /* a root that refers to itself would make validation loop forever */
    compile_fails("{\"$ref\": \"#\"}", STRATA_EINVAL, "#/$ref",
                  "$ref cycle: the root refers back to itself without descending into the "
                  "instance; expected $ref chains to end");
    compile_fails("{\"$ref\": \"#/$defs/a\", \"$defs\": {\"a\": {\"$ref\": \"#\"}}}", STRATA_EINVAL,
                  "#/$defs/a",
                  "$ref cycle: the definition refers back to itself without descending into the "
                  "instance; expected $ref chains to end");
    compile_fails("{\"$ref\": \"#/$defs/a%2\", \"$defs\": {\"a\": {}}}", STRATA_EINVAL, "#/$ref",
                  "$ref \"#/$defs/a%2\" has a malformed percent escape; expected %XX with two "
                  "hex digits, not %00");
    /* ECMA-262 reads \d as a digit, POSIX ERE as the letter d: refused, never misread */
    compile_fails("{\"pattern\": \"^\\\\d+$\"}", STRATA_EINVAL, "#/pattern",
                  "pattern \"^\\d+$\" uses \\d, which a POSIX extended regular expression "
                  "reads differently from JSON Schema (ECMA-262); expected a bracket expression "
                  "such as [0-9], [A-Za-z0-9_] or [[:space:]] instead of a backslash before a "
                  "letter");
    compile_fails("{\"pattern\": \"a\\\\\\\\\\\\t\"}", STRATA_EINVAL, "#/pattern",
                  "pattern \"a\\\\\\t\" uses \\t, which a POSIX extended regular expression "
                  "reads differently from JSON Schema (ECMA-262); expected a bracket expression "
                  "such as [0-9], [A-Za-z0-9_] or [[:space:]] instead of a backslash before a "
                  "letter");
    /* cJSON would keep "a" of "a\u0000b": the name would say less than the text */
    compile_fails("{\"properties\": {\"a\\u0000b\": {}}}", STRATA_EINVAL, "line 1, column 19",
                  "escaped NUL (\\u0000) in a string, which would cut the string there; expected "
                  "text without NUL characters");
    {
        /* the reason in parentheses is the C library's regerror() text */
        struct schema *schema = NULL;
        struct schema_error err;
        const char *text = "{\"pattern\": \"a(\"}";
        const char *tail = "); expected a POSIX extended regular expression";
        assert_int_equal(schema_compile(text, strlen(text), &schema, &err), STRATA_EINVAL);
        assert_string_equal(err.path, "#/pattern");
        assert_memory_equal(err.message, "pattern \"a(\" does not compile (", 31);
        assert_string_equal(err.message + strlen(err.message) - strlen(tail), tail);
    }
    compile_fails("{\"pattern\": 1}", STRATA_EINVAL, "#/pattern",
                  "pattern is not a string; expected a POSIX extended regular expression");
    compile_fails("{\"minLength\": -1}", STRATA_EINVAL, "#/minLength",
                  "minLength is not a count; expected a non-negative integer");
    compile_fails("{\"minItems\": 1.5}", STRATA_EINVAL, "#/minItems",
                  "minItems is not a count; expected a non-negative integer");
    compile_fails("{\"minimum\": \"0\"}", STRATA_EINVAL, "#/minimum",
                  "minimum is not a number; expected a number");
    compile_fails("{\"maximum\": null}", STRATA_EINVAL, "#/maximum",
                  "maximum is not a number; expected a number");
    compile_fails("{\"type\": \"string\", \"type\": \"object\"}", STRATA_EINVAL, "#/type",
                  "keyword \"type\" given twice; expected each keyword once");
    compile_fails("[]", STRATA_EINVAL, "#", "not a schema; expected an object or a boolean");
    compile_fails("{\"properties\": {\"a/b~c\": {\"minimum\": true}}}", STRATA_EINVAL,
                  "#/properties/a~1b~0c/minimum", "minimum is not a number; expected a number");
}

static void annotations_are_ignored(void **state)
{
    (void)state;
    valid("{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"$id\": \"x\", "
          "\"$comment\": \"c\", \"title\": \"t\", \"description\": \"d\", \"examples\": [1]}",
          "{\"anything\": [1, 2]}");
}

static void boolean_schemas(void **state)
{
    (void)state;
    valid("true", "[1, {}]");
    invalid("false", "1", "$", "a value where none is allowed; expected no value here");
    invalid("{\"properties\": {\"a\": false}}", "{\"a\": 1}", "$.a",
            "a value where none is allowed; expected no value here");
    valid("{\"properties\": {\"a\": false}}", "{\"b\": 1}");
}

static void types(void **state)
{
    (void)state;
    valid("{\"type\": \"object\"}", "{}");
    valid("{\"type\": \"array\"}", "[]");
    valid("{\"type\": \"string\"}", "\"s\"");
    valid("{\"type\": \"number\"}", "1.5");
    valid("{\"type\": \"number\"}", "2");
    valid("{\"type\": \"integer\"}", "2");
    valid("{\"type\": \"integer\"}", "2.0");
    valid("{\"type\": \"integer\"}", "-7");
    valid("{\"type\": \"boolean\"}", "false");
    valid("{\"type\": \"null\"}", "null");
    valid("{\"type\": [\"string\", \"null\"]}", "null");
    invalid("{\"type\": \"integer\"}", "1.5", "$",
            "wrong type: found a number with a fraction (1.5); expected an integer");
    invalid("{\"type\": \"string\"}", "12", "$",
            "wrong type: found a number (12); expected a string");
    invalid("{\"type\": [\"string\", \"null\"]}", "true", "$",
            "wrong type: found a boolean; expected a string or null");
    invalid("{\"type\": [\"null\", \"integer\", \"array\"]}", "{}", "$",
            "wrong type: found an object; expected an array, an integer or null");
    invalid("{\"type\": \"object\"}", "[]", "$", "wrong type: found an array; expected an object");
    invalid("{\"type\": \"boolean\"}", "null", "$", "wrong type: found null; expected a boolean");
    invalid("{\"type\": \"null\"}", "\"\"", "$", "wrong type: found a string; expected null");
}

static void properties_required_additional(void **state)
{
    const char *schema = "{\"type\": \"object\", \"additionalProperties\": false,"
                         " \"required\": [\"id\", \"name\"],"
                         " \"properties\": {\"id\": {\"type\": \"string\"},"
                         "  \"name\": {\"type\": \"string\"}, \"n\": {\"type\": \"integer\"}}}";

    (void)state;
    valid(schema, "{\"id\": \"a\", \"name\": \"b\"}");
    valid(schema, "{\"name\": \"b\", \"n\": 3, \"id\": \"a\"}");
    invalid(schema, "{\"id\": \"a\"}", "$",
            "missing required property \"name\"; expected all of \"id\", \"name\"");
    invalid(schema, "{\"id\": \"a\", \"name\": \"b\", \"nme\": 1}", "$.nme",
            "unknown property \"nme\"; expected only \"id\", \"name\", \"n\"");
    invalid(schema, "{\"id\": \"a\", \"name\": 5}", "$.name",
            "wrong type: found a number (5); expected a string");
    invalid(schema, "{\"id\": \"a\", \"name\": \"b\", \"id\": \"c\"}", "$.id",
            "duplicate property \"id\"; expected each property once");
    /* additional properties allowed: they are not checked, but duplicates still are */
    valid("{\"properties\": {\"a\": {\"type\": \"string\"}}}", "{\"a\": \"x\", \"b\": 1}");
    invalid("{\"properties\": {\"a\": {}}}", "{\"b\": 1, \"b\": 2}", "$.b",
            "duplicate property \"b\"; expected each property once");
    invalid("{\"additionalProperties\": false}", "{\"x\": 1}", "$.x",
            "unknown property \"x\"; expected no properties");
    /* the keywords apply to objects only */
    valid("{\"required\": [\"a\"], \"additionalProperties\": false}", "\"not an object\"");
}

static void items_and_paths(void **state)
{
    const char *schema = "{\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"object\","
                         " \"properties\": {\"tags\": {\"type\": \"array\","
                         "  \"items\": {\"type\": \"string\"}}}}}";

    (void)state;
    valid(schema, "[{\"tags\": []}, {\"tags\": [\"a\"]}]");
    invalid(schema, "[]", "$", "array too short (0 items); expected at least 1 item");
    invalid(schema, "[{}, {\"tags\": [\"a\", 7]}]", "$[1].tags[1]",
            "wrong type: found a number (7); expected a string");
    invalid("{\"minItems\": 2}", "[1]", "$", "array too short (1 item); expected at least 2 items");
    invalid("{\"properties\": {\"a b\": {\"properties\": {\"9x\": {\"type\": \"null\"}}}}}",
            "{\"a b\": {\"9x\": 1}}", "$[\"a b\"][\"9x\"]",
            "wrong type: found a number (1); expected null");
}

static void enum_and_const(void **state)
{
    (void)state;
    valid("{\"enum\": [\"a\", 1, null]}", "1");
    valid("{\"enum\": [\"a\", 1, null]}", "null");
    invalid("{\"enum\": [\"summit\", \"meeting\"]}", "\"sumit\"", "$",
            "unknown value \"sumit\"; expected one of \"summit\", \"meeting\"");
    invalid("{\"enum\": [\"a\", 1, null]}", "[1]", "$",
            "unknown value [1]; expected one of \"a\", 1, null");
    invalid("{\"enum\": [\"A\"]}", "\"a\"", "$", "unknown value \"a\"; expected one of \"A\"");
    valid("{\"const\": 1}", "1");
    valid("{\"const\": 1}", "1.0");
    valid("{\"enum\": [[1, {\"a\": 2, \"b\": 3}]]}", "[1.0, {\"b\": 3, \"a\": 2}]");
    /* numbers compare exactly, not with cJSON's relative epsilon */
    invalid("{\"const\": 1}", "1.0000000000000002", "$",
            "wrong value 1.0000000000000002; expected 1");
    invalid("{\"const\": 9007199254740992}", "9007199254740991", "$",
            "wrong value 9007199254740991; expected 9007199254740992");
    invalid("{\"enum\": [9007199254740992]}", "9007199254740991", "$",
            "unknown value 9007199254740991; expected one of 9007199254740992");
    invalid("{\"const\": [1]}", "[1, 2]", "$", "wrong value [1,2]; expected [1]");
    invalid("{\"const\": {\"a\": 1}}", "{\"a\": 1, \"b\": 1}", "$",
            "wrong value {\"a\":1,\"b\":1}; expected {\"a\":1}");
    /* an empty enum is valid and admits nothing */
    invalid("{\"enum\": []}", "null", "$",
            "value null where the empty enum admits none; expected no value here");
    invalid("{\"const\": 1}", "2", "$", "wrong value 2; expected 1");
    invalid("{\"const\": \"background\"}", "\"article\"", "$",
            "wrong value \"article\"; expected \"background\"");
    invalid("{\"const\": {\"a\": 1}}", "{\"a\": 2}", "$",
            "wrong value {\"a\":2}; expected {\"a\":1}");
}

static void strings(void **state)
{
    const char *id = "{\"type\": \"string\", \"pattern\": \"^[a-z0-9]+(-[a-z0-9]+)*$\"}";

    (void)state;
    valid(id, "\"c5-plus-1\"");
    invalid(id, "\"Kabul\"", "$",
            "\"Kabul\" does not match the pattern; expected a string matching "
            "^[a-z0-9]+(-[a-z0-9]+)*$");
    invalid(id, "\"a--b\"", "$",
            "\"a--b\" does not match the pattern; expected a string matching "
            "^[a-z0-9]+(-[a-z0-9]+)*$");
    /* patterns are searched for as written: unanchored, they match anywhere */
    valid("{\"pattern\": \"[0-9]\"}", "\"abc1def\"");
    invalid("{\"pattern\": \"^[0-9]\"}", "\"abc1\"", "$",
            "\"abc1\" does not match the pattern; expected a string matching ^[0-9]");
    valid("{\"minLength\": 1}", "\"\xc3\xa9\"");      /* one code point, two bytes */
    valid("{\"minLength\": 2}", "\"\xe2\x80\x9cx\""); /* two code points, four bytes */
    invalid("{\"minLength\": 1}", "\"\"", "$",
            "string too short (0 characters); expected at least 1 character");
    invalid("{\"minLength\": 3}", "\"\xe2\x80\x9c\xe2\x80\x9d\"", "$",
            "string too short (2 characters); expected at least 3 characters");
    invalid("{\"minLength\": 2}", "\"x\"", "$",
            "string too short (1 character); expected at least 2 characters");
    /* string keywords ignore other types */
    valid("{\"minLength\": 3, \"pattern\": \"^x$\"}", "12");
}

static void numbers(void **state)
{
    (void)state;
    valid("{\"minimum\": 1, \"maximum\": 4}", "1");
    valid("{\"minimum\": 1, \"maximum\": 4}", "4");
    invalid("{\"minimum\": 1, \"maximum\": 4}", "0", "$",
            "value 0 is below the minimum; expected a number >= 1");
    invalid("{\"minimum\": 1, \"maximum\": 4}", "5", "$",
            "value 5 is above the maximum; expected a number <= 4");
    invalid("{\"minimum\": -90.5}", "-91.25", "$",
            "value -91.25 is below the minimum; expected a number >= -90.5");
    valid("{\"minimum\": 1}", "\"numbers only\"");
}

static void refs_and_defs(void **state)
{
    const char *schema =
        "{\"$defs\": {\"id\": {\"type\": \"string\", \"minLength\": 1},"
        "  \"node\": {\"type\": \"object\", \"properties\": {"
        "   \"id\": {\"$ref\": \"#/$defs/id\"},"
        "   \"children\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}}},"
        "  \"a/b\": {\"const\": 1}},"
        " \"properties\": {\"tree\": {\"$ref\": \"#/$defs/node\"},"
        "  \"slash\": {\"$ref\": \"#/$defs/a~1b\"}, \"self\": {\"$ref\": \"#\"}}}";

    (void)state;
    valid(schema, "{\"tree\": {\"id\": \"r\", \"children\": [{\"id\": \"c\", \"children\": []}]},"
                  " \"slash\": 1, \"self\": {\"slash\": 1}}");
    invalid(schema, "{\"tree\": {\"id\": \"r\", \"children\": [{\"id\": \"\"}]}}",
            "$.tree.children[0].id",
            "string too short (0 characters); expected at least 1 character");
    invalid(schema, "{\"slash\": 2}", "$.slash", "wrong value 2; expected 1");
    invalid(schema, "{\"self\": {\"self\": {\"slash\": 0}}}", "$.self.self.slash",
            "wrong value 0; expected 1");
    /* a $ref is a URI reference: percent-escapes are decoded before the pointer's ~ escapes */
    valid("{\"$defs\": {\"a%b\": {\"const\": 1}, \"c d\": {\"const\": 2}},"
          " \"properties\": {\"x\": {\"$ref\": \"#/$defs/a%25b\"},"
          " \"y\": {\"$ref\": \"#/%24defs/c%20d\"}}}",
          "{\"x\": 1, \"y\": 2}");
    invalid("{\"$defs\": {\"a%b\": {\"const\": 1}},"
            " \"properties\": {\"x\": {\"$ref\": \"#/$defs/a%25b\"}}}",
            "{\"x\": 2}", "$.x", "wrong value 2; expected 1");
    /* $ref together with other keywords: both apply */
    invalid(
        "{\"$defs\": {\"s\": {\"type\": \"string\"}}, \"$ref\": \"#/$defs/s\", \"minLength\": 2}",
        "\"x\"", "$", "string too short (1 character); expected at least 2 characters");
    invalid(
        "{\"$defs\": {\"s\": {\"type\": \"string\"}}, \"$ref\": \"#/$defs/s\", \"minLength\": 2}",
        "7", "$", "wrong type: found a number (7); expected a string");
}

static void first_error_in_document_order(void **state)
{
    const char *schema =
        "{\"properties\": {\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"string\"}},"
        " \"required\": [\"c\"]}";

    (void)state;
    /* the object's own failure (a missing property) first, then members in document order */
    invalid(schema, "{\"b\": 1, \"a\": 2}", "$",
            "missing required property \"c\"; expected all of \"c\"");
    invalid(schema, "{\"b\": 1, \"a\": 2, \"c\": 0}", "$.b",
            "wrong type: found a number (1); expected a string");
}

static void references_are_collected(void **state)
{
    const char *text =
        "{\"properties\": {"
        " \"one\": {\"type\": [\"string\", \"null\"], \"x-references\": [\"places\"]},"
        " \"many\": {\"type\": \"array\", \"items\": {\"type\": \"string\"},"
        "  \"x-references\": [\"actors\", \"organizations\"]},"
        " \"deep\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/ref\"}}},"
        " \"$defs\": {\"ref\": {\"type\": \"string\", \"x-references\": [\"events\"]}}}";
    struct schema *schema = compile_ok(text);
    struct schema_references refs;
    struct schema_error err;
    cJSON *instance = cJSON_Parse("{\"one\": \"kabul\", \"many\": [\"us\", \"sco\"],"
                                  " \"deep\": [\"e1\"], \"none\": \"x\"}");
    cJSON *nulls = cJSON_Parse("{\"one\": null, \"many\": []}");
    cJSON *bad = cJSON_Parse("{\"one\": \"a\", \"many\": [\"b\", 3]}");

    (void)state;
    schema_references_init(&refs);
    assert_int_equal(schema_validate(schema, instance, &refs, &err), STRATA_OK);
    assert_int_equal(refs.count, 4);
    assert_string_equal(schema_reference_path(&refs, 0), "$.one");
    assert_string_equal(refs.items[0].value->valuestring, "kabul");
    assert_int_equal(refs.items[0].collection_count, 1);
    assert_string_equal(refs.items[0].collections[0], "places");
    assert_string_equal(schema_reference_path(&refs, 1), "$.many[0]");
    assert_string_equal(refs.items[1].value->valuestring, "us");
    assert_int_equal(refs.items[1].collection_count, 2);
    assert_string_equal(refs.items[1].collections[1], "organizations");
    assert_string_equal(schema_reference_path(&refs, 2), "$.many[1]");
    assert_string_equal(schema_reference_path(&refs, 3), "$.deep[0]");
    assert_string_equal(refs.items[3].collections[0], "events");
    assert_string_equal(schema_reference_path(&refs, 4), "");
    schema_references_release(&refs);
    assert_int_equal(refs.count, 0);
    assert_null(refs.items);

    schema_references_init(&refs);
    assert_int_equal(schema_validate(schema, nulls, &refs, &err), STRATA_OK);
    assert_int_equal(refs.count, 0);
    /* entries found before a failure stay (the caller stops at the failure anyway) */
    assert_int_equal(schema_validate(schema, bad, &refs, &err), STRATA_EINVAL);
    assert_string_equal(err.path, "$.many[1]");
    assert_int_equal(refs.count, 2);
    schema_references_release(&refs);

    /* many references: the arrays grow */
    {
        cJSON *big = cJSON_CreateObject();
        cJSON *many = cJSON_AddArrayToObject(big, "many");
        size_t i;
        char name[32];
        for (i = 0; i < 5000; i++) {
            snprintf(name, sizeof(name), "id-%zu", i);
            cJSON_AddItemToArray(many, cJSON_CreateString(name));
        }
        schema_references_init(&refs);
        assert_int_equal(schema_validate(schema, big, &refs, &err), STRATA_OK);
        assert_int_equal(refs.count, 5000);
        assert_string_equal(schema_reference_path(&refs, 4999), "$.many[4999]");
        assert_string_equal(refs.items[4999].value->valuestring, "id-4999");
        schema_references_release(&refs);
        cJSON_Delete(big);
    }
    cJSON_Delete(instance);
    cJSON_Delete(nulls);
    cJSON_Delete(bad);
    schema_free(schema);
}

static void path_segments(void **state)
{
    struct buf path;

    (void)state;
    buf_init(&path, 0);
    buf_putc(&path, '$');
    assert_int_equal(schema_path_member(&path, "events"), STRATA_OK);
    assert_int_equal(schema_path_index(&path, 3), STRATA_OK);
    assert_int_equal(schema_path_member(&path, "date_2"), STRATA_OK);
    assert_int_equal(schema_path_member(&path, "x-references"), STRATA_OK);
    assert_int_equal(schema_path_member(&path, "1st"), STRATA_OK);
    assert_int_equal(schema_path_member(&path, ""), STRATA_OK);
    assert_int_equal(schema_path_member(&path, "q\"uote"), STRATA_OK);
    assert_string_equal(buf_str(&path),
                        "$.events[3].date_2[\"x-references\"][\"1st\"][\"\"][\"q\\\"uote\"]");
    buf_release(&path);
}

/* The repository's schemas compile: the model schema and the test fixture schema. */
static void repository_schemas_compile(void **state)
{
    static const char *const files[] = {"api-spec/model.schema.json",
                                        "tests/fixtures/schema/model.schema.json"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len;
        char *text = fixture_read(files[i], &len);
        struct schema *schema = NULL;
        struct schema_error err;
        if (schema_compile(text, len, &schema, &err) != STRATA_OK)
            fail_msg("%s: %s: %s", files[i], err.path, err.message);
        schema_free(schema);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(compile_errors),
        cmocka_unit_test(annotations_are_ignored),
        cmocka_unit_test(boolean_schemas),
        cmocka_unit_test(types),
        cmocka_unit_test(properties_required_additional),
        cmocka_unit_test(items_and_paths),
        cmocka_unit_test(enum_and_const),
        cmocka_unit_test(strings),
        cmocka_unit_test(numbers),
        cmocka_unit_test(refs_and_defs),
        cmocka_unit_test(first_error_in_document_order),
        cmocka_unit_test(references_are_collected),
        cmocka_unit_test(path_segments),
        cmocka_unit_test(repository_schemas_compile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
