/*
 * What an analyst types and asks for, over HTTP against the real daemon
 * serving the bundled model (data/): plain search on /v1/search and on
 * collections' q= (apostrophes, hyphens, dots, phrases, the last word as a
 * prefix), the FTS5 language behind q_mode=raw with problems in Strata's own
 * words (never SQLite's).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "client.h"

static struct daemon_proc daemon_;

static int start(void **state)
{
    (void)state;
    return client_start(&daemon_, NULL);
}

static int stop(void **state)
{
    (void)state;
    return client_stop(&daemon_, SIGTERM, 10) == 0 ? 0 : -1;
}

/* The problem at target: its code, the first error's parameter, and no SQLite text in it. */
static cJSON *expect_problem(const char *target, long status, const char *code,
                             const char *parameter)
{
    struct reply r;
    cJSON *doc, *error;

    assert_int_equal(client_get(&daemon_, target, &r), 0);
    if (r.status != status)
        fail_msg("GET %s: %ld, expected %ld: %s", target, r.status, status, buf_str(&r.body));
    assert_string_equal(reply_header_str(&r, "Content-Type"),
                        "application/problem+json; charset=utf-8");
    for (const char *const *word =
             (const char *const[]){"fts5:", "syntax error", "no such column", "sqlite", NULL};
         *word; word++)
        if (strcasestr(buf_str(&r.body), *word))
            fail_msg("GET %s: the problem shows SQLite's text (%s): %s", target, *word,
                     buf_str(&r.body));
    doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
    reply_release(&r);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, code);
    error = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
    assert_non_null(error);
    assert_string_equal(cJSON_GetObjectItem(error, "parameter")->valuestring, parameter);
    return doc;
}

/* True when some hit of a /v1/search answer is (type, id). */
static bool has_hit(const cJSON *doc, const char *type, const char *id)
{
    const cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(doc, "data"))
    {
        if (strcmp(cJSON_GetObjectItem(hit, "type")->valuestring, type) == 0 &&
            strcmp(cJSON_GetObjectItem(hit, "id")->valuestring, id) == 0)
            return true;
    }
    return false;
}

/* GET a search, 200; fails unless some hit is (type, id); returns meta.total. */
static double search_finds(const char *target, const char *type, const char *id)
{
    cJSON *doc = client_get_json(&daemon_, target, 200);
    double total = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valuedouble;

    if (!has_hit(doc, type, id))
        fail_msg("GET %s: no hit %s/%s among %g", target, type, id, total);
    cJSON_Delete(doc);
    return total;
}

/* What people type is text: apostrophes, hyphens and dots included. */
static void plain_search_takes_what_people_type(void **state)
{
    cJSON *doc, *meta;

    (void)state;
    search_finds("/v1/search?q=Taliban's&limit=500", "actors", "taliban");
    search_finds("/v1/search?q=Taliban%E2%80%99s&limit=500", "actors", "taliban");
    search_finds("/v1/search?q=al-qaeda", "actors", "al-qaeda");
    search_finds("/v1/search?q=AL-QAEDA", "actors", "al-qaeda");
    search_finds("/v1/search?q=U.S.&limit=500", "actors", "united-states");
    /* the last word matches as a prefix: typing finds Uzbekistan */
    search_finds("/v1/search?q=Uzbek&limit=500", "actors", "uzbekistan");
    search_finds("/v1/search?q=Tashkent+Uzbek&limit=500", "places", "tashkent");
    /* a quoted phrase stays a phrase; an unclosed quote is forgiven */
    search_finds("/v1/search?q=%22first+layer%22", "layers", "layer-1-internal-unity");
    search_finds("/v1/search?q=%22first+layer", "layers", "layer-1-internal-unity");
    /* FTS5's operators are words: none of these is a 400 */
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=Russia+AND", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=NOT+Russia", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=(Russia", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=label:Russia", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=NEAR(a+b)", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/search?q=*", 400));
    /* meta says how q was read */
    doc = client_get_json(&daemon_, "/v1/search?q=al-qaeda", 200);
    meta = cJSON_GetObjectItem(doc, "meta");
    assert_string_equal(cJSON_GetObjectItem(meta, "q")->valuestring, "al-qaeda");
    assert_string_equal(cJSON_GetObjectItem(meta, "q_mode")->valuestring, "plain");
    assert_string_equal(cJSON_GetObjectItem(meta, "expression")->valuestring, "\"al-qaeda\"*");
    cJSON_Delete(doc);
    /* a one-letter last word is no prefix (the cost bound): an exact token only */
    doc = client_get_json(&daemon_, "/v1/search?q=Russia+a", 200);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "expression")->valuestring,
        "\"Russia\" AND \"a\"");
    cJSON_Delete(doc);
    cJSON_Delete(expect_problem("/v1/search?q=...", 400, "invalid_parameter", "q"));
    cJSON_Delete(expect_problem("/v1/search?q=%20", 400, "invalid_parameter", "q"));
}

/* The same reading of q on every collection and on the timeline. */
static void plain_search_on_collections(void **state)
{
    cJSON *doc;

    (void)state;
    doc = client_get_json(&daemon_, "/v1/actors?q=al-qaeda&fields=id&limit=500", 200);
    assert_non_null(strstr(client_ids(cJSON_GetObjectItem(doc, "data")), "al-qaeda"));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/actors?q=Uzbek&fields=id&limit=500", 200);
    assert_non_null(strstr(client_ids(cJSON_GetObjectItem(doc, "data")), "uzbekistan"));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/events?q=Taliban's&fields=id&limit=500", 200);
    assert_non_null(strstr(client_ids(cJSON_GetObjectItem(doc, "data")), "taliban-takeover"));
    cJSON_Delete(doc);
    cJSON_Delete(client_get_json(&daemon_, "/v1/evidence?q=U.S.&limit=1", 200));
    cJSON_Delete(client_get_json(&daemon_, "/v1/timeline?q=Taliban's", 200));
    cJSON_Delete(expect_problem("/v1/actors?q=%22%22", 400, "invalid_parameter", "q"));
    cJSON_Delete(expect_problem("/v1/actors?q=x&q_mode=fts", 400, "invalid_parameter", "q_mode"));
    cJSON_Delete(
        expect_problem("/v1/actors/russia?q_mode=raw", 400, "unknown_parameter", "q_mode"));
}

/* q_mode=raw: FTS5's language, and an invalid expression explained in our words. */
static void raw_search_mode(void **state)
{
    cJSON *doc;
    const char *detail;

    (void)state;
    search_finds("/v1/search?q=russia+OR+china&q_mode=raw&limit=500", "actors", "china");
    search_finds("/v1/search?q=uzbek*&q_mode=raw&limit=500", "actors", "uzbekistan");
    doc = client_get_json(&daemon_, "/v1/search?q=russia+NOT+china&q_mode=raw&limit=500", 200);
    assert_false(has_hit(doc, "actors", "china"));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "q_mode")->valuestring, "raw");
    cJSON_Delete(doc);
    doc = expect_problem("/v1/search?q=al-qaeda&q_mode=raw", 400, "invalid_query", "q");
    detail = cJSON_GetObjectItem(doc, "detail")->valuestring;
    assert_non_null(strstr(detail, "'qaeda:' is not a column"));
    cJSON_Delete(doc);
    doc = expect_problem("/v1/search?q=Taliban's&q_mode=raw", 400, "invalid_query", "q");
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, "unexpected '''"));
    cJSON_Delete(doc);
    cJSON_Delete(expect_problem("/v1/search?q=russia+AND&q_mode=raw", 400, "invalid_query", "q"));
    cJSON_Delete(expect_problem("/v1/actors?q=%22open&q_mode=raw", 400, "invalid_query", "q"));
    cJSON_Delete(expect_problem("/v1/events?q=(a&q_mode=raw", 400, "invalid_query", "q"));
    cJSON_Delete(expect_problem("/v1/search?q=x&q_mode=raw&q_mode=plain", 400, "invalid_parameter",
                                "q_mode"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_search_takes_what_people_type),
        cmocka_unit_test(plain_search_on_collections),
        cmocka_unit_test(raw_search_mode),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
