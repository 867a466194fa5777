/* Unit tests for provenance.c: what background=false removes from a record, and what it keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provenance.h"

/* Strip the record given as JSON text and compare with the expected JSON text. */
static void strips_to(const char *record_text, const char *expected_text)
{
    cJSON *record = cJSON_Parse(record_text);
    cJSON *expected = cJSON_Parse(expected_text);

    assert_non_null(record);
    assert_non_null(expected);
    provenance_strip_background(record);
    if (!cJSON_Compare(record, expected, 1)) {
        char *got = cJSON_PrintUnformatted(record);
        fail_msg("stripped %s to %s; expected %s", record_text, got, expected_text);
    }
    cJSON_Delete(record);
    cJSON_Delete(expected);
}

static void is_background(void **state)
{
    cJSON *yes = cJSON_Parse("{\"provenance\": \"background\", \"basis\": \"b\"}");
    cJSON *no = cJSON_Parse("{\"provenance\": \"inferred\", \"basis\": \"b\"}");
    cJSON *text = cJSON_CreateString("background");

    (void)state;
    assert_true(provenance_is_background(yes));
    assert_false(provenance_is_background(no));
    assert_false(provenance_is_background(text));
    assert_false(provenance_is_background(NULL));
    cJSON_Delete(yes);
    cJSON_Delete(no);
    cJSON_Delete(text);
}

static void background_members_and_items_go(void **state)
{
    (void)state;
    /* a flagged object becomes null (its key stays); flagged items leave their array */
    strips_to(
        "{\"id\": \"tashkent\", \"kind\": \"city\", \"capital_of\": {\"country\": \"uzbekistan\", "
        "\"provenance\": \"background\", \"basis\": \"b\"}, \"coordinates\": {\"lat\": 1, "
        "\"lon\": 2, \"provenance\": \"background\", \"basis\": \"c\"}}",
        "{\"id\": \"tashkent\", \"kind\": \"city\", \"capital_of\": null, \"coordinates\": "
        "null}");
    strips_to("{\"other_names\": [{\"name\": \"Avaza\", \"provenance\": \"background\", \"basis\": "
              "\"b\"}], \"aliases\": [\"Awaza\"], \"evidence\": [{\"start\": 1, \"end\": 2}]}",
              "{\"other_names\": [], \"aliases\": [\"Awaza\"], \"evidence\": [{\"start\": 1, "
              "\"end\": 2}]}");
    /* the article's and the inferred stay */
    strips_to("{\"capital_of\": {\"country\": \"afghanistan\", \"provenance\": \"article\"}, "
              "\"field_provenance\": [{\"field\": \"country\", \"provenance\": \"inferred\", "
              "\"basis\": \"b\"}], \"country\": \"russia\", \"provenance\": \"article\"}",
              "{\"capital_of\": {\"country\": \"afghanistan\", \"provenance\": \"article\"}, "
              "\"field_provenance\": [{\"field\": \"country\", \"provenance\": \"inferred\", "
              "\"basis\": \"b\"}], \"country\": \"russia\", \"provenance\": \"article\"}");
}

static void background_notes_take_their_field(void **state)
{
    (void)state;
    /* a note about a whole field nulls it; a note about one item drops that item */
    strips_to("{\"publisher\": \"Korea Foundation\", \"targets\": [\"russia\", \"china\"], "
              "\"field_provenance\": [{\"field\": \"publisher\", \"provenance\": \"background\", "
              "\"basis\": \"b\"}, {\"field\": \"targets\", \"value\": \"china\", \"provenance\": "
              "\"background\", \"basis\": \"c\"}, {\"field\": \"targets\", \"value\": \"russia\", "
              "\"provenance\": \"inferred\", \"basis\": \"d\"}]}",
              "{\"publisher\": null, \"targets\": [\"russia\"], \"field_provenance\": [{\"field\": "
              "\"targets\", \"value\": \"russia\", \"provenance\": \"inferred\", \"basis\": "
              "\"d\"}]}");
    /* a note naming a field the record lacks changes nothing else */
    strips_to("{\"field_provenance\": [{\"field\": \"missing\", \"provenance\": \"background\", "
              "\"basis\": \"b\"}], \"name\": \"x\"}",
              "{\"field_provenance\": [], \"name\": \"x\"}");
    provenance_strip_background(NULL); /* a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(is_background),
        cmocka_unit_test(background_members_and_items_go),
        cmocka_unit_test(background_notes_take_their_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
