/*
 * Tests for the shipped data (data/model.json, data/article.txt): the model
 * loads through model_load(), and, checked here independently of the loader,
 * every evidence quote equals the article at its code-point offsets inside
 * its paragraph, every reference resolves to a record of an allowed
 * collection, ids are unique, the basis rules hold, the five Central Asian
 * countries and the four strategy layers are there, and every dated event of
 * the article has exactly the expected interval and precision.
 *
 * The repository is found through STRATA_ROOT (set by the Makefile) or the
 * current directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "catalog.h"
#include "model.h"
#include "query.h"
#include "store.h"

static const char *const collections[] = {"actors", "layers",  "events", "organizations",
                                          "places", "threats", "claims", "relations"};
#define COLLECTION_COUNT (sizeof(collections) / sizeof(collections[0]))

/* The loaded model and what the tests derive from it without the loader's help. */
struct fixture {
    struct model *model;
    size_t *char_to_byte;     /* byte offset of every code point, plus one past the end */
    size_t chars;             /* the article's length in code points */
    size_t paragraphs[64][2]; /* [start, end) in code points, computed here */
    size_t paragraph_count;
};

/* ------------------------------------------------------------------ helpers */

static const cJSON *collection(const struct fixture *f, const char *name)
{
    const cJSON *array = cJSON_GetObjectItemCaseSensitive(f->model->root, name);

    assert_non_null(array);
    assert_true(cJSON_IsArray(array));
    return array;
}

/* The record of collection name with this id, or NULL. */
static const cJSON *find_record(const struct fixture *f, const char *name, const char *id)
{
    const cJSON *record;

    cJSON_ArrayForEach(record, collection(f, name))
    {
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(record, "id");
        if (cJSON_IsString(rid) && strcmp(rid->valuestring, id) == 0)
            return record;
    }
    return NULL;
}

/* The collection that holds id, or NULL when no record has it. */
static const char *collection_of(const struct fixture *f, const char *id)
{
    for (size_t i = 0; i < COLLECTION_COUNT; i++)
        if (find_record(f, collections[i], id) != NULL)
            return collections[i];
    return NULL;
}

static const char *string_field(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static bool array_has_string(const cJSON *array, const char *value)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, array)
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, value) == 0)
            return true;
    }
    return false;
}

/* Length in bytes of the UTF-8 sequence that starts with byte c; 0 when c cannot start one. */
static size_t utf8_length(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* ------------------------------------------------------------------ setup */

static int free_fixture(void **state);

/* Decode the article ourselves: the byte offset of each code point, and the paragraphs. */
static int index_article(struct fixture *f)
{
    const char *text = f->model->article;
    size_t i, chars = 0, para_start = 0;

    f->char_to_byte = calloc(f->model->article_bytes + 1, sizeof(size_t));
    if (f->char_to_byte == NULL)
        return -1;
    for (i = 0; i < f->model->article_bytes;) {
        size_t n = utf8_length((unsigned char)text[i]);
        if (n == 0 || i + n > f->model->article_bytes) {
            fprintf(stderr, "test_data: article is not UTF-8 at byte %zu\n", i);
            return -1;
        }
        f->char_to_byte[chars] = i;
        if (text[i] == '\n' && i + 1 < f->model->article_bytes && text[i + 1] == '\n') {
            if (f->paragraph_count == 64)
                return -1;
            f->paragraphs[f->paragraph_count][0] = para_start;
            f->paragraphs[f->paragraph_count][1] = chars;
            f->paragraph_count++;
            para_start = chars + 2;
        }
        i += n;
        chars++;
    }
    f->char_to_byte[chars] = i;
    f->chars = chars;
    if (f->paragraph_count == 64 || chars == 0)
        return -1;
    f->paragraphs[f->paragraph_count][0] = para_start;
    f->paragraphs[f->paragraph_count][1] = chars - 1; /* the final '\n' is not in the paragraph */
    f->paragraph_count++;
    return 0;
}

static int load_fixture(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *root = getenv("STRATA_ROOT");
    char data[1024];
    struct model_error err;

    *state = f;
    if (f == NULL)
        return -1;
    if (root == NULL || root[0] == '\0')
        root = ".";
    snprintf(data, sizeof(data), "%s/data", root);
    memset(&err, 0, sizeof(err));
    if (model_load(data, &f->model, &err) != 0) {
        struct buf message;
        buf_init(&message, 0);
        model_error_format(&err, &message);
        fprintf(stderr, "test_data: model_load(%s) failed: %s\n", data, buf_str(&message));
        buf_release(&message);
        free_fixture(state);
        return -1;
    }
    if (index_article(f) != 0) {
        free_fixture(state);
        return -1;
    }
    return 0;
}

static int free_fixture(void **state)
{
    struct fixture *f = *state;

    if (f != NULL) {
        model_free(f->model);
        free(f->char_to_byte);
        free(f);
    }
    *state = NULL;
    return 0;
}

/* ------------------------------------------------------------------ article */

static void article_is_the_published_text(void **state)
{
    struct fixture *f = *state;
    const char *text = f->model->article;
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(f->model->root, "source");
    const char *title = string_field(source, "title");
    static const char byline[] = "Kim Jeong-ki, Hanyang University Asia-Pacific Research Center";
    size_t byline_start = f->char_to_byte[f->paragraphs[1][0]];

    /* Title, byline and the nine body paragraphs; no page chrome. */
    assert_int_equal(f->paragraph_count, 11);
    assert_int_equal(f->model->paragraph_count, 11);
    assert_int_equal(f->model->article_chars, f->chars);
    assert_non_null(title);
    assert_true(strncmp(text, title, strlen(title)) == 0);
    assert_int_equal(text[strlen(title)], '\n');
    assert_memory_equal(text + byline_start, byline, sizeof(byline) - 1);
    assert_true(strncmp(text + f->char_to_byte[f->paragraphs[2][0]],
                        "Central Asian countries are gravely concerned", 45) == 0);
    assert_true(strncmp(text + f->char_to_byte[f->paragraphs[10][0]], "Unlike in the past,", 19) ==
                0);
    assert_null(strstr(text, "\n\n\n"));
    assert_null(strstr(text, "KF Features"));
    assert_null(strstr(text, ".jpg"));
    assert_int_equal(text[f->model->article_bytes - 1], '\n');
    assert_int_not_equal(text[f->model->article_bytes - 2], '\n');
    /* The article's own curly apostrophe (U+2019) is kept, not replaced by '. */
    assert_non_null(strstr(text, "Taliban\xE2\x80\x99s Return"));
    assert_non_null(strstr(text, "\xE2\x80\x9C"
                                 "open Islamic government"
                                 "\xE2\x80\x9D"));
    for (size_t i = 0; i < f->paragraph_count; i++) {
        assert_int_equal(f->model->paragraphs[i].start, f->paragraphs[i][0]);
        assert_int_equal(f->model->paragraphs[i].end, f->paragraphs[i][1]);
    }
}

/* ------------------------------------------------------------------ evidence */

static void check_span(const struct fixture *f, const cJSON *span, size_t *count)
{
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(span, "start");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(span, "end");
    const cJSON *paragraph = cJSON_GetObjectItemCaseSensitive(span, "paragraph");
    const char *quote = string_field(span, "quote");
    size_t s, e, p, from, to;

    assert_true(cJSON_IsNumber(start) && cJSON_IsNumber(end) && cJSON_IsNumber(paragraph));
    assert_non_null(quote);
    assert_true(start->valuedouble >= 0 && end->valuedouble > start->valuedouble);
    s = (size_t)start->valuedouble;
    e = (size_t)end->valuedouble;
    p = (size_t)paragraph->valuedouble;
    assert_true(e <= f->chars);
    from = f->char_to_byte[s];
    to = f->char_to_byte[e];
    if (strlen(quote) != to - from || memcmp(f->model->article + from, quote, to - from) != 0)
        fail_msg("quote \"%s\" differs from the article at [%zu, %zu): \"%.*s\"", quote, s, e,
                 (int)(to - from), f->model->article + from);
    assert_true(p >= 1 && p <= f->paragraph_count);
    if (s < f->paragraphs[p - 1][0] || e > f->paragraphs[p - 1][1])
        fail_msg("quote \"%s\" [%zu, %zu) is not inside paragraph %zu", quote, s, e, p);
    (*count)++;
}

/* Every object with a "quote" is an evidence span: check them all, wherever they are. */
static void walk_spans(const struct fixture *f, const cJSON *node, size_t *count, size_t *quotes)
{
    const cJSON *child;

    if (cJSON_IsObject(node) && cJSON_GetObjectItemCaseSensitive(node, "quote") != NULL) {
        (*quotes)++;
        check_span(f, node, count);
    }
    cJSON_ArrayForEach(child, node)
    {
        walk_spans(f, child, count, quotes);
    }
}

static void every_quote_equals_the_article(void **state)
{
    struct fixture *f = *state;
    size_t count = 0, quotes = 0;

    walk_spans(f, f->model->root, &count, &quotes);
    assert_int_equal(count, quotes);
    assert_true(count >= 250); /* the model as shipped has 265 spans */
}

static void every_record_has_evidence(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, collections[i]))
        {
            const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(record, "evidence");
            if (!cJSON_IsArray(evidence) || cJSON_GetArraySize(evidence) < 1)
                fail_msg("%s/%s has no evidence", collections[i], string_field(record, "id"));
        }
    }
}

/* ------------------------------------------------------------------ ids and references */

static void ids_are_unique_slugs(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, collections[i]))
        {
            const char *id = string_field(record, "id");
            size_t seen = 0;
            assert_non_null(id);
            assert_true(id[0] != '\0' && id[0] != '-' && id[strlen(id) - 1] != '-');
            for (const char *c = id; *c; c++)
                assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                            (*c == '-' && c[1] != '-'));
            for (size_t j = 0; j < COLLECTION_COUNT; j++)
                seen += find_record(f, collections[j], id) != NULL;
            if (seen != 1)
                fail_msg("id %s is used in %zu collections", id, seen);
        }
    }
}

/* A reference field: where it is, and which collections its ids may name. */
struct reference_field {
    const char *collection;
    const char *field;
    const char *subfield; /* for arrays of objects (layers.mechanisms[].organization) */
    const char *allowed[8];
};

static const struct reference_field reference_fields[] = {
    {"actors", "members", NULL, {"actors"}},
    {"actors", "country", NULL, {"actors"}},
    {"places", "country", NULL, {"actors"}},
    {"places", "within", NULL, {"places"}},
    {"events", "place", NULL, {"places"}},
    {"events", "organization", NULL, {"organizations"}},
    {"events", "participants", NULL, {"actors", "organizations"}},
    {"layers", "partners", NULL, {"actors", "organizations"}},
    {"layers", "events", NULL, {"events"}},
    {"layers", "mechanisms", "organization", {"organizations"}},
    {"threats", "sources", NULL, {"actors", "organizations"}},
    {"threats", "targets", NULL, {"actors", "places"}},
    {"claims",
     "about",
     NULL,
     {"actors", "organizations", "places", "events", "layers", "threats", "claims", "relations"}},
    {"relations",
     "source",
     NULL,
     {"actors", "organizations", "places", "events", "layers", "threats", "claims"}},
    {"relations",
     "target",
     NULL,
     {"actors", "organizations", "places", "events", "layers", "threats", "claims"}},
};

static void check_reference(const struct fixture *f, const struct reference_field *rf,
                            const char *owner, const cJSON *value, size_t *count)
{
    const char *found;
    bool allowed = false;

    if (cJSON_IsNull(value))
        return;
    if (!cJSON_IsString(value))
        fail_msg("%s/%s.%s holds a non-string", rf->collection, owner, rf->field);
    found = collection_of(f, value->valuestring);
    if (found == NULL)
        fail_msg("%s/%s.%s: unknown id %s", rf->collection, owner, rf->field, value->valuestring);
    for (size_t i = 0; i < 8 && rf->allowed[i] != NULL; i++)
        allowed = allowed || strcmp(rf->allowed[i], found) == 0;
    if (!allowed)
        fail_msg("%s/%s.%s: %s is in %s, which this field may not name", rf->collection, owner,
                 rf->field, value->valuestring, found);
    (*count)++;
}

static void check_reference_value(const struct fixture *f, const struct reference_field *rf,
                                  const char *owner, const cJSON *value, size_t *count)
{
    const cJSON *item;

    if (cJSON_IsArray(value)) {
        cJSON_ArrayForEach(item, value)
        {
            check_reference(f, rf, owner, item, count);
        }
    } else {
        check_reference(f, rf, owner, value, count);
    }
}

static void every_reference_resolves(void **state)
{
    struct fixture *f = *state;
    size_t count = 0;

    for (size_t i = 0; i < sizeof(reference_fields) / sizeof(reference_fields[0]); i++) {
        const struct reference_field *rf = &reference_fields[i];
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, rf->collection))
        {
            const char *owner = string_field(record, "id");
            const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, rf->field);
            const cJSON *item;
            assert_non_null(value); /* every reference field is required */
            if (rf->subfield == NULL) {
                check_reference_value(f, rf, owner, value, &count);
                continue;
            }
            cJSON_ArrayForEach(item, value)
            {
                check_reference_value(f, rf, owner,
                                      cJSON_GetObjectItemCaseSensitive(item, rf->subfield), &count);
            }
        }
    }
    assert_true(count >= 300); /* the model as shipped has several hundred references */
}

static void relations_join_two_different_records(void **state)
{
    struct fixture *f = *state;
    const cJSON *relation;

    cJSON_ArrayForEach(relation, collection(f, "relations"))
    {
        assert_string_not_equal(string_field(relation, "source"), string_field(relation, "target"));
    }
}

/* ------------------------------------------------------------------ provenance */

static void check_basis(const char *where, const cJSON *object, const char *provenance_key)
{
    const char *provenance = string_field(object, provenance_key);
    const char *basis = string_field(object, "basis");
    bool needs = provenance != NULL && strcmp(provenance, "article") != 0;

    assert_non_null(provenance);
    if (needs && (basis == NULL || basis[0] == '\0'))
        fail_msg("%s: provenance %s without a basis", where, provenance);
    if (!needs && cJSON_GetObjectItemCaseSensitive(object, "basis") != NULL)
        fail_msg("%s: provenance article with a basis", where);
}

static void inferred_and_background_have_a_basis(void **state)
{
    struct fixture *f = *state;
    size_t inferred = 0;

    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, collections[i]))
        {
            const char *id = string_field(record, "id");
            const cJSON *explicit = cJSON_GetObjectItemCaseSensitive(record, "explicit");
            check_basis(id, record, "provenance");
            inferred += strcmp(string_field(record, "provenance"), "article") != 0;
            /* An implied record is never passed off as the article's word. */
            if (cJSON_IsFalse(explicit) &&
                strcmp(string_field(record, "provenance"), "article") == 0)
                fail_msg("%s: explicit false with provenance article", id);
        }
    }
    assert_true(inferred >= 5);
}

/* ------------------------------------------------------------------ required content */

static void five_central_asian_countries(void **state)
{
    struct fixture *f = *state;
    static const char *const five[] = {"kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan",
                                       "uzbekistan"};
    const cJSON *collective = find_record(f, "actors", "central-asian-countries");
    const cJSON *members;

    assert_non_null(collective);
    assert_string_equal(string_field(collective, "kind"), "collective");
    members = cJSON_GetObjectItemCaseSensitive(collective, "members");
    assert_int_equal(cJSON_GetArraySize(members), 5);
    for (size_t i = 0; i < 5; i++) {
        const cJSON *state_record = find_record(f, "actors", five[i]);
        if (state_record == NULL)
            fail_msg("the Central Asian country %s is missing", five[i]);
        assert_string_equal(string_field(state_record, "kind"), "state");
        assert_true(array_has_string(members, five[i]));
    }
    /* The article never names these two: implied, from background knowledge. */
    for (size_t i = 0; i < 2; i++) {
        const cJSON *unnamed = find_record(f, "actors", five[i]);
        assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(unnamed, "explicit")));
        assert_string_equal(string_field(unnamed, "provenance"), "background");
        assert_true(strstr(f->model->article, i == 0 ? "Kazakh" : "Kyrgyz") == NULL);
    }
    for (size_t i = 2; i < 5; i++)
        assert_true(cJSON_IsTrue(
            cJSON_GetObjectItemCaseSensitive(find_record(f, "actors", five[i]), "explicit")));
}

static void named_actors_and_organizations(void **state)
{
    struct fixture *f = *state;
    static const char *const states[] = {"afghanistan", "united-states", "russia",     "china",
                                         "turkey",      "israel",        "azerbaijan", "armenia"};
    static const struct {
        const char *id, *role, *country;
    } persons[] = {
        {"sergei-lavrov", "Foreign Minister", "russia"},
        {"vladimir-putin", "President", "russia"},
        {"xi-jinping", "President", "china"},
    };
    static const char *const groups[] = {"taliban", "al-qaeda", "islamic-state",
                                         "east-turkestan-islamic-movement"};
    static const char *const organizations[] = {"csto", "sco", "c5-plus-1",
                                                "sco-afghanistan-contact-group",
                                                "central-asian-consultative-meeting"};
    static const struct {
        const char *id, *country;
    } places[] = {{"awaza", "turkmenistan"},  {"kabul", "afghanistan"},
                  {"tashkent", "uzbekistan"}, {"dushanbe", "tajikistan"},
                  {"xinjiang", "china"},      {"central-asia", NULL},
                  {"eurasia", NULL},          {"afghan-border-area", NULL}};

    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        const cJSON *record = find_record(f, "actors", states[i]);
        if (record == NULL)
            fail_msg("state %s is missing", states[i]);
        assert_string_equal(string_field(record, "kind"), "state");
    }
    for (size_t i = 0; i < sizeof(persons) / sizeof(persons[0]); i++) {
        const cJSON *record = find_record(f, "actors", persons[i].id);
        if (record == NULL)
            fail_msg("person %s is missing", persons[i].id);
        assert_string_equal(string_field(record, "kind"), "person");
        assert_string_equal(string_field(record, "role"), persons[i].role);
        assert_string_equal(string_field(record, "country"), persons[i].country);
    }
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (find_record(f, "actors", groups[i]) == NULL)
            fail_msg("group %s is missing", groups[i]);
    for (size_t i = 0; i < sizeof(organizations) / sizeof(organizations[0]); i++)
        if (find_record(f, "organizations", organizations[i]) == NULL)
            fail_msg("organization %s is missing", organizations[i]);
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        const cJSON *record = find_record(f, "places", places[i].id);
        const cJSON *country;
        if (record == NULL)
            fail_msg("place %s is missing", places[i].id);
        country = cJSON_GetObjectItemCaseSensitive(record, "country");
        if (places[i].country == NULL) {
            assert_true(cJSON_IsNull(country));
        } else {
            assert_true(cJSON_IsString(country));
            assert_string_equal(country->valuestring, places[i].country);
        }
    }
}

static void four_strategy_layers(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int ordinal;
        const char *partner;
        const char *event;
        const char *opening; /* the article's "First, ..." */
    } expected[] = {
        {1, "central-asian-countries", "awaza-consultative-meeting-2021", "First, "},
        {2, "united-states", "c5-plus-1-conference-tashkent-2021", "Second, "},
        {3, "russia", "russia-uzbekistan-tajikistan-drills-2021", "Third, "},
        {4, "sco", "sco-summit-2021-09-17", "Fourth, "},
    };
    const cJSON *layers = collection(f, "layers");
    bool seen[4] = {false, false, false, false};
    const cJSON *layer;

    assert_int_equal(cJSON_GetArraySize(layers), 4);
    cJSON_ArrayForEach(layer, layers)
    {
        const cJSON *ordinal = cJSON_GetObjectItemCaseSensitive(layer, "ordinal");
        const cJSON *first_span;
        int n;
        assert_true(cJSON_IsNumber(ordinal));
        n = ordinal->valueint;
        assert_true(n >= 1 && n <= 4);
        assert_false(seen[n - 1]);
        seen[n - 1] = true;
        assert_true(array_has_string(cJSON_GetObjectItemCaseSensitive(layer, "partners"),
                                     expected[n - 1].partner));
        assert_true(array_has_string(cJSON_GetObjectItemCaseSensitive(layer, "events"),
                                     expected[n - 1].event));
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(layer, "mechanisms")) >= 1);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(layer, "goals")) >= 1);
        first_span = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(layer, "evidence"), 0);
        assert_true(strncmp(string_field(first_span, "quote"), expected[n - 1].opening,
                            strlen(expected[n - 1].opening)) == 0);
    }
    for (size_t i = 0; i < 4; i++)
        assert_true(seen[i]);
}

/* ------------------------------------------------------------------ dates */

/* Every event of the article, with its exact date (NULL start/end: not dated). */
static const struct {
    const char *id, *text, *start, *end, *precision;
    bool year_inferred;
} expected_events[] = {
    {"central-asian-summit-2018", "in 2018", "2018-01-01", "2018-12-31", "year", false},
    {"awaza-consultative-meeting-2021", "early August of this year", "2021-08-01", "2021-08-10",
     "part-of-month", true},
    {"taliban-takeover-of-kabul", NULL, "2021-08-01", "2021-08-31", "month", true},
    {"c5-plus-1-conference-tashkent-2021", "mid-July", "2021-07-11", "2021-07-20", "part-of-month",
     true},
    {"c5-plus-1-dialogue-2020", "June last year", "2020-06-01", "2020-06-30", "month", true},
    {"lavrov-statement-2021-07-07", "July 7", "2021-07-07", "2021-07-07", "day", true},
    {"central-asia-russia-joint-exercises", NULL, NULL, NULL, "unknown", false},
    {"russia-uzbekistan-tajikistan-drills-2021", "the first half of August", "2021-08-01",
     "2021-08-15", "part-of-month", true},
    {"putin-statement-blocking-threats", "recently", "2021-01-01", "2021-12-31", "year", true},
    {"putin-statement-afghan-refugees", NULL, "2021-01-01", "2021-12-31", "year", true},
    {"sco-foreign-ministers-meeting-2021-07-13", "July 13", "2021-07-13", "2021-07-13", "day",
     true},
    {"sco-afghanistan-contact-group-meeting-2021-07-14", "July 14", "2021-07-14", "2021-07-14",
     "day", true},
    {"sco-summit-2021-09-17", "September 17", "2021-09-17", "2021-09-17", "day", true},
    {"xi-jinping-proposal-sco-summit-2021", NULL, "2021-09-17", "2021-09-17", "day", true},
    {"azerbaijan-armenia-war", NULL, NULL, NULL, "unknown", false},
    {"taliban-statement-open-islamic-government", NULL, "2021-01-01", "2021-12-31", "year", true},
    {"taliban-statement-central-asian-neighbors", NULL, "2021-01-01", "2021-12-31", "year", true},
};
#define EXPECTED_EVENT_COUNT (sizeof(expected_events) / sizeof(expected_events[0]))

static void assert_nullable_string(const cJSON *date, const char *key, const char *expected,
                                   const char *id)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(date, key);

    assert_non_null(item);
    if (expected == NULL) {
        if (!cJSON_IsNull(item))
            fail_msg("%s: date.%s should be null", id, key);
    } else if (!cJSON_IsString(item) || strcmp(item->valuestring, expected) != 0) {
        fail_msg("%s: date.%s should be %s", id, key, expected);
    }
}

static void every_event_has_its_exact_date(void **state)
{
    struct fixture *f = *state;
    const cJSON *event;

    for (size_t i = 0; i < EXPECTED_EVENT_COUNT; i++) {
        const cJSON *record = find_record(f, "events", expected_events[i].id);
        const cJSON *date, *inferred;
        if (record == NULL)
            fail_msg("event %s is missing", expected_events[i].id);
        date = cJSON_GetObjectItemCaseSensitive(record, "date");
        assert_nullable_string(date, "text", expected_events[i].text, expected_events[i].id);
        assert_nullable_string(date, "start", expected_events[i].start, expected_events[i].id);
        assert_nullable_string(date, "end", expected_events[i].end, expected_events[i].id);
        assert_string_equal(string_field(date, "precision"), expected_events[i].precision);
        inferred = cJSON_GetObjectItemCaseSensitive(date, "inferred");
        assert_true(cJSON_IsArray(inferred));
        if (array_has_string(inferred, "year") != expected_events[i].year_inferred)
            fail_msg("%s: the year should %sbe marked inferred", expected_events[i].id,
                     expected_events[i].year_inferred ? "" : "not ");
        if (cJSON_GetArraySize(inferred) > 0) {
            const char *basis = string_field(date, "basis");
            assert_true(basis != NULL && basis[0] != '\0');
        } else {
            assert_null(cJSON_GetObjectItemCaseSensitive(date, "basis"));
        }
    }
    /* No event outside the list: a new event must be added here with its date. */
    cJSON_ArrayForEach(event, collection(f, "events"))
    {
        const char *id = string_field(event, "id");
        bool listed = false;
        for (size_t i = 0; i < EXPECTED_EVENT_COUNT; i++)
            listed = listed || strcmp(expected_events[i].id, id) == 0;
        if (!listed)
            fail_msg("event %s is not in the expected list of this test", id);
    }
}

static void reference_year_is_2021(void **state)
{
    struct fixture *f = *state;
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(f->model->root, "source");
    const cJSON *year = cJSON_GetObjectItemCaseSensitive(source, "reference_year");
    const char *basis = string_field(year, "basis");

    assert_int_equal(cJSON_GetObjectItemCaseSensitive(year, "year")->valueint, 2021);
    assert_non_null(basis);
    assert_non_null(strstr(basis, "Kabul"));
    assert_non_null(strstr(basis, "SCO Summit"));
    assert_string_equal(string_field(source, "author"), "Kim Jeong-ki");
    assert_string_equal(string_field(source, "affiliation"),
                        "Hanyang University Asia-Pacific Research Center");
}

/* ------------------------------------------------------------------ provenance per fact */

/*
 * provenance=article keeps what the article names: a record the article
 * names (explicit) is article as a whole, even when one of its fields is
 * inferred (that field says so in field_provenance).
 */
static void named_records_are_article_records(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, collections[i]))
        {
            const cJSON *explicit = cJSON_GetObjectItemCaseSensitive(record, "explicit");
            const char *provenance = string_field(record, "provenance");
            if (cJSON_IsTrue(explicit) && strcmp(provenance, "article") != 0)
                fail_msg("%s is named by the article but has provenance %s: provenance=article "
                         "would drop it",
                         string_field(record, "id"), provenance);
        }
    }
    assert_string_equal(string_field(find_record(f, "actors", "vladimir-putin"), "provenance"),
                        "article");
    assert_string_equal(
        string_field(find_record(f, "events", "c5-plus-1-dialogue-2020"), "provenance"), "article");
}

/* Every background or inferred fact anywhere in the model carries its basis. */
static void walk_bases(const cJSON *node, const char *where, size_t *background)
{
    const cJSON *child;

    if (cJSON_IsObject(node)) {
        const char *provenance = string_field(node, "provenance");
        if (provenance != NULL && strcmp(provenance, "article") != 0) {
            const char *basis = string_field(node, "basis");
            if (basis == NULL || basis[0] == '\0')
                fail_msg("a %s fact in %s has no basis", provenance, where);
            *background += strcmp(provenance, "background") == 0;
        }
    }
    cJSON_ArrayForEach(child, node) walk_bases(child, where, background);
}

static void background_facts_have_a_basis(void **state)
{
    struct fixture *f = *state;
    const cJSON *record;
    size_t background = 0;
    const cJSON *us = find_record(f, "actors", "united-states");
    const cJSON *takeover = find_record(f, "events", "taliban-takeover-of-kabul");
    const cJSON *tashkent = find_record(f, "places", "tashkent");

    cJSON_ArrayForEach(record, f->model->root) walk_bases(record, record->string, &background);
    /* the background lane: the takeover's day, US, Avaza, Tashkent, the publisher, ... */
    assert_true(background >= 6);
    assert_string_equal(
        string_field(cJSON_GetObjectItemCaseSensitive(takeover, "background_date"), "start"),
        "2021-08-15");
    assert_string_equal(
        string_field(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(us, "other_names"), 0),
                     "name"),
        "United States");
    assert_string_equal(
        string_field(cJSON_GetObjectItemCaseSensitive(tashkent, "capital_of"), "provenance"),
        "background");
    assert_string_equal(string_field(tashkent, "kind"), "city"); /* the article's, unchanged */
}

static bool has_field_note(const cJSON *record, const char *field, const char *value)
{
    const cJSON *note;

    cJSON_ArrayForEach(note, cJSON_GetObjectItemCaseSensitive(record, "field_provenance"))
    {
        const char *v = string_field(note, "value");
        if (strcmp(string_field(note, "field"), field) == 0 &&
            (value == NULL ? v == NULL : (v != NULL && strcmp(v, value) == 0)))
            return true;
    }
    return false;
}

/* The defects of issue 15, each fixed as docs/DATA-NOTES.md argues from the text. */
static void second_reading_fixes(void **state)
{
    struct fixture *f = *state;
    const cJSON *contact =
        find_record(f, "events", "sco-afghanistan-contact-group-meeting-2021-07-14");
    const cJSON *proposal = find_record(f, "events", "xi-jinping-proposal-sco-summit-2021");
    const cJSON *etim = find_record(f, "threats", "threat-etim-attacks-on-china");
    const cJSON *uavs = find_record(f, "claims", "claim-importance-of-uavs");
    const cJSON *effects = find_record(f, "claims", "claim-preventive-effects");
    const cJSON *layer = find_record(f, "layers", "layer-4-sco");
    const cJSON *inferred = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(proposal, "date"), "inferred");
    const cJSON *item;
    size_t exercises = 0;

    assert_string_equal(string_field(contact, "organization"), "sco");
    assert_string_equal(string_field(proposal, "organization"), "sco");
    assert_int_equal(cJSON_GetArraySize(inferred), 1); /* the year only */
    assert_true(array_has_string(inferred, "year"));
    assert_false(array_has_string(cJSON_GetObjectItemCaseSensitive(etim, "sources"), "taliban"));
    assert_string_equal(string_field(uavs, "kind"), "recommendation");
    assert_null(strstr(string_field(effects, "text"), "so far"));
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(layer, "goals"))
    {
        const char *text = string_field(item, "text");
        if (strstr(text, "ETIM") || strstr(text, "narcotics") || strstr(text, "terrorism"))
            assert_non_null(strstr(text, "Xi Jinping"));
    }
    cJSON_ArrayForEach(item, collection(f, "relations"))
    {
        if (strcmp(string_field(item, "source"), "vladimir-putin") == 0)
            assert_false(strcmp(string_field(item, "target"), "afghan-refugees") == 0);
        if (strcmp(string_field(item, "type"), "format_of") == 0)
            assert_string_equal(string_field(item, "target"), "sco");
    }
    cJSON_ArrayForEach(item, collection(f, "events")) exercises +=
        strcmp(string_field(item, "type"), "exercise") == 0;
    assert_int_equal(exercises, 2);
    for (int i = 0; i < 2; i++) {
        const char *id = i ? "threat-narcotics-trafficking" : "threat-terrorism-from-afghanistan";
        const cJSON *threat = find_record(f, "threats", id);
        assert_true(array_has_string(cJSON_GetObjectItemCaseSensitive(threat, "targets"), "china"));
        assert_true(has_field_note(threat, "targets", "china"));
    }
    assert_true(has_field_note(find_record(f, "actors", "vladimir-putin"), "country", NULL));
    assert_string_equal(
        string_field(
            cJSON_GetObjectItemCaseSensitive(
                find_record(f, "events", "taliban-statement-open-islamic-government"), "date"),
            "after"),
        "taliban-takeover-of-kabul");
}

/* ------------------------------------------------------------------ the model as served */

static struct store *open_store(const struct fixture *f)
{
    struct store *store = NULL;
    struct model_error err;

    if (store_open(f->model, &store, &err) != 0)
        fail_msg("store_open: %s", err.message);
    return store;
}

/* The ids a store query of collection returns with one filter name=value. */
static cJSON *select_ids(struct store *store, const char *collection, const char *name,
                         const char *value)
{
    struct query q;
    struct store_page page = {NULL, 0};
    struct store_error error;

    query_init(&q, catalog_find(collection));
    q.limit = 0; /* every record, not a page */
    assert_int_equal(query_add_filter(&q, name, value), 0);
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    return page.records;
}

static bool page_has(const cJSON *records, const char *id)
{
    const cJSON *r;

    cJSON_ArrayForEach(r, records) if (strcmp(string_field(r, "id"), id) == 0) return true;
    return false;
}

/*
 * provenance=article returns every record the article names (explicit), and
 * background=false every record that is not background: a record with an
 * article quote is never filtered out because one of its fields is not the
 * article's.
 */
static void article_filters_keep_stated_records(void **state)
{
    struct fixture *f = *state;
    struct store *store = open_store(f);

    for (size_t i = 0; i < COLLECTION_COUNT; i++) {
        cJSON *article = select_ids(store, collections[i], "provenance", "article");
        cJSON *stated = select_ids(store, collections[i], "background", "false");
        const cJSON *record;
        cJSON_ArrayForEach(record, collection(f, collections[i]))
        {
            const char *id = string_field(record, "id");
            bool named = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(record, "explicit"));
            bool background = strcmp(string_field(record, "provenance"), "background") == 0;
            if (named && !page_has(article, id))
                fail_msg("%s %s is named by the article but provenance=article drops it",
                         collections[i], id);
            if (page_has(stated, id) == background)
                fail_msg("%s %s: background=false %s it", collections[i], id,
                         background ? "keeps" : "drops");
        }
        cJSON_Delete(article);
        cJSON_Delete(stated);
    }
    store_free(store);
}

/*
 * Edges the store derives keep what their source says: an edge derived from
 * a claim has the claim's certainty and hedge; an edge derived from a field
 * with a field_provenance note has the note's provenance and basis.
 */
static void derived_edges_keep_hedges_and_provenance(void **state)
{
    struct fixture *f = *state;
    struct store *store = open_store(f);
    const struct catalog_collection *relations = catalog_find("relations");
    const cJSON *claim, *about;
    size_t hedged = 0;
    cJSON *edge = NULL;

    cJSON_ArrayForEach(claim, collection(f, "claims"))
    {
        const char *hedge = string_field(claim, "hedge");
        cJSON_ArrayForEach(about, cJSON_GetObjectItemCaseSensitive(claim, "about"))
        {
            char id[512];
            snprintf(id, sizeof(id), "%s-about-%s", string_field(claim, "id"), about->valuestring);
            assert_int_equal(store_get(store, relations, id, &edge), 0);
            assert_string_equal(string_field(edge, "certainty"), string_field(claim, "certainty"));
            if (hedge == NULL ? !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(edge, "hedge"))
                              : string_field(edge, "hedge") == NULL ||
                                    strcmp(string_field(edge, "hedge"), hedge) != 0)
                fail_msg("%s drops the hedge of its claim", id);
            hedged += hedge != NULL;
            cJSON_Delete(edge);
        }
    }
    assert_true(hedged > 0);
    assert_int_equal(store_get(store, relations, "vladimir-putin-official-of-russia", &edge), 0);
    assert_string_equal(string_field(edge, "provenance"), "inferred");
    assert_non_null(string_field(edge, "basis"));
    cJSON_Delete(edge);
    assert_int_equal(
        store_get(store, relations, "threat-narcotics-trafficking-threatens-china", &edge), 0);
    assert_string_equal(string_field(edge, "provenance"), "inferred");
    cJSON_Delete(edge);
    assert_int_equal(
        store_get(store, relations, "threat-narcotics-trafficking-threatens-russia", &edge), 0);
    assert_string_equal(string_field(edge, "provenance"), "article");
    cJSON_Delete(edge);
    store_free(store);
}

/* The graph carries each node's and edge's own provenance; background=false drops the lane. */
static void graph_keeps_provenance(void **state)
{
    struct fixture *f = *state;
    struct store *store = open_store(f);
    struct store_graph_query g = {NULL, 0, NULL, 0, -1, NULL, 0, NULL, 1, false};
    cJSON *nodes = NULL, *edges = NULL;
    const cJSON *n;
    bool kazakhstan = false, putin_article = false;

    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    cJSON_ArrayForEach(n, nodes)
    {
        const char *id = string_field(n, "id");
        if (strcmp(id, "kazakhstan") == 0)
            kazakhstan = strcmp(string_field(n, "provenance"), "background") == 0;
        if (strcmp(id, "vladimir-putin") == 0)
            putin_article = strcmp(string_field(n, "provenance"), "article") == 0;
    }
    assert_true(kazakhstan);
    assert_true(putin_article);
    cJSON_Delete(nodes);
    cJSON_Delete(edges);
    g.no_background = true;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    cJSON_ArrayForEach(n, nodes)
        assert_string_not_equal(string_field(n, "provenance"), "background");
    cJSON_ArrayForEach(n, edges)
        assert_string_not_equal(string_field(n, "provenance"), "background");
    assert_true(cJSON_GetArraySize(nodes) > 0);
    cJSON_Delete(nodes);
    cJSON_Delete(edges);
    store_free(store);
}

/* The timeline orders by date.after: the Taliban's statements follow the takeover. */
static void timeline_orders_by_lower_bounds(void **state)
{
    struct fixture *f = *state;
    struct store *store = open_store(f);
    struct query q;
    struct store_page page = {NULL, 0};
    struct store_error error;
    const cJSON *r;
    int takeover = -1, lavrov = -1, statement = -1, i = 0;

    query_init(&q, catalog_find("events"));
    q.limit = 0;
    q.dated = QUERY_DATED_ONLY;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    cJSON_ArrayForEach(r, page.records)
    {
        const char *id = string_field(r, "id");
        if (strcmp(id, "taliban-takeover-of-kabul") == 0)
            takeover = i;
        else if (strcmp(id, "lavrov-statement-2021-07-07") == 0)
            lavrov = i;
        else if (strcmp(id, "taliban-statement-open-islamic-government") == 0)
            statement = i;
        i++;
    }
    cJSON_Delete(page.records);
    store_free(store);
    assert_true(lavrov >= 0 && takeover > lavrov && statement > takeover);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(article_is_the_published_text),
        cmocka_unit_test(every_quote_equals_the_article),
        cmocka_unit_test(every_record_has_evidence),
        cmocka_unit_test(ids_are_unique_slugs),
        cmocka_unit_test(every_reference_resolves),
        cmocka_unit_test(relations_join_two_different_records),
        cmocka_unit_test(inferred_and_background_have_a_basis),
        cmocka_unit_test(five_central_asian_countries),
        cmocka_unit_test(named_actors_and_organizations),
        cmocka_unit_test(four_strategy_layers),
        cmocka_unit_test(every_event_has_its_exact_date),
        cmocka_unit_test(reference_year_is_2021),
        cmocka_unit_test(named_records_are_article_records),
        cmocka_unit_test(background_facts_have_a_basis),
        cmocka_unit_test(second_reading_fixes),
        cmocka_unit_test(article_filters_keep_stated_records),
        cmocka_unit_test(derived_edges_keep_hedges_and_provenance),
        cmocka_unit_test(timeline_orders_by_lower_bounds),
        cmocka_unit_test(graph_keeps_provenance),
    };

    return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
