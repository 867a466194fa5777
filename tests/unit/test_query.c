/*
 * Unit tests for query.c: every parameter a collection takes, every way it
 * can be wrong (with the problem code, parameter and reason the client
 * gets). The generic helpers are tested in test_params.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "error.h"
#include "query.h"
#include "store.h"

#include "fake_request.h"
#include "fixture.h"
#include "params.h"

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

/* Parse query for collection; returns the rc and leaves q/problem for checks. */
static int parse(const char *collection, const char *query, unsigned flags, struct query *q,
                 struct problem *problem, struct fake *f)
{
    struct query_ids ids = api_query_ids(store);

    fake_init(f, query);
    memset(problem, 0, sizeof(*problem));
    return query_parse(q, catalog_find(collection), &f->req, flags, &ids, problem);
}

/* Expect query to be refused with code, naming parameter, reason containing text. */
static void refused(const char *collection, const char *query, unsigned flags,
                    enum problem_code code, const char *parameter, const char *text)
{
    struct query q;
    struct problem problem;
    struct fake f;
    int rc = parse(collection, query, flags, &q, &problem, &f);
    if (rc != STRATA_EINVAL)
        fail_msg("%s?%s was accepted", collection, query);
    assert_int_equal(problem.code, code);
    assert_true(problem.error_count >= 1);
    assert_string_equal(problem.errors[0].parameter, parameter);
    if (!strstr(problem.errors[0].reason, text))
        fail_msg("%s?%s: reason '%s' lacks '%s'", collection, query, problem.errors[0].reason,
                 text);
    assert_non_null(strstr(problem.detail, parameter));
}

static void accepted(const char *collection, const char *query, unsigned flags, struct query *q)
{
    struct problem problem;
    static struct fake f; /* values point into it */
    int rc = parse(collection, query, flags, q, &problem, &f);
    if (rc != 0)
        fail_msg("%s?%s refused: %s", collection, query, problem.detail);
}

static void defaults(void **state)
{
    struct query q;
    (void)state;
    accepted("actors", "", QUERY_PAGED, &q);
    assert_int_equal(q.limit, QUERY_LIMIT_DEFAULT);
    assert_int_equal(q.offset, 0);
    assert_int_equal(q.filter_count, 0);
    assert_int_equal(q.sort_count, 0);
    assert_int_equal(q.field_count, 0);
    assert_null(q.text);
    assert_true(query_keeps_field(&q, "anything"));
    query_release(&q);
    /* format and pretty belong to the HTTP core: accepted everywhere, ignored */
    accepted("actors", "format=csv&pretty=true&format=json", QUERY_PAGED, &q);
    query_release(&q);
    accepted("actors", "fields=id", 0, &q);
    query_release(&q);
    query_release(NULL);
}

static void filters_or_and(void **state)
{
    struct query q;
    (void)state;
    accepted("actors", "kind=state,person&kind=collective&explicit=true", QUERY_PAGED, &q);
    assert_int_equal(q.filter_count, 2);
    assert_string_equal(q.filters[0].filter->name, "kind");
    assert_int_equal(q.filters[0].value_count, 3);
    assert_string_equal(q.filters[0].values[2], "collective");
    assert_string_equal(q.filters[1].filter->name, "explicit");
    query_release(&q);
    accepted("events", "actor=united-states&layer=layer-us&place=tashkent&type=conference",
             QUERY_PAGED, &q);
    assert_int_equal(q.filter_count, 4);
    query_release(&q);
    accepted("layers", "ordinal=1,2", QUERY_PAGED, &q);
    query_release(&q);
    accepted("evidence", "record=awaza,layer-us&paragraph=3&record_type=actors", QUERY_PAGED, &q);
    query_release(&q);
    accepted("relations", "record=xi-jinping&type=proposed_by,about&derived=false", QUERY_PAGED,
             &q);
    query_release(&q);
    accepted("claims", "about=taliban&certainty=possible", QUERY_PAGED, &q);
    query_release(&q);
}

static void bad_filters(void **state)
{
    struct query q;
    (void)state;
    refused("actors", "kind=bogus", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "kind",
            "must be one of: state, person");
    refused("actors", "kind=", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "kind", "empty item");
    refused("actors", "kind=state,,person", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "kind",
            "empty item");
    refused("actors", "explicit=yes", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "explicit",
            "true or false");
    refused("layers", "ordinal=5", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "ordinal",
            "from 1 to 4");
    refused("layers", "ordinal=01", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "ordinal",
            "whole number");
    refused("evidence", "paragraph=0", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "paragraph",
            "whole number");
    refused("actors", "id=Bad_Id", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id", "record id");
    refused("actors", "id=-a", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id", "record id");
    /* ids are slugs: single hyphens only (derived relation ids too) */
    refused("relations", "id=xi-jinping--official-of--china", QUERY_PAGED,
            PROBLEM_INVALID_PARAMETER, "id", "joined by single hyphens");
    accepted("relations", "id=xi-jinping-official-of-china", QUERY_PAGED, &q);
    query_release(&q);
    /* an evidence span's id can never match a filter on edges, claims or supported records */
    refused("actors", "related=awaza-meeting-e1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "related",
            "names a record of evidence; expected the id of one of: actors, organizations, places, "
            "events, layers, threats, claims, relations");
    refused("claims", "about=awaza-meeting-e1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "about",
            "names a record of evidence");
    refused("evidence", "record=awaza-meeting-e1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "record",
            "names a record of evidence");
    refused("relations", "source=us-cooperates-five", QUERY_PAGED, PROBLEM_INVALID_PARAMETER,
            "source", "names a record of relations");
    refused("evidence", "record_type=evidence", QUERY_PAGED, PROBLEM_INVALID_PARAMETER,
            "record_type", "must be one of: actors");
    refused("relations", "source_type=relations", QUERY_PAGED, PROBLEM_INVALID_PARAMETER,
            "source_type", "must be one of: actors");
    accepted("relations", "target=us-cooperates-five&target_type=relations&record=china",
             QUERY_PAGED, &q);
    query_release(&q);
    /* id= validates like every id filter: unknown, or a record of another collection */
    refused("actors", "id=nobody", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id",
            "no record has this id; expected the id of one of: actors");
    refused("actors", "id=china,sco", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id",
            "names a record of organizations; expected the id of one of: actors");
    refused("evidence", "id=awaza", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id",
            "names a record of places; expected the id of one of: evidence");
    refused("relations", "id=awaza-meeting-e1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "id",
            "names a record of evidence; expected the id of one of: relations");
    refused("events", "actor=nobody", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "actor",
            "no record has this id");
    refused("events", "actor=sco", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "actor",
            "names a record of organizations");
    refused("events", "place=china", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "place",
            "expected the id of one of: places");
    refused("relations", "type=likes", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "type",
            "must be one of");
}

static void too_many_values(void **state)
{
    char query[2048];
    size_t len = 0;
    (void)state;
    for (int i = 0; i <= QUERY_MAX_VALUES; i++)
        len += (size_t)snprintf(query + len, sizeof(query) - len, "%sstate", i ? "," : "kind=");
    refused("actors", query, QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "kind", "at most");
}

static void unknown_parameters(void **state)
{
    struct query q;
    struct problem problem;
    struct fake f;
    struct query_ids ids = api_query_ids(store);
    (void)state;
    refused("actors", "colour=red", QUERY_PAGED, PROBLEM_UNKNOWN_PARAMETER, "colour",
            "not a parameter of /v1/actors; allowed: id, kind");
    /* from/to only on events; sort/limit/offset only when paged; q unless NO_TEXT */
    refused("actors", "from=2021", QUERY_PAGED, PROBLEM_UNKNOWN_PARAMETER, "from", "allowed");
    refused("events", "limit=5", 0, PROBLEM_UNKNOWN_PARAMETER, "limit", "allowed");
    refused("events", "sort=date", 0, PROBLEM_UNKNOWN_PARAMETER, "sort", "allowed");
    refused("actors", "q=x", QUERY_NO_TEXT, PROBLEM_UNKNOWN_PARAMETER, "q", "allowed");
    /* every mistake is reported, the first sets the code */
    assert_int_equal(
        parse("actors", "colour=red&kind=bogus&limit=0&shape=x", QUERY_PAGED, &q, &problem, &f),
        STRATA_EINVAL);
    assert_int_equal(problem.code, PROBLEM_UNKNOWN_PARAMETER);
    assert_int_equal(problem.error_count, 4);
    assert_string_equal(problem.errors[1].parameter, "kind");
    assert_string_equal(problem.errors[2].parameter, "limit");
    assert_string_equal(problem.errors[3].parameter, "shape");
    assert_string_equal(problem.errors[3].value, "x");
    query_release(&q);
    /* a route that takes another route's parameters names itself */
    fake_init(&f, "colour=red");
    memset(&problem, 0, sizeof(problem));
    assert_int_equal(
        query_parse_route(&q, catalog_find("events"), &f.req, "/v1/timeline", 0, &ids, &problem),
        STRATA_EINVAL);
    assert_string_equal(problem.errors[0].parameter, "colour");
    assert_non_null(strstr(problem.errors[0].reason, "not a parameter of /v1/timeline; allowed:"));
    assert_null(strstr(problem.errors[0].reason, "/v1/events"));
    /* NULL: the collection's own path */
    memset(&problem, 0, sizeof(problem));
    assert_int_equal(query_parse_route(&q, catalog_find("events"), &f.req, NULL, 0, &ids, &problem),
                     STRATA_EINVAL);
    assert_non_null(strstr(problem.errors[0].reason, "not a parameter of /v1/events;"));
}

static void paging(void **state)
{
    struct query q;
    (void)state;
    accepted("actors", "limit=500&offset=7", QUERY_PAGED, &q);
    assert_int_equal(q.limit, 500);
    assert_int_equal(q.offset, 7);
    query_release(&q);
    accepted("actors", "limit=1&offset=0", QUERY_PAGED, &q);
    query_release(&q);
    const char *bad_limits[] = {
        "0", "501", "abc", "-1", "1.5", "", " 5", "5 ", "99999999999999999999", NULL};
    for (size_t i = 0; bad_limits[i]; i++) {
        char query[64];
        snprintf(query, sizeof(query), "limit=%s", bad_limits[i]);
        refused("actors", query, QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "limit", "from 1 to 500");
    }
    refused("actors", "offset=-1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "offset",
            "whole number");
    refused("actors", "offset=100000001", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "offset",
            "whole number");
    refused("actors", "limit=5&limit=6", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "limit",
            "more than once");
}

static void text(void **state)
{
    struct query q;
    char query[QUERY_TEXT_MAX + 16];
    (void)state;
    /* plain by default: every word is text, the last one a prefix too */
    accepted("actors", "q=taliban OR china", QUERY_PAGED, &q);
    assert_string_equal(q.text, "\"taliban\" AND \"OR\" AND \"china\"*");
    assert_string_equal(q.text_input, "taliban OR china");
    assert_int_equal(q.text_mode, SEARCH_MODE_PLAIN);
    query_release(&q);
    assert_null(q.text_expression);
    accepted("actors", "q_mode=raw&q=taliban OR china", QUERY_PAGED, &q);
    assert_string_equal(q.text, "taliban OR china");
    assert_int_equal(q.text_mode, SEARCH_MODE_RAW);
    query_release(&q);
    accepted("actors", "q_mode=plain", QUERY_PAGED, &q);
    assert_null(q.text);
    query_release(&q);
    refused("actors", "q=", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q", "not be blank");
    refused("actors", "q=   ", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q", "not be blank");
    refused("actors", "q=-- ...", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q",
            "no letter or digit");
    refused("actors", "q=a&q_mode=fts5", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q_mode",
            "plain, raw");
    refused("actors", "q=a&q_mode=raw&q_mode=raw", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q_mode",
            "more than once");
    refused("actors", "q_mode=raw", QUERY_NO_TEXT, PROBLEM_UNKNOWN_PARAMETER, "q_mode", "allowed");
    refused("actors", "q=a&q=b", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q", "more than once");
    memset(query, 'a', sizeof(query));
    memcpy(query, "q=", 2);
    query[sizeof(query) - 1] = '\0';
    refused("actors", query, QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "q", "at most");
}

static void limit_all_and_bom(void **state)
{
    struct query q;
    (void)state;
    accepted("actors", "limit=all&offset=3", QUERY_PAGED, &q);
    assert_true(q.all);
    assert_int_equal(q.limit, 0);
    assert_int_equal(q.offset, 3);
    assert_false(q.bom);
    query_release(&q);
    accepted("actors", "limit=10&bom=true", QUERY_PAGED, &q);
    assert_false(q.all);
    assert_int_equal(q.limit, 10);
    assert_true(q.bom);
    query_release(&q);
    accepted("actors", "bom=false", QUERY_PAGED, &q);
    assert_false(q.bom);
    query_release(&q);
    refused("actors", "limit=ALL", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "limit", "or all");
    refused("actors", "limit=0", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "limit", "from 1 to 500");
    refused("actors", "limit=all&limit=all", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "limit",
            "more than once");
    refused("actors", "bom=1", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "bom", "true or false");
    refused("actors", "bom=true", 0, PROBLEM_UNKNOWN_PARAMETER, "bom", "allowed");
    refused("actors", "limit=all", 0, PROBLEM_UNKNOWN_PARAMETER, "limit", "allowed");
}

static void date_mode(void **state)
{
    struct query q;
    (void)state;
    accepted("events", "from=2021-07&to=2021-07", QUERY_PAGED, &q);
    assert_false(q.date_within);
    query_release(&q);
    accepted("events", "from=2021-07&date_mode=within", QUERY_PAGED, &q);
    assert_true(q.date_within);
    query_release(&q);
    accepted("events", "date_mode=overlap", QUERY_PAGED, &q);
    assert_false(q.date_within);
    query_release(&q);
    refused("events", "date_mode=inside", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "date_mode",
            "overlap, within");
    refused("actors", "date_mode=within", QUERY_PAGED, PROBLEM_UNKNOWN_PARAMETER, "date_mode",
            "allowed");
}

static void sorting(void **state)
{
    struct query q;
    (void)state;
    accepted("events", "sort=-date,title", QUERY_PAGED, &q);
    assert_int_equal(q.sort_count, 2);
    assert_string_equal(q.sorts[0].sort->name, "date");
    assert_true(q.sorts[0].descending);
    assert_false(q.sorts[1].descending);
    query_release(&q);
    refused("events", "sort=colour", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "sort",
            "unknown sort key 'colour'; allowed: date, end, title");
    refused("events", "sort=date,-date", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "sort",
            "given twice");
    refused("events", "sort=-", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "sort",
            "unknown sort key ''");
    refused("events", "sort=", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "sort", "empty item");
}

static void fields_and_include(void **state)
{
    struct query q;
    (void)state;
    accepted("actors", "fields=id,name,id&include=events,evidence,events", QUERY_PAGED, &q);
    assert_int_equal(q.field_count, 2);
    assert_true(query_keeps_field(&q, "name"));
    assert_false(query_keeps_field(&q, "kind"));
    assert_int_equal(q.include_count, 2);
    assert_string_equal(q.includes[1]->name, "evidence");
    query_release(&q);
    refused("actors", "fields=id,colour", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "fields",
            "like the CSV columns); allowed: id, name");
    /* dotted names of object fields: the CSV columns */
    accepted("events", "fields=id,date.start,date.end", QUERY_PAGED, &q);
    assert_int_equal(q.field_count, 2);
    assert_true(query_keeps_key(&q, "date", "start"));
    assert_true(query_keeps_key(&q, "date", "end"));
    assert_false(query_keeps_key(&q, "date", "precision"));
    assert_false(query_keeps_key(&q, "place", "x"));
    query_release(&q);
    accepted("events", "fields=date.start,date", QUERY_PAGED, &q);
    assert_true(query_keeps_key(&q, "date", "precision"));
    query_release(&q);
    accepted("events", "", QUERY_PAGED, &q);
    assert_true(query_keeps_key(&q, "date", "precision"));
    query_release(&q);
    refused("events", "fields=date.nope", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "fields",
            "unknown field 'date.nope'");
    refused("events", "fields=id.x", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "fields",
            "unknown field 'id.x'");
    refused("actors", "include=friends", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "include",
            "unknown collection 'friends'");
}

static void dates(void **state)
{
    struct query q;
    (void)state;
    accepted("events", "from=2021&to=2021-02", QUERY_PAGED, &q);
    assert_string_equal(q.from, "2021-01-01");
    assert_string_equal(q.to, "2021-02-28");
    query_release(&q);
    accepted("events", "from=2020-02&to=2020-02", QUERY_PAGED, &q);
    assert_string_equal(q.from, "2020-02-01");
    assert_string_equal(q.to, "2020-02-29");
    query_release(&q);
    accepted("events", "from=2021-07-20&to=2021-07-20", QUERY_PAGED, &q);
    query_release(&q);
    const char *bad[] = {"2021-02-30", "2021-13", "21-01-01", "2021/01/01", "2021-1-1",
                         "0000",       "x",       "2021-00",  "2021-01-32", NULL};
    for (size_t i = 0; bad[i]; i++) {
        char query[64];
        snprintf(query, sizeof(query), "from=%s", bad[i]);
        refused("events", query, QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "from",
                "YYYY-MM-DD, YYYY-MM or YYYY");
    }
    refused("events", "from=2021-08&to=2021-07", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "to",
            "must not end before from");
    refused("events", "to=2021&to=2022", QUERY_PAGED, PROBLEM_INVALID_PARAMETER, "to",
            "more than once");
}

static void added_filters(void **state)
{
    struct query q;
    (void)state;
    query_init(&q, catalog_find("events"));
    assert_int_equal(query_add_filter(&q, "actor", "china"), 0);
    assert_int_equal(q.filter_count, 1);
    assert_int_equal(query_add_filter(&q, "colour", "red"), STRATA_EINVAL);
    assert_int_equal(query_add_filter(&q, "actor", NULL), STRATA_EINVAL);
    query_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(filters_or_and),
        cmocka_unit_test(bad_filters),
        cmocka_unit_test(too_many_values),
        cmocka_unit_test(unknown_parameters),
        cmocka_unit_test(paging),
        cmocka_unit_test(text),
        cmocka_unit_test(limit_all_and_bom),
        cmocka_unit_test(date_mode),
        cmocka_unit_test(sorting),
        cmocka_unit_test(fields_and_include),
        cmocka_unit_test(dates),
        cmocka_unit_test(added_filters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
