/*
 * Unit tests for the store (server/store/) against the valid fixture (tests/fixtures/valid):
 * every record type round-trips, evidence ids and derived edges, filters,
 * date overlap, sorting, paging, FTS (and its syntax errors), related
 * records, search, graph, stats, export reopened with sqlite3, concurrent
 * readers, and the load time of a synthetic model STRATA_STORE_SCALE times
 * the fixture (default 50; the report's figure used 1000).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "error.h"
#include "query.h"
#include "store.h"

#include "fixture.h"

static struct model *model;
static struct store *store;

static int setup(void **state)
{
    (void)state;
    return fixture_open_valid(&model, &store);
}

static int teardown(void **state)
{
    (void)state;
    store_free(store);
    model_free(model);
    return 0;
}

/*
 * The same queries against the compiled model file of the fixture: store is
 * store_open_file's (model stays the JSON one, what the tests compare with).
 */
static struct model *file_model;
static char file_path[] = "/tmp/strata-compiled-XXXXXX";

static int setup_file(void **state)
{
    struct store_error error;
    struct model_error err;
    struct store *built = NULL;
    int fd = mkstemp(file_path);

    (void)state;
    if (fd < 0 || fixture_open_valid(&model, &built) != 0)
        return -1;
    close(fd);
    if (store_export(built, file_path, &error) != 0) {
        fprintf(stderr, "export: %s\n", error.message);
        return -1;
    }
    store_free(built);
    if (store_open_file(file_path, true, &store, &file_model, &err) != 0) {
        fprintf(stderr, "%s: %s\n", err.file, err.message);
        return -1;
    }
    return 0;
}

static int teardown_file(void **state)
{
    teardown(state);
    model_free(file_model);
    unlink(file_path);
    return 0;
}

/* Run a query of collection name with filters "name=value" ...; returns the page. */
static struct store_page run(const char *collection, const char *const *filters, const char *sort,
                             bool descending, const char *text)
{
    struct query q;
    struct store_page page = {NULL, 0};
    struct store_error error;
    char copies[8][128];

    query_init(&q, catalog_find(collection));
    for (size_t i = 0; filters && filters[i]; i++) {
        char *eq;
        snprintf(copies[i], sizeof(copies[i]), "%s", filters[i]);
        eq = strchr(copies[i], '=');
        *eq = '\0';
        assert_int_equal(query_add_filter(&q, copies[i], eq + 1), 0);
    }
    if (sort) {
        q.sorts[0].sort = catalog_sort_find(q.collection, sort);
        q.sorts[0].descending = descending;
        q.sort_count = 1;
    }
    q.text = text;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    return page;
}

/* The ids of a page as "a,b,c" (static buffer). */
static const char *ids_of(const cJSON *records)
{
    static char out[4096];
    const cJSON *r;
    size_t len = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(r, records)
    {
        len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "," : "",
                                cJSON_GetObjectItem(r, "id")->valuestring);
    }
    return out;
}

static void expect_ids(const char *collection, const char *const *filters, const char *sort,
                       bool descending, const char *expected)
{
    struct store_page page = run(collection, filters, sort, descending, NULL);
    assert_string_equal(ids_of(page.records), expected);
    assert_int_equal(page.total, cJSON_GetArraySize(page.records));
    cJSON_Delete(page.records);
}

static void open_rejects_bad_arguments(void **state)
{
    struct model_error err;
    struct store *s = NULL;
    (void)state;
    assert_int_equal(store_open(NULL, &s, &err), STRATA_EINVAL);
    assert_int_equal(store_open(model, NULL, &err), STRATA_EINVAL);
    store_free(NULL);
    assert_true(store_load_seconds(store) > 0.0);
}

static void every_record_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *record;
        if (strcmp(c->name, "evidence") == 0)
            continue;
        cJSON_ArrayForEach(record, cJSON_GetObjectItem(model->root, c->name))
        {
            const char *id = cJSON_GetObjectItem(record, "id")->valuestring;
            const cJSON *field;
            cJSON *doc = NULL;
            assert_int_equal(store_get(store, c, id, &doc), 0);
            /* every field of the model comes back equal (evidence gains ids) */
            cJSON_ArrayForEach(field, record)
            {
                cJSON *got = cJSON_GetObjectItem(doc, field->string);
                assert_non_null(got);
                if (strcmp(field->string, "evidence") == 0 ||
                    strcmp(field->string, "mechanisms") == 0 ||
                    strcmp(field->string, "goals") == 0) {
                    assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(field));
                    continue;
                }
                if (cJSON_IsObject(field)) {
                    /* an object (date, capital_of, ...) gains the keys it lacked, as null */
                    const cJSON *part;
                    cJSON_ArrayForEach(part, field) assert_true(
                        cJSON_Compare(cJSON_GetObjectItem(got, part->string), part, true));
                    cJSON_ArrayForEach(part, got) assert_true(
                        cJSON_GetObjectItem(field, part->string) != NULL || cJSON_IsNull(part));
                    if (strcmp(field->string, "date") == 0)
                        assert_int_equal(cJSON_GetArraySize(got), 7);
                    continue;
                }
                if (!cJSON_Compare(got, field, true))
                    fail_msg("%s %s.%s differs", c->name, id, field->string);
            }
            /* and the catalog's fields are all there, in order */
            field = doc->child;
            for (size_t k = 0; k < c->field_count; k++) {
                if (c->fields[k].computed)
                    continue;
                assert_non_null(field);
                assert_string_equal(field->string, c->fields[k].name);
                field = field->next;
            }
            assert_null(field);
            cJSON_Delete(doc);
        }
    }
}

static void ids_and_types(void **state)
{
    const char *type = NULL;
    cJSON *doc = NULL;
    (void)state;
    assert_int_equal(store_record_type(store, "awaza", &type), 0);
    assert_string_equal(type, "places");
    assert_int_equal(store_record_type(store, "turkmenistan-e1", &type), 0);
    assert_string_equal(type, "evidence");
    assert_int_equal(store_record_type(store, "nope", &type), STRATA_ENOTFOUND);
    assert_int_equal(store_record_type(store, NULL, &type), STRATA_EINVAL);
    assert_int_equal(store_get(store, catalog_find("actors"), "awaza", &doc), STRATA_ENOTFOUND);
    assert_int_equal(store_get(store, catalog_find("actors"), "", &doc), STRATA_ENOTFOUND);
    assert_int_equal(store_get(NULL, catalog_find("actors"), "x", &doc), STRATA_EINVAL);

    /* evidence of a record, of a mechanism, of a goal */
    assert_int_equal(store_get(store, catalog_find("evidence"), "turkmenistan-e1", &doc), 0);
    assert_string_equal(cJSON_GetObjectItem(doc, "record")->valuestring, "turkmenistan");
    assert_string_equal(cJSON_GetObjectItem(doc, "record_type")->valuestring, "actors");
    assert_string_equal(cJSON_GetObjectItem(doc, "field")->valuestring, "evidence");
    assert_int_equal(cJSON_GetObjectItem(doc, "start")->valueint, 110);
    assert_int_equal(cJSON_GetObjectItem(doc, "paragraph")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(doc, "quote")->valuestring, "Turkmenistan");
    cJSON_Delete(doc);
    assert_int_equal(store_get(store, catalog_find("evidence"), "layer-us-m1-e1", &doc), 0);
    assert_string_equal(cJSON_GetObjectItem(doc, "field")->valuestring, "mechanisms[0].evidence");
    cJSON_Delete(doc);
    assert_int_equal(store_get(store, catalog_find("evidence"), "layer-unity-g1-e1", &doc), 0);
    assert_string_equal(cJSON_GetObjectItem(doc, "field")->valuestring, "goals[0].evidence");
    cJSON_Delete(doc);
    assert_int_equal(store_get(store, catalog_find("layers"), "layer-us", &doc), 0);
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "mechanisms"), 0),
                                    "evidence"),
                0),
            "id")
            ->valuestring,
        "layer-us-m1-e1");
    cJSON_Delete(doc);
}

static void derived_edges(void **state)
{
    static const char *const edges[] = {"five-countries-participant-in-awaza-meeting",
                                        "awaza-meeting-held-in-awaza",
                                        "c5-conference-convened-by-c5-plus-1",
                                        "turkmenistan-member-of-five-countries",
                                        "xi-jinping-official-of-china",
                                        "awaza-located-in-turkmenistan",
                                        "five-countries-partner-in-layer-unity",
                                        "awaza-meeting-part-of-layer-unity",
                                        "c5-plus-1-mechanism-of-layer-us",
                                        "taliban-source-of-taliban-instability",
                                        "taliban-instability-threatens-afghanistan-region",
                                        "taliban-may-endanger-about-taliban",
                                        NULL};
    cJSON *doc = NULL;
    (void)state;
    for (size_t i = 0; edges[i]; i++) {
        if (store_get(store, catalog_find("relations"), edges[i], &doc) != 0)
            fail_msg("no derived edge %s", edges[i]);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "derived")));
        assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "derived_from"), "field"));
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "evidence")), 0);
        cJSON_Delete(doc);
    }
    assert_int_equal(
        store_get(store, catalog_find("relations"), "awaza-meeting-held-in-awaza", &doc), 0);
    assert_string_equal(cJSON_GetObjectItem(doc, "source_type")->valuestring, "events");
    assert_string_equal(cJSON_GetObjectItem(doc, "target_type")->valuestring, "places");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "derived_from"), "record")->valuestring,
        "awaza-meeting");
    cJSON_Delete(doc);
    /* the record that states an edge may be its target */
    assert_int_equal(
        store_get(store, catalog_find("relations"), "turkmenistan-member-of-five-countries", &doc),
        0);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "derived_from"), "record")->valuestring,
        "five-countries");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "derived_from"), "field")->valuestring,
        "members");
    cJSON_Delete(doc);
    /* explicit relations keep their own id and say so */
    assert_int_equal(store_get(store, catalog_find("relations"), "us-cooperates-five", &doc), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "derived")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "derived_from")));
    assert_string_equal(cJSON_GetObjectItem(doc, "source_type")->valuestring, "actors");
    cJSON_Delete(doc);
}

/* A lower-case kebab-case slug: ^[a-z0-9]+(-[a-z0-9]+)*$ */
static bool is_slug(const char *s)
{
    size_t len = strlen(s);
    return len > 0 && s[0] != '-' && s[len - 1] != '-' && !strstr(s, "--") &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* store_open of the fixture plus records (a JSON object of arrays); the error message or "". */
static const char *open_with(const char *extra)
{
    static struct model_error err;
    struct model m;
    struct store *s = NULL;
    cJSON *add = cJSON_Parse(extra), *list;
    memset(&m, 0, sizeof(m));
    memset(&err, 0, sizeof(err));
    assert_non_null(add);
    m.root = cJSON_Duplicate(model->root, 1);
    snprintf(m.model_path, sizeof(m.model_path), "collision");
    cJSON_ArrayForEach(list, add)
    {
        cJSON *r;
        cJSON_ArrayForEach(r, list)
            cJSON_AddItemToArray(cJSON_GetObjectItem(m.root, list->string), cJSON_Duplicate(r, 1));
    }
    if (store_open(&m, &s, &err) == 0) {
        store_free(s);
        err.message[0] = '\0';
    }
    cJSON_Delete(add);
    cJSON_Delete(m.root);
    return err.message;
}

#define PERSON(id, country)                                                                        \
    "{\"id\":\"" id "\",\"name\":\"" id "\",\"kind\":\"person\",\"country\":\"" country            \
    "\",\"explicit\":true,\"evidence\":[]}"
#define STATE(id) "{\"id\":\"" id "\",\"name\":\"" id "\",\"kind\":\"state\",\"evidence\":[]}"

/* Every relation id is a slug, and a derived id that another record has refuses the model. */
static void derived_ids_are_slugs_without_collisions(void **state)
{
    struct store_page page;
    struct store_error error;
    struct query q;
    const cJSON *r;
    const char *message;
    (void)state;
    query_init(&q, catalog_find("relations"));
    q.limit = 0;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_true(cJSON_GetArraySize(page.records) > 12);
    cJSON_ArrayForEach(r, page.records)
    {
        const char *id = cJSON_GetObjectItem(r, "id")->valuestring;
        if (!is_slug(id))
            fail_msg("relation id '%s' is not a kebab-case slug", id);
    }
    cJSON_Delete(page.records);

    /* a record of the model has the derived id: both are named */
    message = open_with("{\"actors\": [" STATE("xi-jinping-official-of-china") "]}");
    if (!strstr(message, "'xi-jinping-official-of-china'") ||
        !strstr(message, "derived from actor 'xi-jinping' (field country)") ||
        !strstr(message, "the actor 'xi-jinping-official-of-china'"))
        fail_msg("record collision: '%s'", message);
    /* two derived edges with one id: a official_of b-official-of-c, a-official-of-b official_of c
     */
    message = open_with("{\"actors\": [" STATE("b-official-of-c") "," STATE("c") "," PERSON(
        "a", "b-official-of-c") "," PERSON("a-official-of-b", "c") "]}");
    if (!strstr(message, "'a-official-of-b-official-of-c'") ||
        !strstr(message, "derived from actor 'a-official-of-b' (field country)") ||
        !strstr(message, "derived from 'a' (field country)"))
        fail_msg("derived collision: '%s'", message);
    /* a derived id that is an evidence span's id */
    message = open_with("{\"actors\": [" STATE(
        "e1") ",{\"id\":\"q-about\",\"name\":\"Q\",\"kind\":\"state\","
              "\"evidence\":[{\"start\":0,\"end\":4,\"paragraph\":1,\"quote\":\"Awaz\"}]}],"
              "\"claims\": [{\"id\":\"q\",\"title\":\"Q\",\"text\":\"Q\",\"kind\":\"assessment\","
              "\"certainty\":\"stated\",\"about\":[\"e1\"],\"evidence\":[]}]}");
    if (!strstr(message, "'q-about-e1'") || !strstr(message, "evidence span of 'q-about'"))
        fail_msg("evidence collision: '%s'", message);
    /* the same edge stated twice is one edge, not a collision */
    assert_string_equal(open_with("{\"actors\": []}"), "");
}

static void filters_select_the_right_records(void **state)
{
    (void)state;
    expect_ids("actors", (const char *const[]){"kind=state", NULL}, NULL, false,
               "china,turkmenistan,united-states,uzbekistan");
    expect_ids("actors", (const char *const[]){"country=china", NULL}, NULL, false, "xi-jinping");
    expect_ids("actors", (const char *const[]){"member_of=five-countries", NULL}, NULL, false,
               "turkmenistan,uzbekistan");
    expect_ids("actors", (const char *const[]){"member=turkmenistan", NULL}, NULL, false,
               "five-countries");
    expect_ids("actors", (const char *const[]){"explicit=false", NULL}, NULL, false, "china");
    expect_ids("events", (const char *const[]){"actor=united-states", NULL}, NULL, false,
               "c5-conference");
    expect_ids("events", (const char *const[]){"participant=sco", NULL}, NULL, false, "sco-summit");
    expect_ids("events", (const char *const[]){"place=awaza", NULL}, NULL, false, "awaza-meeting");
    expect_ids("events", (const char *const[]){"layer=layer-us", NULL}, NULL, false,
               "c5-conference");
    expect_ids("events", (const char *const[]){"organization=sco", NULL}, NULL, false,
               "sco-summit");
    expect_ids("events", (const char *const[]){"type=statement", NULL}, NULL, false, "statement");
    expect_ids("events", (const char *const[]){"precision=part-of-month", NULL}, NULL, false,
               "c5-conference,awaza-meeting");
    expect_ids("places", (const char *const[]){"has_coordinates=true", NULL}, NULL, false, "awaza");
    expect_ids("places", (const char *const[]){"country=uzbekistan", NULL}, NULL, false,
               "tashkent");
    expect_ids("layers", (const char *const[]){"partner=united-states", NULL}, NULL, false,
               "layer-us");
    expect_ids("layers", (const char *const[]){"organization=c5-plus-1", NULL}, NULL, false,
               "layer-us");
    expect_ids("layers", (const char *const[]){"ordinal=1", NULL}, NULL, false, "layer-unity");
    expect_ids("threats", (const char *const[]){"source=taliban", NULL}, NULL, false,
               "taliban-instability");
    expect_ids("threats", (const char *const[]){"target=afghanistan-region", NULL}, NULL, false,
               "taliban-instability");
    expect_ids("claims", (const char *const[]){"about=taliban", NULL}, NULL, false,
               "taliban-may-endanger");
    expect_ids("claims", (const char *const[]){"certainty=possible", NULL}, NULL, false,
               "taliban-may-endanger");
    expect_ids("evidence", (const char *const[]){"record=turkmenistan", NULL}, NULL, false,
               "turkmenistan-e1");
    expect_ids("relations", (const char *const[]){"derived=false", NULL}, NULL, false,
               "us-cooperates-five,xi-proposed-joint-efforts");
    expect_ids("relations", (const char *const[]){"record=xi-jinping", "type=proposed_by", NULL},
               NULL, false, "xi-proposed-joint-efforts");
    /* two filters AND, values of one filter OR */
    expect_ids("actors", (const char *const[]){"kind=state", "explicit=false", NULL}, NULL, false,
               "china");
}

static void or_within_a_filter(void **state)
{
    struct query q;
    struct store_page page;
    struct store_error error;
    (void)state;
    query_init(&q, catalog_find("actors"));
    q.filters[0].filter = catalog_filter_find(q.collection, "kind");
    q.filters[0].values[0] = "person";
    q.filters[0].values[1] = "armed-group";
    q.filters[0].value_count = 2;
    q.filter_count = 1;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_string_equal(ids_of(page.records), "taliban,xi-jinping");
    cJSON_Delete(page.records);
}

static void dates_overlap(void **state)
{
    struct query q;
    struct store_page page;
    struct store_error error;
    const char *cases[][3] = {
        {"2021-08-05", "", "awaza-meeting,sco-summit"},
        {"", "2021-07-10", ""},
        {"2021-07-20", "2021-07-20", "c5-conference"},
        {"2021-07-21", "2021-07-31", ""},
        {"2021-01-01", "2021-12-31", "c5-conference,awaza-meeting,sco-summit"},
        {"2021-08-10", "2021-09-17", "awaza-meeting,sco-summit"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        query_init(&q, catalog_find("events"));
        snprintf(q.from, sizeof(q.from), "%s", cases[i][0]);
        snprintf(q.to, sizeof(q.to), "%s", cases[i][1]);
        assert_int_equal(store_select(store, &q, &page, &error), 0);
        if (strcmp(ids_of(page.records), cases[i][2]) != 0)
            fail_msg("from %s to %s: %s, expected %s", cases[i][0], cases[i][1],
                     ids_of(page.records), cases[i][2]);
        cJSON_Delete(page.records);
    }
}

static void default_orders_and_sorting(void **state)
{
    (void)state;
    expect_ids("events", NULL, NULL, false, "c5-conference,awaza-meeting,sco-summit,statement");
    expect_ids("events", NULL, "date", true, "sco-summit,awaza-meeting,c5-conference,statement");
    expect_ids("events", NULL, "title", false, "c5-conference,awaza-meeting,statement,sco-summit");
    expect_ids("layers", NULL, NULL, false, "layer-unity,layer-us");
    expect_ids("layers", NULL, "ordinal", true, "layer-us,layer-unity");
    expect_ids("actors", NULL, NULL, false,
               "china,taliban,five-countries,turkmenistan,united-states,uzbekistan,xi-jinping");
    expect_ids("actors", NULL, "position", false,
               "five-countries,turkmenistan,united-states,uzbekistan,taliban,china,xi-jinping");
    expect_ids("places", NULL, "country", false, "awaza,tashkent,afghanistan-region");
    expect_ids("organizations", NULL, "kind", true, "sco,c5-plus-1");
}

static void paging_is_exact(void **state)
{
    struct query q;
    struct store_page page;
    struct store_error error;
    (void)state;
    query_init(&q, catalog_find("actors"));
    q.limit = 3;
    q.offset = 3;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_int_equal(page.total, 7);
    assert_string_equal(ids_of(page.records), "turkmenistan,united-states,uzbekistan");
    cJSON_Delete(page.records);
    q.offset = 6;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_string_equal(ids_of(page.records), "xi-jinping");
    cJSON_Delete(page.records);
    q.offset = 100;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_int_equal(page.total, 7);
    assert_int_equal(cJSON_GetArraySize(page.records), 0);
    cJSON_Delete(page.records);
    assert_int_equal(store_select(store, NULL, &page, &error), STRATA_EINVAL);
}

/* The JSON text of every record a cursor over q yields, chunk by chunk (n at a time). */
static char *cursor_text(struct query *q, size_t n, long long *total)
{
    struct store_cursor *cursor = NULL;
    struct store_error error;
    cJSON *all = cJSON_CreateArray();
    bool more = true;
    char *text;

    assert_int_equal(store_cursor_open(store, q, &cursor, total, &error), 0);
    while (more) {
        cJSON *chunk = cJSON_CreateArray(), *record;
        assert_int_equal(store_cursor_next(cursor, n, chunk, &more, &error), 0);
        assert_true(cJSON_GetArraySize(chunk) <= (int)n);
        while ((record = cJSON_DetachItemFromArray(chunk, 0)))
            cJSON_AddItemToArray(all, record);
        cJSON_Delete(chunk);
    }
    /* past the end: nothing more, still no error */
    {
        cJSON *none = cJSON_CreateArray();
        assert_int_equal(store_cursor_next(cursor, n, none, &more, &error), 0);
        assert_false(more);
        assert_int_equal(cJSON_GetArraySize(none), 0);
        cJSON_Delete(none);
    }
    store_cursor_close(cursor);
    text = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    return text;
}

/*
 * A cursor yields exactly what one page of every row gives (the same
 * records in the same order, from the offset), in chunks of any size, for
 * every collection, with a filter, a sort and full text.
 */
static void cursor_equals_one_page(void **state)
{
    struct query q;
    struct store_page page;
    struct store_error error;
    struct store_cursor *cursor = NULL;
    long long total = -1;
    (void)state;
    for (size_t c = 0; c < catalog_collection_count; c++) {
        for (int variant = 0; variant < 3; variant++) {
            char *expected, *got;
            query_init(&q, &catalog_collections[c]);
            if (variant == 1) {
                q.offset = 2;
            } else if (variant == 2) {
                q.sorts[0].sort = &q.collection->sorts[q.collection->sort_count - 1];
                q.sorts[0].descending = true;
                q.sort_count = 1;
            }
            q.limit = QUERY_LIMIT_MAX; /* every row of the fixture, from the offset */
            assert_int_equal(store_select(store, &q, &page, &error), 0);
            assert_true(page.total < QUERY_LIMIT_MAX);
            expected = cJSON_PrintUnformatted(page.records);
            for (size_t n = 1; n <= 7; n += 3) {
                got = cursor_text(&q, n, &total);
                assert_string_equal(got, expected);
                assert_int_equal(total, page.total);
                free(got);
            }
            free(expected);
            cJSON_Delete(page.records);
        }
    }
    query_init(&q, catalog_find("events"));
    q.limit = 0;
    q.text = "awaza";
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    {
        char *expected = cJSON_PrintUnformatted(page.records), *got = cursor_text(&q, 2, &total);
        assert_string_equal(got, expected);
        assert_true(total > 0);
        free(got);
        free(expected);
    }
    cJSON_Delete(page.records);
    /* a bad raw expression is refused when the cursor opens */
    q.text = "\"open";
    assert_int_equal(store_cursor_open(store, &q, &cursor, &total, &error), STRATA_EPARSE);
    assert_null(cursor);
    assert_int_equal(store_cursor_open(NULL, &q, &cursor, &total, &error), STRATA_EINVAL);
    assert_int_equal(store_cursor_next(NULL, 1, NULL, NULL, &error), STRATA_EINVAL);
    store_cursor_close(NULL);
}

static void full_text_in_collections(void **state)
{
    struct query q;
    struct store_page page;
    struct store_error error;
    (void)state;
    page = run("events", NULL, NULL, false, "awaza");
    assert_string_equal(ids_of(page.records), "awaza-meeting");
    cJSON_Delete(page.records);
    /* aliases are searchable */
    page = run("organizations", NULL, NULL, false, "SCO");
    assert_string_equal(ids_of(page.records), "sco");
    cJSON_Delete(page.records);
    /* a record matches through its evidence quotes; stems match */
    page = run("threats", NULL, NULL, false, "terror*");
    assert_string_equal(ids_of(page.records), "terrorism");
    cJSON_Delete(page.records);
    page = run("evidence", NULL, NULL, false, "Tashkent");
    assert_true(page.total >= 1);
    cJSON_Delete(page.records);
    /* bad expressions are the client's error, with SQLite's reason */
    const char *bad[] = {"al-qaeda", "\"unterminated", "AND", "foo:bar", "(a OR", NULL};
    for (size_t i = 0; bad[i]; i++) {
        query_init(&q, catalog_find("actors"));
        q.text = bad[i];
        memset(&error, 0, sizeof(error));
        if (store_select(store, &q, &page, &error) != STRATA_EPARSE)
            fail_msg("q=%s was not rejected as EPARSE", bad[i]);
        assert_true(error.message[0] != '\0');
        assert_null(page.records);
    }
}

static void related_records(void **state)
{
    cJSON *related = NULL, *records = NULL, *list;
    (void)state;
    assert_int_equal(store_related(store, "awaza-meeting", &related), 0);
    for (size_t i = 0; i < catalog_collection_count; i++)
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(related, catalog_collections[i].name)));
    list = cJSON_GetObjectItem(related, "places");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuestring,
                        "awaza");
    /* the store formats no URL: the API layer adds the href */
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "href"));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "label")->valuestring,
                        "Awaza");
    list = cJSON_GetObjectItem(related, "layers");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    list = cJSON_GetObjectItem(related, "evidence");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "id")->valuestring,
                        "awaza-meeting-e1");
    cJSON_Delete(related);
    assert_int_equal(store_related(store, "nope", &related), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(related, "actors")), 0);
    cJSON_Delete(related);

    assert_int_equal(
        store_related_records(store, "awaza-meeting", catalog_find("places"), &records), 0);
    assert_string_equal(ids_of(records), "awaza");
    cJSON_Delete(records);
    assert_int_equal(
        store_related_records(store, "five-countries", catalog_find("actors"), &records), 0);
    assert_string_equal(ids_of(records), "turkmenistan,united-states,uzbekistan");
    cJSON_Delete(records);
}

/*
 * Every page (of `limit` records) of every collection of s: the related
 * lists store_related_many reads for the page are byte for byte those of
 * store_related for each record. Prints the time of both ways.
 */
static void check_related_many(struct store *s, size_t limit, const char *what)
{
    double one_s = 0, many_s = 0;
    long long records = 0, entries = 0;

    for (size_t c = 0; c < catalog_collection_count; c++) {
        struct query q;
        struct store_page page;
        struct store_error error;
        long long total = 0;
        query_init(&q, &catalog_collections[c]);
        q.limit = limit;
        for (q.offset = 0; q.offset == 0 || (long long)q.offset < total; q.offset += limit) {
            assert_int_equal(store_select(s, &q, &page, &error), 0);
            total = page.total;
            size_t n = (size_t)cJSON_GetArraySize(page.records), i = 0;
            const char **ids = calloc(n + 1, sizeof(*ids));
            cJSON **many = calloc(n + 1, sizeof(*many)), *r;
            struct timespec t0, t1, t2;
            assert_non_null(ids);
            assert_non_null(many);
            cJSON_ArrayForEach(r, page.records) ids[i++] =
                cJSON_GetObjectItem(r, "id")->valuestring;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            assert_int_equal(store_related_many(s, ids, n, many), 0);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            for (i = 0; i < n; i++) {
                cJSON *one = NULL;
                assert_int_equal(store_related(s, ids[i], &one), 0);
                char *a = cJSON_PrintUnformatted(one), *b = cJSON_PrintUnformatted(many[i]);
                if (strcmp(a, b) != 0)
                    fail_msg("%s: related of %s: store_related %s, store_related_many %s",
                             catalog_collections[c].name, ids[i], a, b);
                for (const cJSON *list = one->child; list; list = list->next)
                    entries += cJSON_GetArraySize(list);
                cJSON_free(a);
                cJSON_free(b);
                cJSON_Delete(one);
                cJSON_Delete(many[i]);
            }
            clock_gettime(CLOCK_MONOTONIC, &t2);
            many_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
            one_s += (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
            records += (long long)n;
            free(ids);
            free(many);
            cJSON_Delete(page.records);
        }
    }
    assert_true(records > 0);
    assert_true(entries > 0);
    printf("# related lists of %lld records of %s (%lld entries), pages of %zu: %.3f s one "
           "query a record (and the comparison), %.3f s one query a page\n",
           records, what, entries, limit, one_s, many_s);
}

static void related_many_equals_related(void **state)
{
    const char *ids[] = {"awaza-meeting", "nope", "awaza-meeting", "awaza"};
    cJSON *out[4], *one = NULL;
    (void)state;
    check_related_many(store, 50, "the fixture");
    check_related_many(store, 1, "the fixture");
    check_related_many(store, 1000, "the fixture");
    /* repeats and unknown ids get their own lists, in their places */
    assert_int_equal(store_related_many(store, ids, 4, out), 0);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(store_related(store, ids[i], &one), 0);
        assert_true(cJSON_Compare(one, out[i], 1));
        cJSON_Delete(one);
        cJSON_Delete(out[i]);
    }
    assert_int_equal(store_related_many(store, ids, 0, out), 0);
    assert_int_equal(store_related_many(NULL, ids, 1, out), STRATA_EINVAL);
    assert_int_equal(store_related_many(store, NULL, 1, out), STRATA_EINVAL);
    assert_int_equal(store_related_many(store, ids, 1, NULL), STRATA_EINVAL);
    ids[1] = NULL;
    assert_int_equal(store_related_many(store, ids, 2, out), STRATA_EINVAL);
}

static void search_ranks_and_locates(void **state)
{
    struct store_search s = {"Awaza", NULL, 0, 50, 0};
    struct store_error error;
    long long total = 0;
    cJSON *hits = NULL, *hit;
    bool evidence_seen = false;
    (void)state;
    assert_int_equal(store_search(store, &s, &hits, &total, &error), 0);
    assert_int_equal(total, cJSON_GetArraySize(hits));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 0), "id")->valuestring,
                        "awaza");
    cJSON_ArrayForEach(hit, hits)
    {
        const cJSON *marks = cJSON_GetObjectItem(hit, "highlights");
        assert_non_null(strstr(cJSON_GetObjectItem(hit, "snippet")->valuestring, "<mark>"));
        if (strcmp(cJSON_GetObjectItem(hit, "type")->valuestring, "evidence") != 0)
            continue;
        evidence_seen = true;
        assert_non_null(cJSON_GetObjectItem(hit, "record"));
        assert_true(cJSON_GetArraySize(marks) >= 1);
        /* the highlighted span is the word in the article itself */
        size_t from = model_byte_offset(
            model, (size_t)cJSON_GetObjectItem(cJSON_GetArrayItem(marks, 0), "start")->valueint);
        size_t to = model_byte_offset(
            model, (size_t)cJSON_GetObjectItem(cJSON_GetArrayItem(marks, 0), "end")->valueint);
        assert_int_equal(to - from, 5);
        assert_memory_equal(model->article + from, "Awaza", 5);
    }
    assert_true(evidence_seen);
    cJSON_Delete(hits);

    /* restricted to evidence, paged */
    const struct catalog_collection *types[] = {catalog_find("evidence")};
    s.types = types;
    s.type_count = 1;
    s.limit = 1;
    assert_int_equal(store_search(store, &s, &hits, &total, &error), 0);
    assert_int_equal(cJSON_GetArraySize(hits), 1);
    assert_true(total >= 1);
    cJSON_ArrayForEach(hit, hits)
        assert_string_equal(cJSON_GetObjectItem(hit, "type")->valuestring, "evidence");
    cJSON_Delete(hits);

    s.text = "al-qaeda";
    assert_int_equal(store_search(store, &s, &hits, &total, &error), STRATA_EPARSE);
    s.text = NULL;
    assert_int_equal(store_search(store, &s, &hits, &total, &error), STRATA_EINVAL);
}

static bool has_id(const cJSON *list, const char *id)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list) if (strcmp(cJSON_GetObjectItem(item, "id")->valuestring, id) ==
                                       0) return true;
    return false;
}

static void graph_views(void **state)
{
    struct store_graph_query g = {NULL, 0, NULL, 0, -1, NULL, 0, NULL, 1, false};
    cJSON *nodes, *edges, *edge;
    struct store_page relations = run("relations", NULL, NULL, false, NULL);
    (void)state;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_int_equal(cJSON_GetArraySize(nodes), 7 + 2 + 3 + 4 + 2 + 2 + 1);
    assert_int_equal(cJSON_GetArraySize(edges), relations.total);
    cJSON_Delete(relations.records);
    cJSON_Delete(nodes);
    cJSON_Delete(edges);

    g.derived = 0;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_int_equal(cJSON_GetArraySize(edges), 2);
    cJSON_Delete(nodes);
    cJSON_Delete(edges);

    g.derived = -1;
    g.around = "xi-jinping";
    g.depth = 1;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_true(has_id(nodes, "xi-jinping"));
    assert_true(has_id(nodes, "china"));
    assert_true(has_id(nodes, "sco-summit"));
    assert_false(has_id(nodes, "sco"));
    cJSON_ArrayForEach(edge, edges)
    {
        assert_true(has_id(nodes, cJSON_GetObjectItem(edge, "source")->valuestring));
        assert_true(has_id(nodes, cJSON_GetObjectItem(edge, "target")->valuestring));
    }
    cJSON_Delete(nodes);
    cJSON_Delete(edges);
    g.depth = 2;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_true(has_id(nodes, "sco"));
    cJSON_Delete(nodes);
    cJSON_Delete(edges);

    const struct catalog_collection *types[] = {catalog_find("actors")};
    const char *layers[] = {"layer-us"};
    g.around = NULL;
    g.types = types;
    g.type_count = 1;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_int_equal(cJSON_GetArraySize(nodes), 7);
    cJSON_Delete(nodes);
    cJSON_Delete(edges);
    g.types = NULL;
    g.type_count = 0;
    g.layers = layers;
    g.layer_count = 1;
    assert_int_equal(store_graph(store, &g, &nodes, &edges), 0);
    assert_true(has_id(nodes, "layer-us"));
    assert_true(has_id(nodes, "united-states"));
    assert_true(has_id(nodes, "c5-plus-1"));
    assert_true(has_id(nodes, "c5-conference"));
    assert_false(has_id(nodes, "layer-unity"));
    cJSON_Delete(nodes);
    cJSON_Delete(edges);
}

static void stats_count(void **state)
{
    cJSON *stats = NULL, *counts, *month;
    (void)state;
    assert_int_equal(store_stats(store, &stats), 0);
    counts = cJSON_GetObjectItem(stats, "counts");
    assert_int_equal(cJSON_GetObjectItem(counts, "actors")->valueint, 7);
    assert_int_equal(cJSON_GetObjectItem(counts, "organizations")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(counts, "places")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(counts, "events")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(counts, "layers")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(stats, "undated_events")->valueint, 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(stats, "events_per_layer")), 2);
    month = cJSON_GetObjectItem(stats, "events_per_month");
    assert_int_equal(cJSON_GetArraySize(month), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(month, 0), "month")->valuestring,
                        "2021-07");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "actors_per_kind"), "state")->valueint, 4);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(stats, "events_per_type"), "summit")->valueint, 1);
    cJSON_Delete(stats);
}

static int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    int n = -1;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void export_reopens(void **state)
{
    char path[] = "/tmp/strata-export-XXXXXX";
    struct store_error error;
    sqlite3 *db;
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_export(store, path, &error), 0);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM actors"), 7);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM fts WHERE fts MATCH 'awaza'") > 0, 1);
    assert_int_equal(count_rows(db, "PRAGMA foreign_key_check") == -1, 1); /* no violation */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM relations WHERE derived = 0"), 2);
    /* documents are plain JSON in the file */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM docs WHERE NOT json_valid(doc)"), 0);
    assert_true(count_rows(db, "SELECT count(*) FROM docs") > 20);
    sqlite3_close(db);
    unlink(path);
    assert_int_equal(store_export(store, "/nonexistent-dir/x.db", &error), STRATA_EIO);
    assert_true(error.message[0] != '\0');
    assert_int_equal(store_export(NULL, path, &error), STRATA_EINVAL);
}

static bool table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *stmt;
    bool found;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                           &stmt, NULL),
        SQLITE_OK);
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
}

/* A fresh export of s, opened read-only (the caller closes and unlinks path). */
static sqlite3 *export_open(struct store *s, char *path)
{
    struct store_error error;
    sqlite3 *db = NULL;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_export(s, path, &error), 0);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    /*
     * Without the statistics of ANALYZE, as the store built in memory plans:
     * on the fixture's few rows they make a scan the cheaper plan.
     */
    assert_int_equal(
        sqlite3_exec(db, "DELETE FROM sqlite_stat1; ANALYZE sqlite_schema", NULL, NULL, NULL),
        SQLITE_OK);
    return db;
}

/* The ids of a query's rows as one string "a,b,..." (malloc'ed). */
static char *ids_in_order(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        out = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out ? out : strdup("");
}

/*
 * The store writes every table in its collection's default order, so that
 * rowid order is that order: check it against the catalog's ORDER BY.
 */
static void check_default_orders(struct store *s)
{
    char path[] = "/tmp/strata-orders-XXXXXX";
    sqlite3 *db = export_open(s, path);

    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        char order[512] = "", sql[1024], *by_rowid, *by_catalog;
        const char *p = c->default_sort;
        size_t len = 0;
        while (*p) {
            char name[64];
            size_t n = strcspn(p, ",");
            bool descending = *p == '-';
            const struct catalog_sort *sort;
            snprintf(name, sizeof(name), "%.*s", (int)(n - descending), p + descending);
            sort = catalog_sort_find(c, name);
            assert_non_null(sort);
            for (size_t k = 0; sort->columns[k]; k++)
                len += (size_t)snprintf(order + len, sizeof(order) - len, "%s %s NULLS LAST, ",
                                        sort->columns[k], descending ? "DESC" : "ASC");
            p += n;
            if (*p == ',')
                p++;
        }
        snprintf(sql, sizeof(sql),
                 "SELECT group_concat(id, ',') FROM (SELECT id FROM %s ORDER BY rowid)", c->table);
        by_rowid = ids_in_order(db, sql);
        snprintf(sql, sizeof(sql),
                 "SELECT group_concat(id, ',') FROM (SELECT id FROM %s ORDER BY %sid)", c->table,
                 order);
        by_catalog = ids_in_order(db, sql);
        if (strcmp(by_rowid, by_catalog) != 0)
            fail_msg("%s: rowid order differs from the default order (%s)", c->name, order);
        free(by_rowid);
        free(by_catalog);
    }
    sqlite3_close(db);
    unlink(path);
}

static void default_order_is_rowid_order(void **state)
{
    (void)state;
    check_default_orders(store);
}

/*
 * Every filter of the catalog that names an indexed column (all but the
 * computed has_coordinates) must be answered through an index: a plain
 * `SCAN <table>` in its query plan means a full scan, which is what makes a
 * filter slow on a large model.
 */
static void filters_use_indexes(void **state)
{
    char path[] = "/tmp/strata-plans-XXXXXX";
    sqlite3 *db = export_open(store, path);
    (void)state;

    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        for (size_t f = 0; f < c->filter_count; f++) {
            const struct catalog_filter *filter = &c->filters[f];
            char sql[2048];
            size_t len;
            sqlite3_stmt *stmt;
            if (strcmp(filter->name, "has_coordinates") == 0)
                continue;
            len = (size_t)snprintf(sql, sizeof(sql),
                                   "EXPLAIN QUERY PLAN SELECT rowid FROM %s WHERE ", c->table);
            for (const char *p = filter->sql; *p && len + 2 < sizeof(sql); p++)
                sql[len++] = *p == '$' ? '?' : *p;
            sql[len] = '\0';
            assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                const char *detail = (const char *)sqlite3_column_text(stmt, 3);
                char table[80];
                /* a SCAN of a CTE (the recursive walk of within=) is fine, of a table not */
                if (sscanf(detail, "SCAN %79s", table) == 1 && !strstr(detail, "INDEX") &&
                    table_exists(db, table))
                    fail_msg("%s?%s scans a whole table: %s (%s)", c->name, filter->name, detail,
                             sql);
            }
            sqlite3_finalize(stmt);
        }
    }
    sqlite3_close(db);
    unlink(path);
}

/*
 * Hits come best first, then by collection (catalog order), then by id, and
 * any page (offset, limit) is that list's slice, ties cut anywhere.
 */
static void check_search_order(struct store *s, const char *text)
{
    struct store_search all = {text, NULL, 0, 500, 0};
    struct store_error error;
    long long total = 0;
    cJSON *hits = NULL, *page = NULL;
    int n;

    assert_int_equal(store_search(s, &all, &hits, &total, &error), 0);
    n = cJSON_GetArraySize(hits);
    assert_true(n > 1);
    for (int i = 1; i < n; i++) {
        const cJSON *a = cJSON_GetArrayItem(hits, i - 1), *b = cJSON_GetArrayItem(hits, i);
        double sa = cJSON_GetObjectItem(a, "score")->valuedouble;
        double sb = cJSON_GetObjectItem(b, "score")->valuedouble;
        size_t ta = catalog_index(catalog_find(cJSON_GetObjectItem(a, "type")->valuestring));
        size_t tb = catalog_index(catalog_find(cJSON_GetObjectItem(b, "type")->valuestring));
        const char *ia = cJSON_GetObjectItem(a, "id")->valuestring;
        const char *ib = cJSON_GetObjectItem(b, "id")->valuestring;
        if (sa < sb || (sa == sb && (ta > tb || (ta == tb && strcmp(ia, ib) > 0))))
            fail_msg("%s: hit %d (%s %s %f) before hit %d (%s %s %f)", text, i - 1,
                     catalog_collections[ta].name, ia, sa, i, catalog_collections[tb].name, ib, sb);
    }
    for (int offset = 0; offset < n && offset < 80; offset += 7) {
        struct store_search some = {text, NULL, 0, 3, (size_t)offset};
        assert_int_equal(store_search(s, &some, &page, &total, &error), 0);
        for (int k = 0; k < 3 && offset + k < n; k++)
            assert_string_equal(
                cJSON_GetObjectItem(cJSON_GetArrayItem(page, k), "id")->valuestring,
                cJSON_GetObjectItem(cJSON_GetArrayItem(hits, offset + k), "id")->valuestring);
        cJSON_Delete(page);
    }
    cJSON_Delete(hits);
}

static void search_order_and_pages(void **state)
{
    /* two spans with one quote, of an actor and an event: equal scores, id order */
    static const char extra[] =
        "{\"actors\": [{\"id\":\"zz-actor\",\"name\":\"Z\",\"kind\":\"state\","
        "\"explicit\":true,\"evidence\":[{\"start\":0,\"end\":7,\"paragraph\":1,"
        "\"quote\":\"Zyzzyva\"}]}], \"events\": [{\"id\":\"aa-event\",\"title\":\"A\","
        "\"type\":\"meeting\",\"explicit\":true,\"evidence\":[{\"start\":0,\"end\":7,"
        "\"paragraph\":1,\"quote\":\"Zyzzyva\"}]}]}";
    struct store_search s = {"zyzzyva", NULL, 0, 10, 0};
    struct store_error error;
    struct model_error err;
    struct model m;
    struct store *tied = NULL;
    cJSON *add = cJSON_Parse(extra), *list, *hits = NULL;
    long long total = 0;
    (void)state;
    check_search_order(store, "awaza");
    check_search_order(store, "summit OR security OR taliban");

    memset(&m, 0, sizeof(m));
    m.root = cJSON_Duplicate(model->root, 1);
    snprintf(m.model_path, sizeof(m.model_path), "ties");
    cJSON_ArrayForEach(list, add)
    {
        cJSON *r;
        cJSON_ArrayForEach(r, list)
            cJSON_AddItemToArray(cJSON_GetObjectItem(m.root, list->string), cJSON_Duplicate(r, 1));
    }
    assert_int_equal(store_open(&m, &tied, &err), 0);
    assert_int_equal(store_search(tied, &s, &hits, &total, &error), 0);
    assert_int_equal(total, 2);
    assert_string_equal(ids_of(hits), "aa-event-e1,zz-actor-e1");
    cJSON_Delete(hits);
    s.offset = 1;
    s.limit = 1;
    assert_int_equal(store_search(tied, &s, &hits, &total, &error), 0);
    assert_string_equal(ids_of(hits), "zz-actor-e1");
    cJSON_Delete(hits);
    store_free(tied);
    cJSON_Delete(m.root);
    cJSON_Delete(add);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The store's ranking gives FTS5's own bm25 scores (same weights), hit for hit. */
static void rank_is_bm25(void **state)
{
    static const char *const texts[] = {"awaza", "summit OR security", "terror*", "five countries",
                                        "taliban"};
    char path[] = "/tmp/strata-rank-XXXXXX";
    sqlite3 *db = export_open(store, path);
    (void)state;

    for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
        struct store_search s = {texts[t], NULL, 0, 500, 0};
        struct store_error error;
        double ours[500], theirs[500];
        size_t n = 0, m = 0;
        long long total = 0;
        cJSON *hits = NULL, *hit;
        sqlite3_stmt *stmt;

        assert_int_equal(store_search(store, &s, &hits, &total, &error), 0);
        cJSON_ArrayForEach(hit, hits) ours[n++] = cJSON_GetObjectItem(hit, "score")->valuedouble;
        cJSON_Delete(hits);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT round(-bm25(fts, 10.0, 6.0, 3.0, 1.0) * "
                                            "1e6) / 1e6 FROM fts WHERE fts MATCH ?1",
                                            -1, &stmt, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(stmt, 1, texts[t], -1, SQLITE_STATIC);
        while (sqlite3_step(stmt) == SQLITE_ROW && m < 500)
            theirs[m++] = sqlite3_column_double(stmt, 0);
        sqlite3_finalize(stmt);
        assert_true(n > 0);
        assert_int_equal(n, m);
        assert_int_equal(total, (long long)n);
        qsort(ours, n, sizeof(double), compare_doubles);
        qsort(theirs, m, sizeof(double), compare_doubles);
        for (size_t i = 0; i < n; i++)
            if (ours[i] != theirs[i])
                fail_msg("%s: score %zu is %.6f, bm25 says %.6f", texts[t], i, ours[i], theirs[i]);
    }
    sqlite3_close(db);
    unlink(path);
}

/*
 * q= with a filter naming records (probed row by row) selects what q= alone
 * selects among those records, and still refuses a bad expression.
 */
static void selective_full_text(void **state)
{
    const char *const by_record[] = {"record=awaza-meeting", NULL};
    struct store_page all = run("evidence", NULL, NULL, false, "awaza");
    struct store_page some = run("evidence", by_record, NULL, false, "awaza");
    struct store_page events =
        run("events", (const char *const[]){"id=awaza-meeting", NULL}, NULL, false, "awaza");
    struct query q;
    struct store_page page;
    struct store_error error;
    const cJSON *r;
    long long expected = 0;
    (void)state;
    cJSON_ArrayForEach(r, all.records) if (strcmp(cJSON_GetObjectItem(r, "record")->valuestring,
                                                  "awaza-meeting") == 0) expected++;
    assert_true(expected > 0);
    assert_int_equal(some.total, expected);
    assert_string_equal(ids_of(events.records), "awaza-meeting");
    cJSON_Delete(all.records);
    cJSON_Delete(some.records);
    cJSON_Delete(events.records);
    query_init(&q, catalog_find("evidence"));
    assert_int_equal(query_add_filter(&q, "record", "no-such-record"), 0);
    q.text = "al-qaeda";
    assert_int_equal(store_select(store, &q, &page, &error), STRATA_EPARSE);
    assert_null(page.records);
}

static void *reader(void *arg)
{
    long failures = 0;
    (void)arg;
    for (int i = 0; i < 40; i++) {
        struct query q;
        struct store_page page;
        struct store_error error;
        cJSON *related = NULL;
        query_init(&q, catalog_find(i % 2 ? "events" : "actors"));
        if (store_select(store, &q, &page, &error) != 0 || page.total != (i % 2 ? 4 : 7))
            failures++;
        cJSON_Delete(page.records);
        if (store_related(store, "five-countries", &related) != 0)
            failures++;
        cJSON_Delete(related);
    }
    return (void *)failures;
}

static void concurrent_readers(void **state)
{
    pthread_t threads[48]; /* more than the store's slots: some use spare connections */
    (void)state;
    for (size_t i = 0; i < 48; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, reader, NULL), 0);
    for (size_t i = 0; i < 48; i++) {
        void *failures;
        pthread_join(threads[i], &failures);
        assert_int_equal((long)failures, 0);
    }
}

/* Append "-x<n>" to every string of tree that is one of the model's ids. */
static void suffix_ids(cJSON *tree, const cJSON *ids, int n)
{
    cJSON *item;
    cJSON_ArrayForEach(item, tree)
    {
        if (cJSON_IsString(item) && cJSON_GetObjectItem(ids, item->valuestring)) {
            char value[512];
            snprintf(value, sizeof(value), "%s-x%d", item->valuestring, n);
            cJSON_SetValuestring(item, value);
        } else if (cJSON_IsArray(item) || cJSON_IsObject(item)) {
            if (item->string && strcmp(item->string, "evidence") == 0)
                continue;
            suffix_ids(item, ids, n);
        }
    }
}

static void synthetic_scale_loads(void **state)
{
    const char *env = getenv("STRATA_STORE_SCALE");
    long scale = env ? strtol(env, NULL, 10) : 0;
    struct model big;
    struct model_error err;
    struct store *s = NULL;
    struct store_page page;
    struct store_error error;
    struct query q;
    cJSON *ids = cJSON_CreateObject();
    struct timespec t0, t1, c0, c1;
    (void)state;
    if (scale <= 0)
        scale = 50;

    const char *base_path = getenv("STRATA_STORE_BASE"); /* another model to scale */
    struct model *base = model;
    long records = 0;
    if (base_path && *base_path)
        assert_int_equal(model_load(base_path, &base, &err), 0);
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(base->root, catalog_collections[i].name))
            cJSON_AddTrueToObject(ids, cJSON_GetObjectItem(r, "id")->valuestring);
    }
    memset(&big, 0, sizeof(big));
    big.root = cJSON_Duplicate(base->root, 1);
    snprintf(big.model_path, sizeof(big.model_path), "synthetic");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        cJSON *list = cJSON_GetObjectItem(big.root, catalog_collections[i].name);
        cJSON *original = cJSON_Duplicate(list, 1);
        if (!list)
            continue;
        for (int n = 1; n < (int)scale; n++) {
            cJSON *copy = cJSON_Duplicate(original, 1), *r;
            suffix_ids(copy, ids, n);
            while ((r = cJSON_DetachItemFromArray(copy, 0)) != NULL)
                cJSON_AddItemToArray(list, r);
            cJSON_Delete(copy);
        }
        cJSON_Delete(original);
        records += cJSON_GetArraySize(list);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    assert_int_equal(store_open(&big, &s, &err), 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    query_init(&q, catalog_find("actors"));
    assert_int_equal(store_select(s, &q, &page, &error), 0);
    assert_int_equal(page.total,
                     (long long)cJSON_GetArraySize(cJSON_GetObjectItem(base->root, "actors")) *
                         scale);
    cJSON_Delete(page.records);
    check_default_orders(s);
    check_search_order(s, "awaza"); /* as many ties as copies */
    check_related_many(s, 50, "the scaled model");
    printf("# store_open of %ldx the model (%ld records): %.3f s (%.3f s of CPU)\n", scale, records,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
    store_free(s);
    cJSON_Delete(big.root);
    cJSON_Delete(ids);
    if (base != model)
        model_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_rejects_bad_arguments),
        cmocka_unit_test(cursor_equals_one_page),
        cmocka_unit_test(every_record_round_trips),
        cmocka_unit_test(ids_and_types),
        cmocka_unit_test(derived_edges),
        cmocka_unit_test(derived_ids_are_slugs_without_collisions),
        cmocka_unit_test(filters_select_the_right_records),
        cmocka_unit_test(or_within_a_filter),
        cmocka_unit_test(dates_overlap),
        cmocka_unit_test(default_orders_and_sorting),
        cmocka_unit_test(paging_is_exact),
        cmocka_unit_test(full_text_in_collections),
        cmocka_unit_test(related_records),
        cmocka_unit_test(related_many_equals_related),
        cmocka_unit_test(search_ranks_and_locates),
        cmocka_unit_test(graph_views),
        cmocka_unit_test(stats_count),
        cmocka_unit_test(export_reopens),
        cmocka_unit_test(default_order_is_rowid_order),
        cmocka_unit_test(filters_use_indexes),
        cmocka_unit_test(rank_is_bm25),
        cmocka_unit_test(search_order_and_pages),
        cmocka_unit_test(selective_full_text),
        cmocka_unit_test(concurrent_readers),
        cmocka_unit_test(synthetic_scale_loads),
    };
    const struct CMUnitTest file_tests[] = {
        cmocka_unit_test(every_record_round_trips),
        cmocka_unit_test(ids_and_types),
        cmocka_unit_test(derived_edges),
        cmocka_unit_test(filters_select_the_right_records),
        cmocka_unit_test(or_within_a_filter),
        cmocka_unit_test(dates_overlap),
        cmocka_unit_test(default_orders_and_sorting),
        cmocka_unit_test(paging_is_exact),
        cmocka_unit_test(full_text_in_collections),
        cmocka_unit_test(related_records),
        cmocka_unit_test(related_many_equals_related),
        cmocka_unit_test(search_ranks_and_locates),
        cmocka_unit_test(graph_views),
        cmocka_unit_test(stats_count),
        cmocka_unit_test(search_order_and_pages),
        cmocka_unit_test(selective_full_text),
        cmocka_unit_test(concurrent_readers),
    };
    int failed = cmocka_run_group_tests_name("memory", tests, setup, teardown);
    return failed +
           cmocka_run_group_tests_name("compiled file", file_tests, setup_file, teardown_file);
}
