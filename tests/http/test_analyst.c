/*
 * What an analyst types and asks for, over HTTP against the real daemon
 * serving the bundled model (data/): plain search on /v1/search and on
 * collections' q= (apostrophes, hyphens, dots, phrases, the last word as a
 * prefix), the FTS5 language behind q_mode=raw with problems in Strata's own
 * words (never SQLite's); limit=all exports (every row in CSV, NDJSON and
 * JSON, chunked, never cached, a file name and an optional BOM for CSV,
 * keep-alive kept, --max-export-rows refused before the stream starts,
 * --export-timeout cutting a slow reader's stream on a generated model).
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
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"

/* the largest page (QUERY_LIMIT_MAX); the evidence export must hold more than 200 */
#define QUERY_PAGE_MAX_FOR_TEST 200

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
    cJSON *doc = client_get_problem(&daemon_, target, status, code, parameter);
    char *text = cJSON_PrintUnformatted(doc);

    assert_non_null(parameter);
    for (const char *const *word =
             (const char *const[]){"fts5:", "syntax error", "no such column", "sqlite", NULL};
         *word; word++)
        if (strcasestr(text, *word))
            fail_msg("GET %s: the problem shows SQLite's text (%s): %s", target, *word, text);
    free(text);
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

/* Lines of text (each ended by \n). */
static size_t lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* GET target, 200; the reply (caller releases) and X-Total-Count. */
static long long get_export(const char *target, struct reply *r)
{
    const char *total;

    assert_int_equal(client_get(&daemon_, target, r), 0);
    if (r->status != 200)
        fail_msg("GET %s: %ld: %s", target, r->status, buf_str(&r->body));
    assert_string_equal(reply_header_str(r, "Transfer-Encoding"), "chunked");
    assert_string_equal(reply_header_str(r, "Cache-Control"), "no-store");
    assert_null(reply_header_str(r, "ETag"));
    total = reply_header_str(r, "X-Total-Count");
    assert_non_null(total);
    return strtoll(total, NULL, 10);
}

/* limit=all: every row, in each representation, more than the largest page. */
static void exports_hold_every_row(void **state)
{
    struct reply r;
    long long total;
    cJSON *doc, *meta;

    (void)state;
    total = get_export("/v1/evidence?limit=all&format=csv", &r);
    assert_true(total > QUERY_PAGE_MAX_FOR_TEST);
    assert_int_equal(lines(buf_str(&r.body)), total + 1); /* the header row */
    assert_int_equal(strncmp(buf_str(&r.body), "id,", 3), 0);
    assert_string_equal(reply_header_str(&r, "Content-Disposition"),
                        "attachment; filename=\"evidence.csv\"");
    reply_release(&r);
    total = get_export("/v1/evidence?limit=all&format=csv&bom=true", &r);
    assert_int_equal(memcmp(buf_str(&r.body), "\xef\xbb\xbfid,", 6), 0);
    assert_int_equal(lines(buf_str(&r.body)), total + 1);
    reply_release(&r);
    total = get_export("/v1/evidence?limit=all&format=ndjson", &r);
    assert_int_equal(lines(buf_str(&r.body)), total);
    assert_null(reply_header_str(&r, "Content-Disposition"));
    reply_release(&r);
    for (int pretty = 0; pretty < 2; pretty++) {
        total = get_export(pretty ? "/v1/evidence?limit=all&pretty=true" : "/v1/evidence?limit=all",
                           &r);
        doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
        assert_non_null(doc);
        meta = cJSON_GetObjectItem(doc, "meta");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")), total);
        assert_int_equal(cJSON_GetObjectItem(meta, "total")->valuedouble, total);
        assert_int_equal(cJSON_GetObjectItem(meta, "count")->valuedouble, total);
        assert_string_equal(cJSON_GetObjectItem(meta, "limit")->valuestring, "all");
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "next")));
        cJSON_Delete(doc);
        reply_release(&r);
    }
    /* the same rows as the pages, in the same order; filters, offset and sub-collections */
    doc = client_get_json(&daemon_, "/v1/evidence?record=russia&limit=500&offset=2&fields=id", 200);
    {
        char ids[8192];
        snprintf(ids, sizeof(ids), "%s", client_ids(cJSON_GetObjectItem(doc, "data")));
        cJSON_Delete(doc);
        doc = client_get_json(&daemon_, "/v1/evidence?record=russia&limit=all&offset=2&fields=id",
                              200);
        assert_string_equal(client_ids(cJSON_GetObjectItem(doc, "data")), ids);
        cJSON_Delete(doc);
    }
    get_export("/v1/actors/russia/events?limit=all&format=csv", &r);
    assert_string_equal(reply_header_str(&r, "Content-Disposition"),
                        "attachment; filename=\"russia-events.csv\"");
    reply_release(&r);
    /* an empty export is still a whole document */
    total = get_export("/v1/events?q=nothingmatchesthis&limit=all", &r);
    assert_int_equal(total, 0);
    doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")), 0);
    cJSON_Delete(doc);
    reply_release(&r);
    /* HEAD: the headers only */
    assert_int_equal(client_request(&daemon_, "HEAD", "/v1/evidence?limit=all", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    reply_release(&r);
}

static void export_problems(void **state)
{
    (void)state;
    cJSON_Delete(
        expect_problem("/v1/places?limit=all&format=geojson", 400, "invalid_parameter", "limit"));
    cJSON_Delete(expect_problem("/v1/actors?limit=al", 400, "invalid_parameter", "limit"));
    cJSON_Delete(expect_problem("/v1/actors?limit=all&bom=true", 400, "invalid_parameter", "bom"));
    cJSON_Delete(expect_problem("/v1/actors?format=csv&bom=yes", 400, "invalid_parameter", "bom"));
    cJSON_Delete(expect_problem("/v1/timeline?limit=all", 400, "unknown_parameter", "limit"));
    cJSON_Delete(
        expect_problem("/v1/events?limit=all&q=a&q_mode=raw&q=b", 400, "invalid_parameter", "q"));
    /* bom=true on a page of CSV too */
    {
        struct reply r;
        assert_int_equal(client_get(&daemon_, "/v1/actors?format=csv&bom=true&limit=2", &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(memcmp(buf_str(&r.body), "\xef\xbb\xbfid,", 6), 0);
        reply_release(&r);
    }
}

/* Two exports and a page on one connection: a streamed answer keeps keep-alive. */
static void exports_keep_the_connection(void **state)
{
    static const char *const paths[] = {"/v1/evidence?limit=all&format=csv", "/v1/actors?limit=all",
                                        "/v1/actors?limit=1"};
    CURL *curl = curl_easy_init();
    struct buf body;
    char url[256];
    long connects = 0, total = 0;

    (void)state;
    buf_init(&body, 0);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, client_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        long status = 0;
        snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", daemon_.port, paths[i]);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        buf_reset(&body);
        assert_int_equal(curl_easy_perform(curl), CURLE_OK);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 200);
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
        total += connects;
    }
    assert_int_equal(total, 1); /* one connection opened, then reused */
    buf_release(&body);
    curl_easy_cleanup(curl);
}

/*
 * --max-export-rows: a larger export is a 400 before anything is streamed;
 * --max-response-bytes bounds buffered answers, not a stream.
 */
static void export_row_budget(void **state)
{
    const char *args[] = {"--max-export-rows", "20", "--max-response-bytes", "16384", NULL};
    struct daemon_proc small;
    cJSON *doc;
    struct reply r;

    (void)state;
    assert_int_equal(client_start(&small, args), 0);
    doc = client_get_json(&small, "/v1/evidence?limit=all", 400);
    assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, "invalid_parameter");
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, "--max-export-rows"));
    cJSON_Delete(doc);
    assert_int_equal(client_get(&small, "/v1/layers?limit=all&format=ndjson", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(lines(buf_str(&r.body)), 4);
    reply_release(&r);
    /* ten actors with their related lists: too large as a page, fine as a stream */
    assert_int_equal(client_get(&small, "/v1/actors?limit=10", &r), 0);
    assert_true(r.status >= 400 && r.status < 500);
    reply_release(&r);
    assert_int_equal(client_get(&small, "/v1/actors?limit=all&format=ndjson&kind=state", &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.body.len > 16384);
    assert_int_equal(lines(buf_str(&r.body)),
                     strtoll(reply_header_str(&r, "X-Total-Count"), NULL, 10));
    reply_release(&r);
    assert_int_equal(client_stop(&small, SIGTERM, 10), 0);
}

static struct daemon_proc big;
static char big_dir[] = "/tmp/strata-export-XXXXXX";

static int stop_big(void **state)
{
    char cmd[600];

    (void)state;
    if (big.pid > 0)
        client_stop(&big, SIGKILL, 5);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", big_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A small receive buffer: the server cannot park the whole export in the kernel. */
static int small_window(void *user, curl_socket_t fd, curlsocktype purpose)
{
    int size = 16 * 1024;

    (void)user;
    (void)purpose;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return CURL_SOCKOPT_OK;
}

/* --export-timeout: a stream read too slowly is cut (never ended as if complete). */
static void slow_export_is_cut(void **state)
{
    char cmd[1024], model[600], url[256];
    const char *args[] = {"--data", model, "--export-timeout", "1", "--access-log", "false", NULL};
    struct buf body;
    CURL *curl;
    CURLcode rc;
    double started, seconds;

    (void)state;
    assert_non_null(mkdtemp(big_dir));
    snprintf(model, sizeof(model), "%s/x40", big_dir);
    snprintf(cmd, sizeof(cmd), "python3 %s/tools/gen-model.py --scale 40 --out %s >/dev/null",
             client_root(), model);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(client_start(&big, args), 0);
    curl = curl_easy_init();
    buf_init(&body, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/relations?limit=all", big.port);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, client_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)1024 * 1024);
    curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, small_window);
    started = client_now();
    rc = curl_easy_perform(curl);
    seconds = client_now() - started;
    /*
     * The whole export is about 10 MB: read at 1 MB/s it would take 10 s;
     * cut after 1 s, the client still drains what the kernel buffered.
     */
    assert_int_equal(rc, CURLE_PARTIAL_FILE);
    assert_true(body.len > 0);
    if (seconds > 30 * client_time_scale())
        fail_msg("the stream took %.1f s: it was not cut", seconds);
    printf("test_analyst: a slow export ended incomplete after %.1f s with %zu bytes\n", seconds,
           body.len);
    buf_release(&body);
    curl_easy_cleanup(curl);
    assert_int_equal(client_stop(&big, SIGTERM, 10), 0);
}

/* Every allowed value in the problem (no cut at 255 bytes); pretty's message says what was wrong.
 */
static void problems_list_everything(void **state)
{
    cJSON *doc;
    const char *reason, *detail;

    (void)state;
    doc = expect_problem("/v1/relations?type=xx", 400, "invalid_parameter", "type");
    reason =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "reason")
            ->valuestring;
    detail = cJSON_GetObjectItem(doc, "detail")->valuestring;
    for (const char *const *type = (const char *const[]){"member_of", "participant_in", "about",
                                                         "part_of", "source_of", NULL};
         *type; type++) {
        if (!strstr(reason, *type) || !strstr(detail, *type))
            fail_msg("the problem of type=xx does not list %s: %s", *type, reason);
    }
    assert_null(strstr(reason, "..."));
    cJSON_Delete(doc);
    doc = expect_problem("/v1/actors?pretty=1", 400, "invalid_parameter", "pretty");
    detail = cJSON_GetObjectItem(doc, "detail")->valuestring;
    assert_non_null(strstr(detail, "'1' is not a boolean"));
    assert_null(strstr(detail, "given once"));
    cJSON_Delete(doc);
    doc = expect_problem("/v1/actors?pretty=true&pretty=true", 400, "invalid_parameter", "pretty");
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, "more than once"));
    cJSON_Delete(doc);
    /* the list of parameters of an unknown one is whole too */
    doc = expect_problem("/v1/events?colour=red", 400, "unknown_parameter", "colour");
    reason =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "reason")
            ->valuestring;
    assert_non_null(strstr(reason, "format, pretty"));
    cJSON_Delete(doc);
}

/* Relations carry their ends' labels and their type in words; every label reads as English. */
static void relations_carry_labels(void **state)
{
    cJSON *doc, *relation;
    struct reply r;
    int count = 0;

    (void)state;
    doc = client_get_json(&daemon_, "/v1/relations?limit=all", 200);
    cJSON_ArrayForEach(relation, cJSON_GetObjectItem(doc, "data"))
    {
        const char *source = cJSON_GetObjectItem(relation, "source_label")->valuestring;
        const char *target = cJSON_GetObjectItem(relation, "target_label")->valuestring;
        const char *type = cJSON_GetObjectItem(relation, "type_label")->valuestring;
        assert_true(*source && *target && *type);
        if (strchr(type, '_'))
            fail_msg("%s: type_label '%s' is not words",
                     cJSON_GetObjectItem(relation, "id")->valuestring, type);
        count++;
    }
    assert_true(count > 50);
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/relations/rel-taliban-takeover-of-kabul", 200);
    relation = cJSON_GetObjectItem(doc, "data");
    assert_string_equal(cJSON_GetObjectItem(relation, "source_label")->valuestring, "Taliban");
    assert_string_equal(cJSON_GetObjectItem(relation, "type_label")->valuestring, "took over");
    assert_string_equal(cJSON_GetObjectItem(relation, "target_label")->valuestring, "Kabul");
    cJSON_Delete(doc);
    /* the labels that name a relation elsewhere read as English too */
    doc = client_get_json(&daemon_, "/v1/actors/taliban", 200);
    {
        const cJSON *item;
        bool found = false;
        cJSON_ArrayForEach(
            item,
            cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "related"),
                                "relations"))
        {
            const char *text = cJSON_GetObjectItem(item, "label")->valuestring;
            if (strstr(text, "_"))
                fail_msg("relation label '%s' shows a raw type", text);
            found = found || strcmp(text, "Taliban took over Kabul") == 0;
        }
        assert_true(found);
    }
    cJSON_Delete(doc);
    /* CSV: the labels beside the ids; fields= keeps them */
    assert_int_equal(client_get(&daemon_,
                                "/v1/relations?format=csv&fields=source,source_label,type_label,"
                                "target,target_label&type=cooperates_with&limit=1",
                                &r),
                     0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(buf_str(&r.body), "source,target,source_label,target_label,type_label"));
    assert_non_null(strstr(buf_str(&r.body), ",cooperates with\r\n"));
    reply_release(&r);
}

/* date_mode=within keeps the events lying inside the range; overlap (the default) more. */
static void date_mode_within(void **state)
{
    cJSON *overlap, *within, *event;
    int inside = 0;

    (void)state;
    overlap = client_get_json(&daemon_, "/v1/events?from=2021-07&to=2021-07&limit=500", 200);
    within = client_get_json(&daemon_,
                             "/v1/events?from=2021-07&to=2021-07&date_mode=within&limit=500", 200);
    cJSON_ArrayForEach(event, cJSON_GetObjectItem(within, "data"))
    {
        cJSON *date = cJSON_GetObjectItem(event, "date");
        assert_true(strcmp(cJSON_GetObjectItem(date, "start")->valuestring, "2021-07-01") >= 0);
        assert_true(strcmp(cJSON_GetObjectItem(date, "end")->valuestring, "2021-07-31") <= 0);
        assert_string_not_equal(cJSON_GetObjectItem(date, "precision")->valuestring, "year");
        assert_non_null(strstr(client_ids(cJSON_GetObjectItem(overlap, "data")),
                               cJSON_GetObjectItem(event, "id")->valuestring));
        inside++;
    }
    assert_true(inside > 0);
    /* overlap also has the events dated only by their year */
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(overlap, "data")) > inside);
    cJSON_Delete(overlap);
    cJSON_Delete(within);
    overlap =
        client_get_json(&daemon_, "/v1/events?from=2021-07&to=2021-07&date_mode=overlap", 200);
    cJSON_Delete(overlap);
    cJSON_Delete(client_get_json(&daemon_, "/v1/timeline?from=2021-07&date_mode=within", 200));
    cJSON_Delete(
        expect_problem("/v1/events?date_mode=inside", 400, "invalid_parameter", "date_mode"));
    cJSON_Delete(
        expect_problem("/v1/actors?date_mode=within", 400, "unknown_parameter", "date_mode"));
}

/* A name or alias in place of an id: a 308 to the id (query kept), else the closest ids. */
static void forgiving_ids(void **state)
{
    const char *const moves[][3] = {
        {"GET", "/v1/actors/US", "/v1/actors/united-states"},
        {"HEAD", "/v1/actors/us", "/v1/actors/united-states"},
        {"GET", "/v1/actors/Russia?fields=id", "/v1/actors/russia?fields=id"},
        {"GET", "/v1/actors/putin", "/v1/actors/vladimir-putin"},
        {"GET", "/v1/actors/US/events?limit=2", "/v1/actors/united-states/events?limit=2"},
        {"GET", "/v1/places/KABUL", "/v1/places/kabul"},
    };
    const char *const hints[][3] = {
        {"/v1/events?actor=Russia", "actor", "russia"},
        {"/v1/events?actor=putin", "actor", "vladimir-putin"},
        {"/v1/events?actor=russa", "actor", "russia"},
        {"/v1/events?place=KABUL", "place", "kabul"},
    };
    cJSON *doc;

    (void)state;
    for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        struct reply r;
        char location[512];
        assert_int_equal(client_request(&daemon_, moves[i][0], moves[i][1], NULL, &r), 0);
        if (r.status != 308)
            fail_msg("%s %s: %ld, not 308", moves[i][0], moves[i][1], r.status);
        assert_non_null(reply_header(&r, "Location", location, sizeof(location)));
        assert_string_equal(location, moves[i][2]);
        assert_non_null(strstr(reply_header_str(&r, "Content-Type"), "application/problem+json"));
        if (strcmp(moves[i][0], "GET") == 0)
            assert_non_null(strstr(buf_str(&r.body), "\"moved_permanently\""));
        reply_release(&r);
    }
    /* the redirect's target is the record */
    cJSON_Delete(client_get_json(&daemon_, "/v1/actors/vladimir-putin", 200));
    doc = client_get_problem(&daemon_, "/v1/actors/russa", 404, "not_found", NULL);
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, "did you mean russia"));
    cJSON_Delete(doc);
    doc = client_get_problem(&daemon_, "/v1/actors/xx", 404, "not_found", NULL);
    assert_null(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, "did you mean"));
    cJSON_Delete(doc);
    /* a filter value close to an id says so in its reason */
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        char want[64];
        const char *reason;
        doc = expect_problem(hints[i][0], 400, "invalid_parameter", hints[i][1]);
        reason =
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "reason")
                ->valuestring;
        snprintf(want, sizeof(want), "did you mean %s", hints[i][2]);
        if (!strstr(reason, want))
            fail_msg("GET %s: the reason does not say '%s': %s", hints[i][0], want, reason);
        cJSON_Delete(doc);
    }
}

/* Events as GeoJSON through their place; every Feature's properties are flat. */
static void events_as_geojson(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/v1/events?format=geojson&limit=500", 200);
    cJSON *places = client_get_json(&daemon_, "/v1/places?limit=500", 200);
    const cJSON *f, *p;
    int placed = 0, unplaced = 0;

    (void)state;
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "FeatureCollection");
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "features"))
    {
        const cJSON *props = cJSON_GetObjectItem(f, "properties");
        const cJSON *geometry = cJSON_GetObjectItem(f, "geometry");
        const char *place = cJSON_GetStringValue(cJSON_GetObjectItem(props, "place"));
        const cJSON *at = NULL;
        cJSON_ArrayForEach(p, props)
        {
            assert_false(cJSON_IsObject(p));
        }
        assert_non_null(cJSON_GetObjectItem(props, "date.start"));
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(places, "data"))
        {
            if (place && strcmp(cJSON_GetObjectItem(p, "id")->valuestring, place) == 0)
                at = cJSON_GetObjectItem(p, "coordinates");
        }
        if (at && cJSON_IsObject(at)) {
            const cJSON *xy = cJSON_GetObjectItem(geometry, "coordinates");
            assert_string_equal(cJSON_GetObjectItem(geometry, "type")->valuestring, "Point");
            assert_true(cJSON_GetArrayItem(xy, 0)->valuedouble ==
                        cJSON_GetObjectItem(at, "lon")->valuedouble);
            assert_true(cJSON_GetArrayItem(xy, 1)->valuedouble ==
                        cJSON_GetObjectItem(at, "lat")->valuedouble);
            placed++;
        } else {
            assert_true(cJSON_IsNull(geometry));
            unplaced++;
        }
    }
    assert_true(placed > 0);
    assert_true(unplaced > 0);
    cJSON_Delete(doc);
    cJSON_Delete(places);
    /* fields= without place: the geometry still comes from the place */
    doc = client_get_json(&daemon_, "/v1/events?format=geojson&fields=id&limit=500", 200);
    placed = 0;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(doc, "features"))
    {
        placed += cJSON_IsObject(cJSON_GetObjectItem(f, "geometry"));
    }
    assert_true(placed > 0);
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/actors?format=geojson", 406, "not_acceptable", NULL);
}

/* fields= takes the dotted names of the CSV columns: an object field keeps those keys only. */
static void dotted_fields(void **state)
{
    cJSON *doc, *event;
    struct reply r;

    (void)state;
    doc = client_get_json(&daemon_, "/v1/events?fields=id,date.start&limit=500", 200);
    cJSON_ArrayForEach(event, cJSON_GetObjectItem(doc, "data"))
    {
        cJSON *date = cJSON_GetObjectItem(event, "date");
        assert_int_equal(cJSON_GetArraySize(event), 2);
        if (cJSON_IsObject(date)) {
            assert_int_equal(cJSON_GetArraySize(date), 1);
            assert_non_null(cJSON_GetObjectItem(date, "start"));
        }
    }
    cJSON_Delete(doc);
    /* the whole field wins over its keys, in any order */
    doc = client_get_json(&daemon_, "/v1/events?fields=date.start,id,date&limit=1", 200);
    assert_non_null(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0), "date"),
        "precision"));
    cJSON_Delete(doc);
    assert_int_equal(
        client_get(&daemon_, "/v1/events?fields=id,date.start,date.precision&format=csv", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(strncmp(buf_str(&r.body), "id,date.start,date.precision\r\n", 30), 0);
    reply_release(&r);
    cJSON_Delete(
        expect_problem("/v1/events?fields=id,date.nope", 400, "invalid_parameter", "fields"));
    cJSON_Delete(expect_problem("/v1/events?fields=id.start", 400, "invalid_parameter", "fields"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_search_takes_what_people_type),
        cmocka_unit_test(plain_search_on_collections),
        cmocka_unit_test(raw_search_mode),
        cmocka_unit_test(problems_list_everything),
        cmocka_unit_test(relations_carry_labels),
        cmocka_unit_test(date_mode_within),
        cmocka_unit_test(dotted_fields),
        cmocka_unit_test(forgiving_ids),
        cmocka_unit_test(events_as_geojson),
        cmocka_unit_test(exports_hold_every_row),
        cmocka_unit_test(export_problems),
        cmocka_unit_test(exports_keep_the_connection),
        cmocka_unit_test(export_row_budget),
        cmocka_unit_test_teardown(slow_export_is_cut, stop_big),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
