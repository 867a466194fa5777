/*
 * The /v1 collections over HTTP, against the real daemon serving the valid
 * fixture (tests/fixtures/valid): every collection, item and sub-collection
 * route; every filter of the catalog with a good and a bad value; the right
 * records in the right order; exact totals and links across pages (body and
 * Link header); fields, include, sort, q, from/to; CSV (read back with a
 * small RFC 4180 reader), NDJSON and GeoJSON; each bad input answered with
 * its 400/404/406 problem; ETag and 304 on parameterised URLs.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "catalog.h"
#include "client.h"

static struct daemon_proc daemon_;

static int start(void **state)
{
    (void)state;
    return client_start_data(&daemon_, "tests/fixtures/valid");
}

static int stop(void **state)
{
    (void)state;
    return client_stop(&daemon_, SIGTERM, 10) == 0 ? 0 : -1;
}

/* A 400 problem with code whose first reason contains text. */
static void expect_reason_of(const char *target, const char *code, const char *text)
{
    cJSON_Delete(client_expect_reason(&daemon_, target, code, text));
}

static void expect_ids(const char *target, const char *expected)
{
    cJSON *doc = client_get_json(&daemon_, target, 200);
    if (strcmp(client_ids(cJSON_GetObjectItem(doc, "data")), expected) != 0)
        fail_msg("GET %s: %s, expected %s", target, client_ids(cJSON_GetObjectItem(doc, "data")),
                 expected);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint,
                     cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")));
    cJSON_Delete(doc);
}

static void collections_default_order_and_envelope(void **state)
{
    static const char *const expected[][2] = {
        {"/v1/actors",
         "china,taliban,five-countries,turkmenistan,united-states,uzbekistan,xi-jinping"},
        {"/v1/organizations", "c5-plus-1,sco"},
        {"/v1/places", "afghanistan-region,awaza,tashkent"},
        {"/v1/events", "c5-conference,awaza-meeting,sco-summit,statement"},
        {"/v1/layers", "layer-unity,layer-us"},
        {"/v1/threats", "taliban-instability,terrorism"},
        {"/v1/claims", "taliban-may-endanger"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        struct reply r;
        cJSON *doc, *meta, *links;
        char total[32];
        expect_ids(expected[i][0], expected[i][1]);
        assert_int_equal(client_get(&daemon_, expected[i][0], &r), 0);
        doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
        meta = cJSON_GetObjectItem(doc, "meta");
        links = cJSON_GetObjectItem(doc, "links");
        assert_int_equal(cJSON_GetObjectItem(meta, "limit")->valueint, 50);
        assert_int_equal(cJSON_GetObjectItem(meta, "offset")->valueint, 0);
        assert_int_equal(cJSON_GetObjectItem(meta, "count")->valueint,
                         cJSON_GetObjectItem(meta, "total")->valueint);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(links, "prev")));
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(links, "next")));
        assert_non_null(strstr(cJSON_GetObjectItem(links, "self")->valuestring, "offset=0"));
        snprintf(total, sizeof(total), "%d", cJSON_GetObjectItem(meta, "total")->valueint);
        assert_string_equal(reply_header_str(&r, "X-Total-Count"), total);
        assert_non_null(strstr(reply_header_str(&r, "Link"), "rel=\"first\""));
        /* every record carries its related records */
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0), "related")));
        cJSON_Delete(doc);
        reply_release(&r);
    }
    /* evidence and relations: totals that the fixture implies */
    cJSON *doc = client_get_json(&daemon_, "/v1/evidence?limit=1", 200);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint >= 24);
    cJSON_Delete(doc);
    expect_ids("/v1/relations?derived=false", "us-cooperates-five,xi-proposed-joint-efforts");
}

/*
 * GET target (sorted by field, descending or not) and check the order: the
 * field's values in that direction, the id ascending among equal values (the
 * documented tie-break, in both directions); returns how many ties it saw.
 */
static int expect_sorted(const char *target, const char *field, bool descending)
{
    cJSON *doc = client_get_json(&daemon_, target, 200);
    const cJSON *data = cJSON_GetObjectItem(doc, "data"), *prev = NULL, *item;
    int ties = 0;

    cJSON_ArrayForEach(item, data)
    {
        if (prev) {
            const char *a = cJSON_GetObjectItem(prev, field)->valuestring;
            const char *b = cJSON_GetObjectItem(item, field)->valuestring;
            const char *a_id = cJSON_GetObjectItem(prev, "id")->valuestring;
            const char *b_id = cJSON_GetObjectItem(item, "id")->valuestring;
            int order = strcmp(a, b);
            if (descending ? order < 0 : order > 0)
                fail_msg("GET %s: %s '%s' before '%s'", target, field, a, b);
            if (order == 0 && strcmp(a_id, b_id) >= 0)
                fail_msg("GET %s: equal %s '%s', but id %s before %s", target, field, a, a_id,
                         b_id);
            ties += order == 0;
        }
        prev = item;
    }
    cJSON_Delete(doc);
    return ties;
}

static void sort_breaks_ties_by_id_both_directions(void **state)
{
    (void)state;
    assert_true(expect_sorted("/v1/actors?sort=kind&fields=id,kind&limit=500", "kind", false) > 0);
    assert_true(expect_sorted("/v1/actors?sort=-kind&fields=id,kind&limit=500", "kind", true) > 0);
    assert_true(expect_sorted("/v1/relations?sort=type&fields=id,type&limit=500", "type", false) >
                0);
    assert_true(expect_sorted("/v1/relations?sort=-type&fields=id,type&limit=500", "type", true) >
                0);
    /* a page of ties: the id decides which records it holds */
    assert_true(
        expect_sorted("/v1/actors?sort=-kind&fields=id,kind&limit=2&offset=1", "kind", true) > 0);
}

/* prev of a page that starts before limit is the first page, not a negative offset */
static void prev_of_a_short_offset_is_the_first_page(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/v1/actors?limit=5&offset=2", 200);
    cJSON *links = cJSON_GetObjectItem(doc, "links");

    (void)state;
    assert_string_equal(cJSON_GetObjectItem(links, "prev")->valuestring,
                        "/v1/actors?limit=5&offset=0");
    assert_string_equal(cJSON_GetObjectItem(links, "first")->valuestring,
                        "/v1/actors?limit=5&offset=0");
    cJSON_Delete(doc);
}

static void items_and_not_found(void **state)
{
    cJSON *doc, *data, *related;
    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        char target[256];
        const char *id;
        snprintf(target, sizeof(target), "%s?limit=1", c->path);
        doc = client_get_json(&daemon_, target, 200);
        id = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0), "id")
                 ->valuestring;
        snprintf(target, sizeof(target), "%s/%s", c->path, id);
        cJSON_Delete(doc);
        doc = client_get_json(&daemon_, target, 200);
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "self")->valuestring, target);
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "collection")->valuestring,
            c->path);
        cJSON_Delete(doc);
        snprintf(target, sizeof(target), "%s/no-such-id", c->path);
        client_expect_problem(&daemon_, target, 404, "not_found", NULL);
    }
    doc = client_get_json(&daemon_, "/v1/events/awaza-meeting", 200);
    data = cJSON_GetObjectItem(doc, "data");
    assert_string_equal(cJSON_GetObjectItem(data, "title")->valuestring,
                        "Consultative meeting in Awaza");
    related = cJSON_GetObjectItem(data, "related");
    assert_string_equal(client_ids(cJSON_GetObjectItem(related, "places")), "awaza");
    assert_string_equal(client_ids(cJSON_GetObjectItem(related, "layers")), "layer-unity");
    assert_string_equal(client_ids(cJSON_GetObjectItem(related, "evidence")), "awaza-meeting-e1");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(related, "places"), 0), "href")
            ->valuestring,
        "/v1/places/awaza");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(data, "evidence"), 0), "id")
            ->valuestring,
        "awaza-meeting-e1");
    cJSON_Delete(doc);
    /* the id of a record of another collection: 404 that says where it is */
    struct reply r;
    assert_int_equal(client_get(&daemon_, "/v1/actors/awaza", &r), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(buf_str(&r.body), "/v1/places/awaza"));
    reply_release(&r);
    /* items take fields and include only */
    doc = client_get_json(&daemon_,
                          "/v1/events/awaza-meeting?fields=id,title&include=places,actors", 200);
    data = cJSON_GetObjectItem(doc, "data");
    assert_int_equal(cJSON_GetArraySize(data), 3); /* id, title, included */
    assert_string_equal(
        client_ids(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "included"), "places")), "awaza");
    assert_string_equal(
        client_ids(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "included"), "actors")),
        "five-countries");
    assert_non_null(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "included"), "places"), 0),
        "coordinates"));
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/events/awaza-meeting?q=x", 400, "unknown_parameter", "q");
    client_expect_problem(&daemon_, "/v1/events/awaza-meeting?limit=1", 400, "unknown_parameter",
                          "limit");
    client_expect_problem(&daemon_, "/v1/events/awaza-meeting?fields=colour", 400,
                          "invalid_parameter", "fields");
    client_expect_problem(&daemon_, "/v1/events/awaza-meeting?include=friends", 400,
                          "invalid_parameter", "include");
    client_expect_problem(&daemon_, "/v1/events/awaza-meeting?format=csv", 406, "not_acceptable",
                          NULL);
}

static void sub_collections(void **state)
{
    (void)state;
    expect_ids("/v1/actors/united-states/events", "c5-conference");
    expect_ids("/v1/actors/five-countries/events", "c5-conference,awaza-meeting,statement");
    expect_ids("/v1/organizations/sco/events", "sco-summit");
    expect_ids("/v1/layers/layer-us/events", "c5-conference");
    expect_ids("/v1/places/awaza/events", "awaza-meeting");
    expect_ids("/v1/actors/five-countries/events?type=statement", "statement");
    cJSON *doc =
        client_get_json(&daemon_, "/v1/actors/five-countries/events?sort=-date&limit=2", 200);
    assert_string_equal(client_ids(cJSON_GetObjectItem(doc, "data")),
                        "awaza-meeting,c5-conference");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "next")->valuestring,
                        "/v1/actors/five-countries/events?sort=-date&limit=2&offset=2");
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/actors/nobody/events", 404, "not_found", NULL);
    client_expect_problem(&daemon_, "/v1/actors/sco/events", 404, "not_found", NULL);
    client_expect_problem(&daemon_, "/v1/places/awaza/events?colour=red", 400, "unknown_parameter",
                          "colour");
}

/*
 * An unknown parameter names the route that was requested, also where a
 * route takes another route's parameters (items, sub-collections, timeline).
 */
static void unknown_parameter_names_the_route(void **state)
{
    (void)state;
    expect_reason_of("/v1/actors?colour=red", "unknown_parameter",
                     "not a parameter of /v1/actors;");
    expect_reason_of("/v1/events/awaza-meeting?limit=1", "unknown_parameter",
                     "not a parameter of /v1/events/{id};");
    expect_reason_of("/v1/timeline?bogus=1", "unknown_parameter",
                     "not a parameter of /v1/timeline; allowed: id, type");
    expect_reason_of("/v1/actors/five-countries/events?colour=red", "unknown_parameter",
                     "not a parameter of /v1/actors/{id}/events;");
    expect_reason_of("/v1/organizations/sco/events?colour=red", "unknown_parameter",
                     "not a parameter of /v1/organizations/{id}/events;");
    expect_reason_of("/v1/layers/layer-us/events?colour=red", "unknown_parameter",
                     "not a parameter of /v1/layers/{id}/events;");
    expect_reason_of("/v1/places/awaza/events?colour=red", "unknown_parameter",
                     "not a parameter of /v1/places/{id}/events;");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        char target[256], text[256];
        snprintf(target, sizeof(target), "%s/x?colour=red", catalog_collections[i].path);
        snprintf(text, sizeof(text), "not a parameter of %s/{id};", catalog_collections[i].path);
        expect_reason_of(target, "unknown_parameter", text);
    }
}

/* Follow links.next from target; every page's total is exact; returns all ids. */
static void walk_pages(const char *target, const char *expected, int pages)
{
    char next[1024], all[4096] = "";
    int seen = 0;
    long long total = -1;
    snprintf(next, sizeof(next), "%s", target);
    for (;;) {
        struct reply r;
        cJSON *doc, *links, *n;
        char link_next[1200];
        assert_int_equal(client_get(&daemon_, next, &r), 0);
        assert_int_equal(r.status, 200);
        doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
        if (total < 0)
            total = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint;
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint,
                         total);
        snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", all[0] ? "," : "",
                 client_ids(cJSON_GetObjectItem(doc, "data")));
        links = cJSON_GetObjectItem(doc, "links");
        n = cJSON_GetObjectItem(links, "next");
        /* the Link header carries the same next link */
        if (cJSON_IsString(n)) {
            snprintf(link_next, sizeof(link_next), "<%s>; rel=\"next\"", n->valuestring);
            assert_non_null(strstr(reply_header_str(&r, "Link"), link_next));
        } else {
            assert_null(strstr(reply_header_str(&r, "Link"), "rel=\"next\""));
        }
        seen++;
        reply_release(&r);
        if (!cJSON_IsString(n)) {
            cJSON_Delete(doc);
            break;
        }
        snprintf(next, sizeof(next), "%s", n->valuestring);
        cJSON_Delete(doc);
        assert_true(seen < 100);
    }
    assert_string_equal(all, expected);
    assert_int_equal(seen, pages);
}

static void paging_and_links(void **state)
{
    cJSON *doc, *links;
    (void)state;
    walk_pages("/v1/actors?limit=3",
               "china,taliban,five-countries,turkmenistan,united-states,uzbekistan,xi-jinping", 3);
    walk_pages("/v1/actors?kind=state&limit=1&sort=-name",
               "uzbekistan,united-states,turkmenistan,china", 4);
    doc = client_get_json(&daemon_, "/v1/actors?limit=3&offset=3", 200);
    links = cJSON_GetObjectItem(doc, "links");
    assert_string_equal(cJSON_GetObjectItem(links, "prev")->valuestring,
                        "/v1/actors?limit=3&offset=0");
    assert_string_equal(cJSON_GetObjectItem(links, "next")->valuestring,
                        "/v1/actors?limit=3&offset=6");
    assert_string_equal(cJSON_GetObjectItem(links, "last")->valuestring,
                        "/v1/actors?limit=3&offset=6");
    assert_string_equal(cJSON_GetObjectItem(links, "first")->valuestring,
                        "/v1/actors?limit=3&offset=0");
    assert_string_equal(cJSON_GetObjectItem(links, "self")->valuestring,
                        "/v1/actors?limit=3&offset=3");
    cJSON_Delete(doc);
    /* past the end: an empty page, the exact total, a way back */
    doc = client_get_json(&daemon_, "/v1/actors?offset=100", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")), 0);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint, 7);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "prev")->valuestring,
                        "/v1/actors?limit=50&offset=50");
    cJSON_Delete(doc);
    /* other parameters survive in the links, percent-encoded */
    doc = client_get_json(&daemon_, "/v1/actors?q=the%20five&limit=1", 200);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "self")->valuestring,
                        "/v1/actors?q=the%20five&limit=1&offset=0");
    cJSON_Delete(doc);
}

static void filters_and_queries(void **state)
{
    (void)state;
    expect_ids("/v1/actors?kind=state,person",
               "china,turkmenistan,united-states,uzbekistan,xi-jinping");
    expect_ids("/v1/actors?kind=person&kind=armed-group", "taliban,xi-jinping");
    expect_ids("/v1/actors?kind=state&explicit=false", "china");
    expect_ids("/v1/actors?member_of=five-countries", "turkmenistan,uzbekistan");
    expect_ids("/v1/events?actor=united-states&layer=layer-us&place=tashkent", "c5-conference");
    expect_ids("/v1/events?from=2021-08-05", "awaza-meeting,sco-summit");
    expect_ids("/v1/events?from=2021-07&to=2021-07", "c5-conference");
    expect_ids("/v1/events?to=2021-07-10", "");
    expect_ids("/v1/events?from=2021", "c5-conference,awaza-meeting,sco-summit");
    expect_ids("/v1/events?q=awaza", "awaza-meeting");
    expect_ids("/v1/events?q=%22C5%2B1%22", "c5-conference");
    expect_ids("/v1/events?sort=-date", "sco-summit,awaza-meeting,c5-conference,statement");
    expect_ids("/v1/events?sort=type,-title", "c5-conference,awaza-meeting,statement,sco-summit");
    expect_ids("/v1/places?has_coordinates=false", "afghanistan-region,tashkent");
    expect_ids("/v1/layers?sort=-ordinal", "layer-us,layer-unity");
    expect_ids("/v1/threats?target=afghanistan-region", "taliban-instability");
    expect_ids("/v1/claims?certainty=possible&about=taliban", "taliban-may-endanger");
    expect_ids("/v1/evidence?record=turkmenistan", "turkmenistan-e1");
    expect_ids("/v1/relations?record=xi-jinping&derived=false", "xi-proposed-joint-efforts");

    cJSON *doc = client_get_json(&daemon_, "/v1/events?fields=id,date&limit=1", 200);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0);
    assert_int_equal(cJSON_GetArraySize(first), 2);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(first, "date"), "precision")->valuestring,
        "part-of-month");
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/events?include=places&fields=id&limit=1", 200);
    first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0);
    assert_string_equal(
        client_ids(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "included"), "places")),
        "tashkent");
    cJSON_Delete(doc);
}

/* Every filter of every collection: a good value answers 200, a bad one 400 naming it. */
static void every_filter_good_and_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        for (size_t k = 0; k < c->filter_count; k++) {
            const struct catalog_filter *f = &c->filters[k];
            char target[512], good[256];
            const char *bad;
            cJSON *doc;
            switch (f->value) {
            case CATALOG_VALUE_ENUM:
                snprintf(good, sizeof(good), "%s", f->values[0]);
                bad = "no-such-value";
                break;
            case CATALOG_VALUE_BOOL:
                snprintf(good, sizeof(good), "false");
                bad = "maybe";
                break;
            case CATALOG_VALUE_INTEGER:
                snprintf(good, sizeof(good), "%lld", f->maximum);
                bad = "0x1";
                break;
            default: {
                const char *in = f->collections ? f->collections[0] : c->name;
                snprintf(target, sizeof(target), "/v1/%s?limit=1", in);
                doc = client_get_json(&daemon_, target, 200);
                snprintf(good, sizeof(good), "%s",
                         cJSON_GetObjectItem(
                             cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0), "id")
                             ->valuestring);
                cJSON_Delete(doc);
                bad = f->collections ? "no-such-record" : "Not_An_Id";
            }
            }
            snprintf(target, sizeof(target), "%s?%s=%s", c->path, f->name, good);
            cJSON_Delete(client_get_json(&daemon_, target, 200));
            snprintf(target, sizeof(target), "%s?%s=%s", c->path, f->name, bad);
            client_expect_problem(&daemon_, target, 400, "invalid_parameter", f->name);
        }
    }
}

/* Every relation id, derived ones included, is a kebab-case slug that serves its item. */
static void relation_ids_are_slugs(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/v1/relations?derived=true&limit=500", 200), *r;
    (void)state;
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")) > 0);
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "data"))
    {
        const char *id = cJSON_GetObjectItem(r, "id")->valuestring;
        size_t len = strlen(id);
        if (len == 0 || id[0] == '-' || id[len - 1] == '-' || strstr(id, "--") ||
            strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
            fail_msg("relation id '%s' is not a kebab-case slug", id);
    }
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/relations/xi-jinping-official-of-china", 200);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "source")->valuestring, "xi-jinping");
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/relations/xi-jinping--official-of--china", 404,
                          "not_found", NULL);
    client_expect_problem(&daemon_, "/v1/relations?id=xi-jinping--official-of--china", 400,
                          "invalid_parameter", "id");
}

static void bad_inputs(void **state)
{
    (void)state;
    client_expect_problem(&daemon_, "/v1/actors?colour=red", 400, "unknown_parameter", "colour");
    client_expect_problem(&daemon_, "/v1/actors?from=2021", 400, "unknown_parameter", "from");
    client_expect_problem(&daemon_, "/v1/actors?limit=0", 400, "invalid_parameter", "limit");
    client_expect_problem(&daemon_, "/v1/actors?limit=501", 400, "invalid_parameter", "limit");
    client_expect_problem(&daemon_, "/v1/actors?limit=ten", 400, "invalid_parameter", "limit");
    client_expect_problem(&daemon_, "/v1/actors?offset=-1", 400, "invalid_parameter", "offset");
    client_expect_problem(&daemon_, "/v1/actors?limit=1&limit=2", 400, "invalid_parameter",
                          "limit");
    client_expect_problem(&daemon_, "/v1/actors?sort=colour", 400, "invalid_parameter", "sort");
    client_expect_problem(&daemon_, "/v1/actors?sort=name,-name", 400, "invalid_parameter", "sort");
    client_expect_problem(&daemon_, "/v1/actors?fields=id,colour", 400, "invalid_parameter",
                          "fields");
    client_expect_problem(&daemon_, "/v1/actors?include=friends", 400, "invalid_parameter",
                          "include");
    client_expect_problem(&daemon_, "/v1/actors?kind=", 400, "invalid_parameter", "kind");
    client_expect_problem(&daemon_, "/v1/actors?q=", 400, "invalid_parameter", "q");
    client_expect_problem(&daemon_, "/v1/actors?q=al-qaeda&q_mode=raw", 400, "invalid_query", "q");
    client_expect_problem(&daemon_, "/v1/actors?q=%22open&q_mode=raw", 400, "invalid_query", "q");
    client_expect_problem(&daemon_, "/v1/events?from=2021-02-30", 400, "invalid_parameter", "from");
    client_expect_problem(&daemon_, "/v1/events?from=2021-09&to=2021-08", 400, "invalid_parameter",
                          "to");
    client_expect_problem(&daemon_, "/v1/events?actor=sco", 400, "invalid_parameter", "actor");
    /* id= is checked like every id filter: no silent empty page for an unknown id */
    client_expect_problem(&daemon_, "/v1/actors?id=russia-typo", 400, "invalid_parameter", "id");
    expect_reason_of("/v1/actors?id=russia-typo", "invalid_parameter",
                     "no record has this id; expected the id of one of: actors");
    expect_reason_of("/v1/actors?id=china,awaza", "invalid_parameter",
                     "names a record of places; expected the id of one of: actors");
    expect_reason_of("/v1/actors/five-countries/events?id=china", "invalid_parameter",
                     "names a record of actors; expected the id of one of: events");
    expect_ids("/v1/actors?id=china,taliban", "china,taliban");
    /* an evidence span's id could never match these filters: a 400, not an empty page */
    expect_reason_of("/v1/actors?related=awaza-meeting-e1", "invalid_parameter",
                     "names a record of evidence; expected the id of one of: actors");
    expect_reason_of("/v1/relations?record=awaza-meeting-e1", "invalid_parameter",
                     "names a record of evidence");
    client_expect_problem(&daemon_, "/v1/evidence?record_type=evidence", 400, "invalid_parameter",
                          "record_type");
    client_expect_problem(&daemon_, "/v1/actors?format=geojson", 406, "not_acceptable", NULL);
    client_expect_problem(&daemon_, "/v1/actors?format=xml", 406, "not_acceptable", NULL);
}

/* A small RFC 4180 reader: one record from *p into fields; -1 at the end. */
static int csv_record(const char **p, char fields[][1024], int max)
{
    const char *s = *p;
    int n = 0;
    if (!*s)
        return -1;
    for (;;) {
        size_t len = 0;
        if (*s == '"') {
            for (s++;; s++) {
                assert_true(*s != '\0');
                if (*s == '"' && s[1] == '"')
                    s++;
                else if (*s == '"')
                    break;
                if (len < 1023)
                    fields[n][len++] = *s;
            }
            s++;
        } else {
            while (*s && *s != ',' && *s != '\r') {
                if (len < 1023)
                    fields[n][len++] = *s;
                s++;
            }
        }
        fields[n++][len] = '\0';
        assert_true(n <= max);
        if (*s == ',') {
            s++;
            continue;
        }
        assert_true(s[0] == '\r' && s[1] == '\n');
        *p = s + 2;
        return n;
    }
}

static void csv_representation(void **state)
{
    static char fields[64][1024];
    struct reply r;
    const char *p;
    int columns, rows = 0;
    char got[4096] = "";
    (void)state;
    assert_int_equal(client_get(&daemon_, "/v1/places?format=csv", &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(reply_header_str(&r, "Content-Type"), "text/csv"));
    assert_string_equal(reply_header_str(&r, "X-Total-Count"), "3");
    assert_non_null(reply_header_str(&r, "Link"));
    p = buf_str(&r.body);
    columns = csv_record(&p, fields, 64);
    /* id, name, kind, aliases, other_names, country, within, capital_of.{country,provenance,basis}
     */
    assert_string_equal(fields[0], "id");
    assert_string_equal(fields[4], "other_names");
    assert_string_equal(fields[7], "capital_of.country");
    assert_string_equal(fields[10], "coordinates.lat");
    assert_string_equal(fields[11], "coordinates.lon");
    while (csv_record(&p, fields, 64) == columns) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", rows ? "," : "", fields[0]);
        if (strcmp(fields[0], "awaza") == 0) {
            assert_string_equal(fields[10], "40.02");
            assert_string_equal(fields[5], "turkmenistan");
        }
        rows++;
    }
    assert_int_equal(rows, 3);
    assert_string_equal(got, "afghanistan-region,awaza,tashkent");
    reply_release(&r);

    /* by Accept, with fields, a page of it */
    const char *accept[] = {"Accept: text/csv", NULL};
    assert_int_equal(client_request(&daemon_, "GET",
                                    "/v1/actors?fields=id,aliases,evidence&limit=2&offset=1",
                                    accept, &r),
                     0);
    assert_int_equal(r.status, 200);
    p = buf_str(&r.body);
    assert_int_equal(csv_record(&p, fields, 64), 3);
    assert_string_equal(fields[1], "aliases");
    assert_int_equal(csv_record(&p, fields, 64), 3);
    assert_string_equal(fields[0], "taliban");
    assert_int_equal(csv_record(&p, fields, 64), 3);
    assert_string_equal(fields[0], "five-countries");
    assert_string_equal(fields[1], "the five countries");
    assert_string_equal(fields[2], "five-countries-e1");
    assert_int_equal(csv_record(&p, fields, 64), -1);
    assert_string_equal(reply_header_str(&r, "X-Total-Count"), "7");
    assert_non_null(strstr(reply_header_str(&r, "Link"), "rel=\"next\""));
    reply_release(&r);
}

static void ndjson_representation(void **state)
{
    struct reply r;
    const char *line;
    int n = 0;
    (void)state;
    assert_int_equal(client_get(&daemon_, "/v1/events?format=ndjson&sort=-date", &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(reply_header_str(&r, "Content-Type"), "application/x-ndjson"));
    assert_string_equal(reply_header_str(&r, "X-Total-Count"), "4");
    line = buf_str(&r.body);
    while (*line) {
        const char *end = strchr(line, '\n');
        cJSON *record;
        static const char *const order[] = {"sco-summit", "awaza-meeting", "c5-conference",
                                            "statement"};
        assert_non_null(end);
        record = cJSON_ParseWithLength(line, (size_t)(end - line));
        assert_non_null(record);
        assert_string_equal(cJSON_GetObjectItem(record, "id")->valuestring, order[n]);
        cJSON_Delete(record);
        n++;
        line = end + 1;
    }
    assert_int_equal(n, 4);
    reply_release(&r);
}

static void geojson_representation(void **state)
{
    cJSON *doc, *features, *f;
    int located = 0;
    (void)state;
    doc = client_get_json(&daemon_, "/v1/places?format=geojson", 200);
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "FeatureCollection");
    features = cJSON_GetObjectItem(doc, "features");
    assert_int_equal(cJSON_GetArraySize(features), 3);
    cJSON_ArrayForEach(f, features)
    {
        cJSON *geometry = cJSON_GetObjectItem(f, "geometry");
        assert_string_equal(cJSON_GetObjectItem(f, "type")->valuestring, "Feature");
        assert_string_equal(
            cJSON_GetObjectItem(f, "id")->valuestring,
            cJSON_GetObjectItem(cJSON_GetObjectItem(f, "properties"), "id")->valuestring);
        if (cJSON_IsNull(geometry))
            continue;
        located++;
        assert_string_equal(cJSON_GetObjectItem(geometry, "type")->valuestring, "Point");
        assert_true(
            cJSON_GetArrayItem(cJSON_GetObjectItem(geometry, "coordinates"), 0)->valuedouble ==
            52.97);
        assert_true(
            cJSON_GetArrayItem(cJSON_GetObjectItem(geometry, "coordinates"), 1)->valuedouble ==
            40.02);
    }
    assert_int_equal(located, 1);
    cJSON_Delete(doc);
    /* fields= trims the properties but the geometry stays */
    doc = client_get_json(&daemon_, "/v1/places?format=geojson&fields=id,name&has_coordinates=true",
                          200);
    f = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "features"), 0);
    assert_false(cJSON_IsNull(cJSON_GetObjectItem(f, "geometry")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(f, "properties")), 2);
    cJSON_Delete(doc);
    /* without id in fields= every Feature still has its id (RFC 7946 and the spec: required) */
    doc = client_get_json(&daemon_, "/v1/places?format=geojson&fields=name", 200);
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "features"))
    {
        assert_true(cJSON_IsString(cJSON_GetObjectItem(f, "id")));
        assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "properties"), "name"));
        assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "properties"), "coordinates"));
    }
    cJSON_Delete(doc);
    const char *accept[] = {"Accept: application/geo+json", NULL};
    struct reply r;
    assert_int_equal(client_request(&daemon_, "GET", "/v1/places", accept, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(reply_header_str(&r, "Content-Type"), "application/geo+json"));
    reply_release(&r);
}

/* background=false: the same records (none is background here), without background facts */
static void background_false_strips_the_lane(void **state)
{
    cJSON *all, *stated, *one;
    const cJSON *r;
    int located = 0;
    (void)state;
    all = client_get_json(&daemon_, "/v1/places", 200);
    stated = client_get_json(&daemon_, "/v1/places?background=false", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(all, "data")),
                     cJSON_GetArraySize(cJSON_GetObjectItem(stated, "data")));
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(all, "data")) located +=
        cJSON_IsObject(cJSON_GetObjectItem(r, "coordinates"));
    assert_true(located > 0);
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(stated, "data"))
    {
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "coordinates")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(r, "other_names")));
    }
    one = client_get_json(&daemon_, "/v1/places/awaza?background=false", 200);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(one, "data"), "coordinates")));
    cJSON_Delete(all);
    cJSON_Delete(stated);
    cJSON_Delete(one);
    client_expect_problem(&daemon_, "/v1/places?background=maybe", 400, "invalid_parameter",
                          "background");
    client_expect_problem(&daemon_, "/v1/evidence/x?background=false", 400, "unknown_parameter",
                          "background");
}

static void etag_on_parameterised_urls(void **state)
{
    static const char *const targets[] = {"/v1/events?actor=united-states&fields=id",
                                          "/v1/actors?format=csv&limit=2",
                                          "/v1/places/awaza?include=events", NULL};
    static const char *const variants[] = {"/v1/events?actor=united-states&fields=id,title",
                                           "/v1/actors?format=csv&limit=3",
                                           "/v1/places/awaza?include=actors", NULL};
    (void)state;
    for (size_t i = 0; targets[i]; i++) {
        struct reply r;
        char etag[128], line[200];
        const char *headers[] = {line, NULL};
        assert_int_equal(client_get(&daemon_, targets[i], &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(reply_header_str(&r, "ETag"));
        snprintf(etag, sizeof(etag), "%s", reply_header_str(&r, "ETag"));
        reply_release(&r);
        snprintf(line, sizeof(line), "If-None-Match: %s", etag);
        assert_int_equal(client_request(&daemon_, "GET", targets[i], headers, &r), 0);
        assert_int_equal(r.status, 304);
        assert_int_equal(r.body.len, 0);
        reply_release(&r);
        /* a different query is a different representation */
        assert_int_equal(client_get(&daemon_, variants[i], &r), 0);
        assert_string_not_equal(reply_header_str(&r, "ETag"), etag);
        reply_release(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collections_default_order_and_envelope),
        cmocka_unit_test(items_and_not_found),
        cmocka_unit_test(sort_breaks_ties_by_id_both_directions),
        cmocka_unit_test(prev_of_a_short_offset_is_the_first_page),
        cmocka_unit_test(sub_collections),
        cmocka_unit_test(unknown_parameter_names_the_route),
        cmocka_unit_test(paging_and_links),
        cmocka_unit_test(filters_and_queries),
        cmocka_unit_test(every_filter_good_and_bad),
        cmocka_unit_test(relation_ids_are_slugs),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(csv_representation),
        cmocka_unit_test(ndjson_representation),
        cmocka_unit_test(geojson_representation),
        cmocka_unit_test(etag_on_parameterised_urls),
        cmocka_unit_test(background_false_strips_the_lane),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
