/*
 * The non-collection /v1 resources over HTTP, against the real daemon
 * serving the valid fixture: the index (every route of the table), the
 * article (offsets that slice the text), search (ranking, snippets, the
 * matched spans located in the article, paging), the timeline, the graph
 * (filters, neighbourhoods, shapes) and the stats, each with its bad inputs.
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
#include "router.h"

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

/* Expect a 400 invalid_parameter whose first reason and detail contain text. */
static void expect_reason(const char *target, const char *text)
{
    cJSON *doc = client_expect_reason(&daemon_, target, "invalid_parameter", text);
    if (strlen(text) < 100 && !strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, text))
        fail_msg("GET %s: detail '%s' lacks '%s'", target,
                 cJSON_GetObjectItem(doc, "detail")->valuestring, text);
    cJSON_Delete(doc);
}

static bool has_id(const cJSON *list, const char *id)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *data = cJSON_GetObjectItem(item, "data");
        const cJSON *v = cJSON_GetObjectItem(data ? data : item, "id");
        if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
            return true;
    }
    return false;
}

static void index_lists_every_route(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/", 200), *routes_list, *links;
    (void)state;
    assert_string_equal(cJSON_GetObjectItem(doc, "service")->valuestring, "strata");
    assert_true(strlen(cJSON_GetObjectItem(doc, "version")->valuestring) > 0);
    assert_int_equal(
        strlen(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "model"), "version")->valuestring), 16);
    routes_list = cJSON_GetObjectItem(doc, "routes");
    assert_int_equal(cJSON_GetArraySize(routes_list), (int)route_count);
    for (size_t i = 0; i < route_count; i++) {
        cJSON *entry = cJSON_GetArrayItem(routes_list, (int)i);
        assert_string_equal(cJSON_GetObjectItem(entry, "href")->valuestring, routes[i].pattern);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(entry, "templated")),
                         strchr(routes[i].pattern, '{') != NULL);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(entry, "formats")),
                         __builtin_popcount(routes[i].representations));
    }
    links = cJSON_GetObjectItem(doc, "links");
    assert_string_equal(cJSON_GetObjectItem(links, "actors")->valuestring, "/v1/actors");
    assert_string_equal(cJSON_GetObjectItem(links, "graph")->valuestring, "/v1/graph");
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/?x=1", 400, "unknown_parameter", "x");
}

/* The code points [start, end) of text, as a new string (static buffer). */
static const char *slice(const char *text, int start, int end)
{
    static char out[4096];
    int chars = 0;
    size_t len = 0;
    for (const char *p = text; *p; p++) {
        bool first = (*p & 0xc0) != 0x80;
        if (first)
            chars++;
        if (chars - 1 >= start && chars - 1 < end && len < sizeof(out) - 1)
            out[len++] = *p;
    }
    out[len] = '\0';
    return out;
}

static void article_with_offsets(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/v1/article", 200),
          *data = cJSON_GetObjectItem(doc, "data"), *p;
    (void)state;
    assert_string_equal(cJSON_GetObjectItem(data, "author")->valuestring, "Jane Doe");
    assert_null(cJSON_GetObjectItem(data, "text"));
    p = cJSON_GetObjectItem(data, "paragraphs");
    assert_int_equal(cJSON_GetArraySize(p), cJSON_GetObjectItem(data, "paragraph_count")->valueint);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 0), "number")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 0), "start")->valueint, 0);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(p, 0), "text"));
    cJSON_Delete(doc);

    doc = client_get_json(&daemon_, "/v1/article?include=text", 200);
    data = cJSON_GetObjectItem(doc, "data");
    p = cJSON_GetObjectItem(data, "paragraphs");
    const char *text = cJSON_GetObjectItem(data, "text")->valuestring;
    const cJSON *para;
    cJSON_ArrayForEach(para, p)
    {
        /* each paragraph's offsets slice its own text out of the article */
        assert_string_equal(slice(text, cJSON_GetObjectItem(para, "start")->valueint,
                                  cJSON_GetObjectItem(para, "end")->valueint),
                            cJSON_GetObjectItem(para, "text")->valuestring);
    }
    assert_non_null(strstr(text, "Awaza"));
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/article?include=paragraphs", 400, "invalid_parameter",
                          "include");
    client_expect_problem(&daemon_, "/v1/article?include=text&include=text", 400,
                          "invalid_parameter", "include");
    client_expect_problem(&daemon_, "/v1/article?lang=en", 400, "unknown_parameter", "lang");
}

static void search_hits(void **state)
{
    cJSON *doc, *hits, *hit, *article;
    const char *text;
    bool evidence = false;
    (void)state;
    article = client_get_json(&daemon_, "/v1/article?include=text", 200);
    text = cJSON_GetObjectItem(cJSON_GetObjectItem(article, "data"), "text")->valuestring;

    doc = client_get_json(&daemon_, "/v1/search?q=awaza", 200);
    hits = cJSON_GetObjectItem(doc, "data");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 0), "id")->valuestring,
                        "awaza");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint,
                     cJSON_GetArraySize(hits));
    cJSON_ArrayForEach(hit, hits)
    {
        cJSON *marks = cJSON_GetObjectItem(hit, "highlights"), *mark;
        assert_non_null(strstr(cJSON_GetObjectItem(hit, "snippet")->valuestring, "<mark>"));
        assert_non_null(cJSON_GetObjectItem(hit, "href"));
        if (strcmp(cJSON_GetObjectItem(hit, "type")->valuestring, "evidence") != 0)
            continue;
        evidence = true;
        /* the span and the matched terms are where the article says */
        cJSON *span = client_get_json(&daemon_, cJSON_GetObjectItem(hit, "href")->valuestring, 200);
        assert_string_equal(
            slice(text, cJSON_GetObjectItem(hit, "start")->valueint,
                  cJSON_GetObjectItem(hit, "end")->valueint),
            cJSON_GetObjectItem(cJSON_GetObjectItem(span, "data"), "quote")->valuestring);
        cJSON_Delete(span);
        cJSON_ArrayForEach(mark, marks)
            assert_string_equal(slice(text, cJSON_GetObjectItem(mark, "start")->valueint,
                                      cJSON_GetObjectItem(mark, "end")->valueint),
                                "Awaza");
        assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(hit, "record"), "id"));
    }
    assert_true(evidence);
    cJSON_Delete(doc);
    cJSON_Delete(article);

    doc = client_get_json(&daemon_, "/v1/search?q=awaza&type=evidence&limit=1", 200);
    hits = cJSON_GetObjectItem(doc, "data");
    assert_int_equal(cJSON_GetArraySize(hits), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(hits, 0), "type")->valuestring,
                        "evidence");
    if (cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "total")->valueint > 1)
        assert_true(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "links"), "next")));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/search?q=taliban&type=actors,threats&type=claims", 200);
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(doc, "data"))
    {
        const char *type = cJSON_GetObjectItem(hit, "type")->valuestring;
        assert_true(strcmp(type, "actors") == 0 || strcmp(type, "threats") == 0 ||
                    strcmp(type, "claims") == 0);
    }
    assert_true(has_id(cJSON_GetObjectItem(doc, "data"), "taliban"));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/search?q=nothingmatchesthis", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")), 0);
    cJSON_Delete(doc);

    client_expect_problem(&daemon_, "/v1/search", 400, "invalid_parameter", "q");
    client_expect_problem(&daemon_, "/v1/search?q=", 400, "invalid_parameter", "q");
    expect_reason("/v1/search?q=%20%20", "must not be blank");
    client_expect_problem(&daemon_, "/v1/search?q=al-qaeda&q_mode=raw", 400, "invalid_query", "q");
    client_expect_problem(&daemon_, "/v1/search?q=awaza&type=people", 400, "invalid_parameter",
                          "type");
    expect_reason("/v1/search?q=awaza&type=people",
                  "must be one or more of: actors, organizations, places, events, layers, "
                  "threats, claims, evidence, relations");
    expect_reason("/v1/search?q=awaza&type=actors,", "an empty item in the list");
    client_expect_problem(&daemon_, "/v1/search?q=awaza&limit=0", 400, "invalid_parameter",
                          "limit");
    client_expect_problem(&daemon_, "/v1/search?q=awaza&sort=id", 400, "unknown_parameter", "sort");
}

/*
 * Highlight offsets count code points: the fixture's quote "\u201cjoin forces\u201d"
 * opens with a three-byte character, so offsets counted in bytes would mark
 * "rces\u201d " instead of "forces". Every highlight of every evidence hit must
 * be the term, and that quote must be among them.
 */
static void search_highlights_count_code_points(void **state)
{
    cJSON *article = client_get_json(&daemon_, "/v1/article?include=text", 200);
    const char *text =
        cJSON_GetObjectItem(cJSON_GetObjectItem(article, "data"), "text")->valuestring;
    cJSON *doc = client_get_json(&daemon_, "/v1/search?q=forces&type=evidence&limit=500", 200);
    cJSON *hit, *mark;
    bool after_non_ascii = false;

    (void)state;
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "data")) > 0);
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(doc, "data"))
    {
        int start = cJSON_GetObjectItem(hit, "start")->valueint;
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(hit, "highlights")) > 0);
        cJSON_ArrayForEach(mark, cJSON_GetObjectItem(hit, "highlights"))
        {
            int from = cJSON_GetObjectItem(mark, "start")->valueint;
            const char *marked = slice(text, from, cJSON_GetObjectItem(mark, "end")->valueint);
            if (strcasecmp(marked, "forces") != 0)
                fail_msg("%s: highlight [%d, %d) is '%s', not 'forces'",
                         cJSON_GetObjectItem(hit, "id")->valuestring, from,
                         cJSON_GetObjectItem(mark, "end")->valueint, marked);
            for (const char *p = slice(text, start, from); *p; p++)
                after_non_ascii = after_non_ascii || (unsigned char)*p >= 0x80;
        }
    }
    assert_true(after_non_ascii);
    cJSON_Delete(doc);
    cJSON_Delete(article);
}

/* True when the code points [start, end) of text contain word, ignoring ASCII case. */
static bool span_has(const char *text, int start, int end, const char *word)
{
    const char *span = slice(text, start, end);
    size_t n = strlen(word);
    for (const char *p = span; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return true;
    return false;
}

/*
 * A record hit carries `evidence`: its spans that match q (they hold the
 * term), or else its first span in article order; each is one of the
 * record's spans with the item's offsets. Evidence hits stay as they were.
 */
static void search_record_hits_carry_evidence(void **state)
{
    static const char *const terms[] = {"awaza", "taliban", "china", "sco"};
    cJSON *article = client_get_json(&daemon_, "/v1/article?include=text", 200);
    const char *text =
        cJSON_GetObjectItem(cJSON_GetObjectItem(article, "data"), "text")->valuestring;
    int records = 0, matched = 0, fallback = 0;
    char target[512];
    (void)state;
    for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++) {
        cJSON *doc, *hit;
        snprintf(target, sizeof(target), "/v1/search?q=%s&limit=500", terms[t]);
        doc = client_get_json(&daemon_, target, 200);
        cJSON_ArrayForEach(hit, cJSON_GetObjectItem(doc, "data"))
        {
            const char *id = cJSON_GetObjectItem(hit, "id")->valuestring;
            cJSON *spans = cJSON_GetObjectItem(hit, "evidence"), *span, *all;
            bool any = false;
            if (strcmp(cJSON_GetObjectItem(hit, "type")->valuestring, "evidence") == 0) {
                assert_null(spans);
                assert_non_null(cJSON_GetObjectItem(hit, "highlights"));
                continue;
            }
            records++;
            if (!cJSON_IsArray(spans))
                fail_msg("%s: hit %s has no evidence array", target, id);
            snprintf(target, sizeof(target), "/v1/evidence?record=%s&limit=500", id);
            all = client_get_json(&daemon_, target, 200);
            cJSON_ArrayForEach(span, spans)
            {
                const cJSON *e;
                bool found = false;
                assert_int_equal(cJSON_GetArraySize(span), 4); /* id, start, end, paragraph */
                cJSON_ArrayForEach(e, cJSON_GetObjectItem(all, "data"))
                {
                    if (strcmp(cJSON_GetObjectItem(e, "id")->valuestring,
                               cJSON_GetObjectItem(span, "id")->valuestring) != 0)
                        continue;
                    found = true;
                    assert_int_equal(cJSON_GetObjectItem(e, "start")->valueint,
                                     cJSON_GetObjectItem(span, "start")->valueint);
                    assert_int_equal(cJSON_GetObjectItem(e, "end")->valueint,
                                     cJSON_GetObjectItem(span, "end")->valueint);
                    assert_int_equal(cJSON_GetObjectItem(e, "paragraph")->valueint,
                                     cJSON_GetObjectItem(span, "paragraph")->valueint);
                }
                if (!found)
                    fail_msg("%s: span %s is not one of the record's", id,
                             cJSON_GetObjectItem(span, "id")->valuestring);
                any = any || span_has(text, cJSON_GetObjectItem(span, "start")->valueint,
                                      cJSON_GetObjectItem(span, "end")->valueint, terms[t]);
            }
            if (any) {
                /* matched spans: every one holds the term */
                matched++;
                cJSON_ArrayForEach(span, spans)
                    assert_true(span_has(text, cJSON_GetObjectItem(span, "start")->valueint,
                                         cJSON_GetObjectItem(span, "end")->valueint, terms[t]));
            } else if (cJSON_GetArraySize(cJSON_GetObjectItem(all, "data")) > 0) {
                /* none matched: the record's first span in article order */
                fallback++;
                assert_int_equal(cJSON_GetArraySize(spans), 1);
                assert_string_equal(
                    cJSON_GetObjectItem(cJSON_GetArrayItem(spans, 0), "id")->valuestring,
                    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(all, "data"), 0),
                                        "id")
                        ->valuestring);
            } else {
                assert_int_equal(cJSON_GetArraySize(spans), 0); /* a record without evidence */
            }
            cJSON_Delete(all);
        }
        cJSON_Delete(doc);
    }
    assert_true(records > 0);
    assert_true(matched > 0);
    print_message("# %d record hits: %d with matched spans, %d with their first span\n", records,
                  matched, fallback);
    cJSON_Delete(article);
}

static void timeline(void **state)
{
    cJSON *doc, *data, *meta;
    (void)state;
    doc = client_get_json(&daemon_, "/v1/timeline", 200);
    data = cJSON_GetObjectItem(doc, "data");
    meta = cJSON_GetObjectItem(doc, "meta");
    assert_string_equal(client_ids(cJSON_GetObjectItem(data, "dated")),
                        "c5-conference,awaza-meeting,sco-summit");
    assert_string_equal(client_ids(cJSON_GetObjectItem(data, "undated")), "statement");
    assert_int_equal(cJSON_GetObjectItem(meta, "total")->valueint, 4);
    assert_string_equal(cJSON_GetObjectItem(meta, "start")->valuestring, "2021-07-11");
    assert_string_equal(cJSON_GetObjectItem(meta, "end")->valuestring, "2021-09-17");
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(data, "dated"), 0), "date"),
            "precision")
            ->valuestring,
        "part-of-month");
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/timeline?from=2021-08&actor=five-countries&fields=id,date",
                          200);
    data = cJSON_GetObjectItem(doc, "data");
    assert_string_equal(client_ids(cJSON_GetObjectItem(data, "dated")), "awaza-meeting");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(data, "undated")), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(cJSON_GetObjectItem(data, "dated"), 0)),
                     2);
    cJSON_Delete(doc);
    /* the span does not depend on fields= (it was null without date) */
    doc = client_get_json(&daemon_, "/v1/timeline?fields=id", 200);
    meta = cJSON_GetObjectItem(doc, "meta");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(meta, "start")));
    assert_string_equal(cJSON_GetObjectItem(meta, "start")->valuestring, "2021-07-11");
    assert_string_equal(cJSON_GetObjectItem(meta, "end")->valuestring, "2021-09-17");
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/timeline?limit=5", 400, "unknown_parameter", "limit");
    client_expect_problem(&daemon_, "/v1/timeline?sort=title", 400, "unknown_parameter", "sort");
    client_expect_problem(&daemon_, "/v1/timeline?type=party", 400, "invalid_parameter", "type");
    client_expect_problem(&daemon_, "/v1/timeline?to=2021-13", 400, "invalid_parameter", "to");
    client_expect_problem(&daemon_, "/v1/timeline?q=%22x&q_mode=raw", 400, "invalid_query", "q");
}

static void graph(void **state)
{
    cJSON *doc, *nodes, *edges, *edge, *relations;
    int total;
    (void)state;
    relations = client_get_json(&daemon_, "/v1/relations?limit=1", 200);
    total = cJSON_GetObjectItem(cJSON_GetObjectItem(relations, "meta"), "total")->valueint;
    cJSON_Delete(relations);

    doc = client_get_json(&daemon_, "/v1/graph", 200);
    nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes");
    edges = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges");
    assert_int_equal(cJSON_GetArraySize(nodes), 21);
    assert_int_equal(cJSON_GetArraySize(edges), total);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 0), "label"));
    cJSON_ArrayForEach(edge, edges)
    {
        assert_true(has_id(nodes, cJSON_GetObjectItem(edge, "source")->valuestring));
        assert_true(has_id(nodes, cJSON_GetObjectItem(edge, "target")->valuestring));
    }
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"), "nodes")->valueint, 21);
    cJSON_Delete(doc);

    doc = client_get_json(&daemon_, "/v1/graph?around=xi-jinping&depth=1", 200);
    nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes");
    assert_true(has_id(nodes, "china"));
    assert_true(has_id(nodes, "sco-summit"));
    assert_false(has_id(nodes, "sco"));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/graph?around=xi-jinping&depth=2&derived=true", 200);
    assert_true(has_id(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes"), "sco"));
    cJSON_ArrayForEach(edge, cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges"))
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(edge, "derived")));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/graph?type=actors,organizations&relation=cooperates_with",
                          200);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes")), 9);
    assert_string_equal(client_ids(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges")),
                        "us-cooperates-five");
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/graph?layer=layer-us", 200);
    nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes");
    assert_true(has_id(nodes, "layer-us"));
    assert_true(has_id(nodes, "united-states"));
    assert_false(has_id(nodes, "layer-unity"));
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/graph?shape=cytoscape&type=layers", 200);
    nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 0), "data"), "id")
            ->valuestring,
        "layer-unity");
    cJSON_Delete(doc);
    doc = client_get_json(&daemon_, "/v1/graph?shape=vis&around=awaza", 200);
    edge = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges"), 0);
    assert_non_null(cJSON_GetObjectItem(edge, "from"));
    assert_non_null(cJSON_GetObjectItem(edge, "to"));
    assert_null(cJSON_GetObjectItem(edge, "source"));
    assert_non_null(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes"), 0),
        "group"));
    cJSON_Delete(doc);

    client_expect_problem(&daemon_, "/v1/graph?depth=2", 400, "invalid_parameter", "depth");
    client_expect_problem(&daemon_, "/v1/graph?around=china&depth=4", 400, "invalid_parameter",
                          "depth");
    client_expect_problem(&daemon_, "/v1/graph?around=nobody", 400, "invalid_parameter", "around");
    client_expect_problem(&daemon_, "/v1/graph?around=awaza-e1", 400, "invalid_parameter",
                          "around");
    client_expect_problem(&daemon_, "/v1/graph?layer=china", 400, "invalid_parameter", "layer");
    client_expect_problem(&daemon_, "/v1/graph?type=evidence", 400, "invalid_parameter", "type");
    client_expect_problem(&daemon_, "/v1/graph?relation=likes", 400, "invalid_parameter",
                          "relation");
    client_expect_problem(&daemon_, "/v1/graph?derived=maybe", 400, "invalid_parameter", "derived");
    client_expect_problem(&daemon_, "/v1/graph?shape=d4", 400, "invalid_parameter", "shape");
    client_expect_problem(&daemon_, "/v1/graph?type=", 400, "invalid_parameter", "type");
    client_expect_problem(&daemon_, "/v1/graph?limit=3", 400, "unknown_parameter", "limit");
    /* every refusal says what would have been accepted */
    expect_reason("/v1/graph?relation=likes", "must be one or more of: member_of, statement_by");
    expect_reason("/v1/graph?around=nobody",
                  "no record has this id; expected the id of one of: actors, organizations, "
                  "places, events, layers, threats, claims");
    expect_reason("/v1/graph?around=awaza-e1",
                  "names a record of evidence (evidence and relations are not nodes); expected "
                  "the id of one of: actors");
    expect_reason("/v1/graph?layer=china",
                  "names a record of actors; expected the id of one of: layers");
}

/* The id of a graph element in any shape ({"data": {...}} or flat), or NULL. */
static const char *element_id(const cJSON *element, const char *shape)
{
    if (strcmp(shape, "cytoscape") == 0) {
        /* exactly one member, "data", holding the element */
        if (cJSON_GetArraySize(element) != 1 || !cJSON_GetObjectItem(element, "data"))
            return NULL;
        element = cJSON_GetObjectItem(element, "data");
    }
    return cJSON_GetStringValue(cJSON_GetObjectItem(element, "id"));
}

/*
 * Every shape of every graph query: meta counts what the body holds, each
 * element has its shape's form, and the shapes list the same ids in the same
 * order as the default.
 */
static void graph_shapes_match_meta(void **state)
{
    static const char *const queries[] = {
        "",
        "type=layers",
        "type=actors,organizations&relation=cooperates_with",
        "around=xi-jinping&depth=2",
        "layer=layer-us",
        "derived=false",
    };
    static const char *const shapes[] = {"default", "cytoscape", "vis"};
    char target[256];
    (void)state;
    for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
        char first_nodes[8192] = "", first_edges[8192] = "";
        for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
            const char *shape = shapes[s];
            char node_ids[8192] = "", edge_ids[8192] = "";
            size_t nlen = 0, elen = 0;
            cJSON *doc, *meta, *element;
            snprintf(target, sizeof(target), "/v1/graph?%s%sshape=%s", queries[q],
                     queries[q][0] ? "&" : "", shape);
            doc = client_get_json(&daemon_, target, 200);
            meta = cJSON_GetObjectItem(doc, "meta");
            if (cJSON_GetObjectItem(meta, "nodes")->valueint !=
                    cJSON_GetArraySize(
                        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes")) ||
                cJSON_GetObjectItem(meta, "edges")->valueint !=
                    cJSON_GetArraySize(
                        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges")))
                fail_msg("%s: meta says %d nodes, %d edges; the body has %d, %d", target,
                         cJSON_GetObjectItem(meta, "nodes")->valueint,
                         cJSON_GetObjectItem(meta, "edges")->valueint,
                         cJSON_GetArraySize(
                             cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes")),
                         cJSON_GetArraySize(
                             cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges")));
            assert_string_equal(cJSON_GetObjectItem(meta, "shape")->valuestring, shape);
            cJSON_ArrayForEach(element,
                               cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "nodes"))
            {
                const char *id = element_id(element, shape);
                if (!id)
                    fail_msg("%s: a node not in the %s shape", target, shape);
                if (strcmp(shape, "vis") == 0)
                    assert_non_null(cJSON_GetObjectItem(element, "group"));
                nlen += (size_t)snprintf(node_ids + nlen, sizeof(node_ids) - nlen, "%s,", id);
            }
            cJSON_ArrayForEach(element,
                               cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "edges"))
            {
                const char *id = element_id(element, shape);
                if (!id)
                    fail_msg("%s: an edge not in the %s shape", target, shape);
                if (strcmp(shape, "vis") == 0) {
                    assert_non_null(cJSON_GetObjectItem(element, "from"));
                    assert_non_null(cJSON_GetObjectItem(element, "to"));
                    assert_non_null(cJSON_GetObjectItem(element, "label"));
                    assert_null(cJSON_GetObjectItem(element, "source"));
                }
                elen += (size_t)snprintf(edge_ids + elen, sizeof(edge_ids) - elen, "%s,", id);
            }
            if (s == 0) {
                assert_true(nlen > 0);
                memcpy(first_nodes, node_ids, sizeof(first_nodes));
                memcpy(first_edges, edge_ids, sizeof(first_edges));
            } else {
                assert_string_equal(node_ids, first_nodes);
                assert_string_equal(edge_ids, first_edges);
            }
            cJSON_Delete(doc);
        }
    }
}

static void stats(void **state)
{
    cJSON *doc = client_get_json(&daemon_, "/v1/stats", 200),
          *data = cJSON_GetObjectItem(doc, "data");
    (void)state;
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "counts"), "actors")->valueint,
                     7);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "counts"), "events")->valueint,
                     4);
    assert_int_equal(cJSON_GetObjectItem(data, "undated_events")->valueint, 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(data, "events_per_layer")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(data, "events_per_month")), 3);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(data, "actors_per_kind"), "state")->valueint, 4);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(data, "events_per_type"), "meeting")->valueint, 1);
    cJSON_Delete(doc);
    client_expect_problem(&daemon_, "/v1/stats?by=month", 400, "unknown_parameter", "by");
    client_expect_problem(&daemon_, "/v1/stats?format=csv", 406, "not_acceptable", NULL);
}

/* The operational routes validate their parameters like every other route. */
static void operational_routes_refuse_unknown_parameters(void **state)
{
    static const char *const paths[] = {"/healthz", "/readyz", "/metrics"};
    char target[128];
    struct reply r;
    (void)state;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        cJSON *doc, *error;
        snprintf(target, sizeof(target), "%s?bogus=1", paths[i]);
        doc = client_get_json(&daemon_, target, 400);
        assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, "unknown_parameter");
        error = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
        assert_string_equal(cJSON_GetObjectItem(error, "parameter")->valuestring, "bogus");
        assert_string_equal(cJSON_GetObjectItem(error, "value")->valuestring, "1");
        assert_non_null(strstr(cJSON_GetObjectItem(error, "reason")->valuestring, paths[i]));
        assert_non_null(
            strstr(cJSON_GetObjectItem(error, "reason")->valuestring, "allowed: format, pretty"));
        cJSON_Delete(doc);
        /* the core's own parameters are still taken */
        snprintf(target, sizeof(target), "%s?pretty=true", paths[i]);
        assert_int_equal(client_get(&daemon_, target, &r), 0);
        assert_int_equal(r.status, 200);
        reply_release(&r);
    }
    assert_int_equal(client_get(&daemon_, "/metrics?format=text", &r), 0);
    assert_int_equal(r.status, 200);
    reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_lists_every_route),
        cmocka_unit_test(article_with_offsets),
        cmocka_unit_test(search_hits),
        cmocka_unit_test(search_highlights_count_code_points),
        cmocka_unit_test(search_record_hits_carry_evidence),
        cmocka_unit_test(timeline),
        cmocka_unit_test(graph),
        cmocka_unit_test(graph_shapes_match_meta),
        cmocka_unit_test(stats),
        cmocka_unit_test(operational_routes_refuse_unknown_parameters),
    };
    return cmocka_run_group_tests(tests, start, stop);
}
