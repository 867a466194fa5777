/*
 * Unit and property tests for canon.c: the cache key of a request.
 *
 * Property (random requests on the valid fixture, fixed seed): every
 * equivalent spelling of a request (parameters reordered, filter lists split
 * into repeated parameters or joined, their values permuted, defaults and
 * pretty=false / format=json added, letters percent-encoded) has the same
 * key; and every request whose key is shared renders the same answer as
 * the canonical request does (status, X-Total-Count, and the body with the
 * links it echoes left out), so that a cached answer is right for each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "canon.h"
#include "catalog.h"
#include "negotiate.h"
#include "router.h"
#include "snapshot.h"
#include "url.h"

static struct snapshot *snap;

static int setup(void **state)
{
    struct snapshot_options options = {.cache_max_bytes = 0};
    struct model_error err;
    const char *root = getenv("STRATA_ROOT");
    char fixture[1024];

    (void)state;
    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/valid", root && *root ? root : ".");
    memset(&err, 0, sizeof(err));
    return snapshot_create(fixture, &options, 1, &snap, &err);
}

static int teardown(void **state)
{
    (void)state;
    snapshot_release(snap);
    return 0;
}

/* ---- rendering a target, raw or canonical ------------------------------------ */

struct rendered {
    int problem;
    long long total;
    char *body; /* links left out (JSON), else as rendered */
    char *key;
};

static char *without_links(const char *body, size_t len)
{
    cJSON *json = cJSON_ParseWithLength(body, len);
    char *text;

    if (!json || !cJSON_IsObject(json)) {
        cJSON_Delete(json);
        text = malloc(len + 1);
        memcpy(text, body, len);
        text[len] = '\0';
        return text;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(json, "links");
    text = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    return text;
}

static void render(const char *target, bool canonical, struct rendered *out)
{
    struct url u;
    struct problem p;
    const struct route *route;
    char id_buf[256];
    const char *id;
    struct canon c = {.key = NULL};
    struct request req = {.snapshot = snap};
    struct response res;
    enum representation def = REPR_JSON;

    memset(out, 0, sizeof(*out));
    assert_int_equal(url_parse(target, 1000, &u, &p), 0);
    route = router_match(u.path, id_buf, sizeof(id_buf), &id);
    assert_non_null(route);
    req.path = u.path;
    req.id = id;
    req.params = u.params;
    req.param_count = u.param_count;
    req.raw_target = target;
    req.pretty = request_param(&req, "pretty") && !strcmp(request_param(&req, "pretty"), "true");
    assert_true(
        negotiate_format(request_param(&req, "format"), NULL, route->representations, &req.format));
    while (!(route->representations & REPR_BIT(def)))
        def++;
    assert_int_equal(canon_build(&c, canon_rules_for(route->pattern), u.path, u.params,
                                 u.param_count, req.format, def, req.pretty),
                     0);
    out->key = strdup(c.key);
    if (canonical) {
        req.params = c.params;
        req.param_count = c.param_count;
        req.raw_target = c.target;
    }
    response_init(&res);
    route->handler(&req, &res);
    out->problem = res.problem.code;
    out->total = res.total_count;
    out->body = res.problem.code == PROBLEM_NONE ? without_links(buf_str(&res.body), res.body.len)
                                                 : strdup("");
    response_release(&res);
    canon_release(&c);
    url_release(&u);
}

static void rendered_release(struct rendered *r)
{
    free(r->body);
    free(r->key);
}

static char *key_of(const char *target)
{
    struct rendered r;
    char *key;

    render(target, false, &r);
    key = r.key;
    r.key = NULL;
    rendered_release(&r);
    return key;
}

/* ---- examples ------------------------------------------------------------------- */

static void spellings_of_the_default_page_share_one_key(void **state)
{
    const char *same[] = {
        "/v1/actors",
        "/v1/actors?limit=50&offset=0",
        "/v1/actors?offset=0&limit=50",
        "/v1/actors?format=json&pretty=false",
        "/v1/%61ctors?limit=5%30",
    };
    char *first = key_of(same[0]);

    (void)state;
    assert_string_equal(first, "json /v1/actors");
    for (size_t i = 1; i < sizeof(same) / sizeof(same[0]); i++) {
        char *key = key_of(same[i]);
        assert_string_equal(key, first);
        free(key);
    }
    free(first);
}

static void different_requests_get_different_keys(void **state)
{
    const char *different[] = {
        "/v1/actors",
        "/v1/actors?limit=51",
        "/v1/actors?offset=1",
        "/v1/actors?pretty=true",
        "/v1/actors?format=csv",
        "/v1/actors?limit=50&limit=50", /* an error, not the default page */
        "/v1/actors?kind=state",
        "/v1/actors?kind=state%26x%3D1",
        "/v1/actors?kind=state&x=1",
        "/v1/actors?sort=name",
        "/v1/actors?sort=-name",
        "/v1/actors?fields=id,name",
        "/v1/actors?fields=name,id", /* fields keep their order */
        "/v1/events",
        "/v1/actors/x",
        "/v1/actors/y",
        "/v1/search?q=a",
        "/v1/search?q=a,b",
        "/v1/search?q=b,a", /* q is text, not a list */
    };
    size_t n = sizeof(different) / sizeof(different[0]);
    char **keys = calloc(n, sizeof(*keys));

    (void)state;
    for (size_t i = 0; i < n; i++) {
        keys[i] = key_of(different[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                fail_msg("%s and %s share the key %s", different[i], different[j], keys[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

static void filter_lists_and_defaults_fold(void **state)
{
    char *c = key_of("/v1/events?date_mode=overlap&from=2021");
    char *d = key_of("/v1/events?from=2021");
    char *e = key_of("/v1/events?from=2021&date_mode=within");
    char *a = key_of("/v1/events?type=summit,meeting&precision=year");
    char *b = key_of("/v1/events?precision=year&type=meeting&type=summit");

    (void)state;
    assert_string_equal(a, b);
    assert_string_equal(a, "json /v1/events?precision=year&type=meeting,summit");
    assert_string_equal(c, d); /* the default date_mode */
    assert_string_not_equal(c, e);
    /* the defaults of q_mode and bom, on collections and on /v1/search */
    {
        const char *same[][2] = {
            {"/v1/actors?q=taliban&q_mode=plain", "/v1/actors?q=taliban"},
            {"/v1/actors?format=csv&bom=false", "/v1/actors?format=csv"},
            {"/v1/actors/uzbekistan/events?q_mode=plain&bom=false", "/v1/actors/uzbekistan/events"},
            {"/v1/search?q=taliban&q_mode=plain", "/v1/search?q=taliban"},
            {"/v1/search?q=taliban&limit=50&offset=0", "/v1/search?q=taliban"},
        };
        for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
            char *x = key_of(same[i][0]), *y = key_of(same[i][1]);
            assert_string_equal(x, y);
            free(x);
            free(y);
        }
        char *raw = key_of("/v1/search?q=taliban&q_mode=raw");
        char *bom = key_of("/v1/actors?format=csv&bom=true");
        char *plain = key_of("/v1/search?q=taliban"), *csv = key_of("/v1/actors?format=csv");
        assert_string_not_equal(raw, plain);
        assert_string_not_equal(bom, csv);
        free(raw);
        free(bom);
        free(plain);
        free(csv);
    }
    free(c);
    free(d);
    free(e);
    free(a);
    free(b);
}

static void rules_come_from_the_catalog(void **state)
{
    const struct canon_rules *r = canon_rules_for("/v1/events");

    (void)state;
    assert_true(r->count >= 3);
    assert_string_equal(r->params[0].name, "limit");
    assert_string_equal(r->params[0].default_value, "50");
    assert_true(canon_rules_for("/v1/actors/{id}/events")->count >= 3);
    assert_int_equal(canon_rules_for("/v1/search")->count, 3);
    assert_int_equal(canon_rules_for("/v1/actors/{id}")->count, 0);
    assert_int_equal(canon_rules_for("/healthz")->count, 0);
    assert_int_equal(canon_rules_for(NULL)->count, 0);
}

/* ---- the property ------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static size_t pick(size_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (size_t)(rng % n);
}

#define MAX_PARAMS 32

struct gen {
    char name[MAX_PARAMS][32];
    char value[MAX_PARAMS][256];
    size_t count;
};

static void add(struct gen *g, const char *name, const char *value)
{
    if (g->count == MAX_PARAMS)
        return;
    size_t n = strlen(name), v = strlen(value);

    n = n < sizeof(g->name[0]) - 1 ? n : sizeof(g->name[0]) - 1;
    v = v < sizeof(g->value[0]) - 1 ? v : sizeof(g->value[0]) - 1;
    memcpy(g->name[g->count], name, n);
    g->name[g->count][n] = '\0';
    memcpy(g->value[g->count], value, v);
    g->value[g->count][v] = '\0';
    g->count++;
}

static bool has(const struct gen *g, const char *name)
{
    for (size_t i = 0; i < g->count; i++)
        if (!strcmp(g->name[i], name))
            return true;
    return false;
}

/* A random valid-looking request of collection c: filters, sort, paging, pretty, format. */
static void generate(const struct catalog_collection *c, struct gen *g)
{
    static const char *const bools[] = {"true", "false", NULL};
    static const char *const limits[] = {"1", "7", "50", "500"};
    static const char *const offsets[] = {"0", "2", "40"};
    static const char *const formats[] = {"json", "csv", "ndjson"};

    memset(g, 0, sizeof(*g));
    for (size_t f = 0; f < c->filter_count; f++) {
        const struct catalog_filter *filter = &c->filters[f];
        const char *const *values = filter->value == CATALOG_VALUE_BOOL ? bools : filter->values;
        size_t n = 0, k;
        char list[256] = "";
        if (!values || (filter->value != CATALOG_VALUE_ENUM && filter->value != CATALOG_VALUE_BOOL))
            continue;
        if (pick(3) != 0)
            continue;
        while (values[n])
            n++;
        k = 1 + pick(n < 3 ? n : 3);
        for (size_t i = 0; i < k; i++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", values[pick(n)]);
        }
        add(g, filter->name, list);
    }
    if (c->sort_count && pick(2)) {
        char sort[64];
        snprintf(sort, sizeof(sort), "%s%s", pick(2) ? "-" : "",
                 c->sorts[pick(c->sort_count)].name);
        add(g, "sort", sort);
    }
    if (pick(2))
        add(g, "limit", limits[pick(4)]);
    if (pick(2))
        add(g, "offset", offsets[pick(3)]);
    if (pick(4) == 0)
        add(g, "pretty", "true");
    if (pick(4) == 0)
        add(g, "format", formats[pick(3)]);
}

static bool is_filter(const struct catalog_collection *c, const char *name)
{
    return catalog_filter_find(c, name) != NULL;
}

/* Percent-encode some letters of s into out. */
static void spell(const char *s, char *out, size_t size)
{
    size_t n = 0;

    for (; *s && n + 4 < size; s++) {
        if (((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) && pick(5) == 0)
            n += (size_t)snprintf(out + n, size - n, "%%%02X", (unsigned char)*s);
        else
            out[n++] = *s;
    }
    out[n] = '\0';
}

/*
 * An equivalent spelling of g as a target: filter values permuted and split
 * into repeated parameters or kept as one list, defaults added, parameters
 * shuffled, letters percent-encoded.
 */
static void respell(const struct catalog_collection *c, const char *path, const struct gen *g,
                    bool vary, char *out, size_t size)
{
    struct gen v;
    size_t n = 0;

    memset(&v, 0, sizeof(v));
    for (size_t i = 0; i < g->count; i++) {
        char values[16][64];
        size_t k = 0;
        const char *t = g->value[i];
        if (!vary || !is_filter(c, g->name[i])) {
            add(&v, g->name[i], g->value[i]);
            continue;
        }
        while (k < 16) {
            const char *comma = strchr(t, ',');
            size_t len = comma ? (size_t)(comma - t) : strlen(t);
            len = len < sizeof(values[0]) - 1 ? len : sizeof(values[0]) - 1;
            memcpy(values[k], t, len);
            values[k++][len] = '\0';
            if (!comma)
                break;
            t = comma + 1;
        }
        for (size_t a = k; a > 1; a--) {
            size_t b = pick(a);
            char tmp[64];
            memcpy(tmp, values[a - 1], sizeof(tmp));
            memcpy(values[a - 1], values[b], sizeof(tmp));
            memcpy(values[b], tmp, sizeof(tmp));
        }
        if (pick(2)) {
            for (size_t a = 0; a < k; a++)
                add(&v, g->name[i], values[a]);
        } else {
            char list[256] = "";
            for (size_t a = 0; a < k; a++) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof(list) - len, "%s%s", a ? "," : "", values[a]);
            }
            add(&v, g->name[i], list);
        }
    }
    if (vary) {
        if (!has(&v, "limit") && pick(2))
            add(&v, "limit", "50");
        if (!has(&v, "offset") && pick(2))
            add(&v, "offset", "0");
        if (!has(&v, "pretty") && pick(2))
            add(&v, "pretty", "false");
        if (!has(&v, "q_mode") && pick(2))
            add(&v, "q_mode", "plain");
        if (!has(&v, "bom") && pick(2))
            add(&v, "bom", "false");
        if (!has(&v, "format") && pick(2))
            add(&v, "format", "json");
        for (size_t a = v.count; a > 1; a--) {
            size_t b = pick(a);
            struct gen tmp;
            memcpy(tmp.name[0], v.name[a - 1], sizeof(tmp.name[0]));
            memcpy(tmp.value[0], v.value[a - 1], sizeof(tmp.value[0]));
            memcpy(v.name[a - 1], v.name[b], sizeof(tmp.name[0]));
            memcpy(v.value[a - 1], v.value[b], sizeof(tmp.value[0]));
            memcpy(v.name[b], tmp.name[0], sizeof(tmp.name[0]));
            memcpy(v.value[b], tmp.value[0], sizeof(tmp.value[0]));
        }
    }
    n = (size_t)snprintf(out, size, "%s", path);
    for (size_t i = 0; i < v.count && n < size; i++) {
        char name[128], value[768];
        if (vary) {
            spell(v.name[i], name, sizeof(name));
            spell(v.value[i], value, sizeof(value));
        } else {
            snprintf(name, sizeof(name), "%s", v.name[i]);
            snprintf(value, sizeof(value), "%s", v.value[i]);
        }
        n += (size_t)snprintf(out + n, size - n, "%c%s=%s", i ? '&' : '?', name, value);
    }
}

static void same_answer(const char *what, const char *a_target, const struct rendered *a,
                        const char *b_target, const struct rendered *b)
{
    if (a->problem != b->problem || a->total != b->total || strcmp(a->body, b->body) != 0)
        fail_msg("%s: %s and %s answer differently (problem %d/%d, total %lld/%lld)", what,
                 a_target, b_target, a->problem, b->problem, a->total, b->total);
}

static void equivalent_spellings_share_a_key_and_an_answer(void **state)
{
    static const char *const paths[] = {"/v1/events", "/v1/actors",   "/v1/relations",
                                        "/v1/places", "/v1/evidence", "/v1/claims"};
    size_t checked = 0, answered = 0;

    (void)state;
    for (size_t round = 0; round < 240; round++) {
        const char *path = paths[round % (sizeof(paths) / sizeof(paths[0]))];
        const struct catalog_collection *c = catalog_find(path + 4);
        struct gen g;
        char base[4096], variant[4096];
        struct rendered canonical, raw, other;

        generate(c, &g);
        respell(c, path, &g, false, base, sizeof(base));
        render(base, true, &canonical);
        render(base, false, &raw);
        same_answer("raw vs canonical", base, &raw, base, &canonical);
        for (int k = 0; k < 3; k++) {
            respell(c, path, &g, true, variant, sizeof(variant));
            render(variant, false, &other);
            if (strcmp(other.key, canonical.key) != 0)
                fail_msg("%s and %s have different keys: %s / %s", base, variant, canonical.key,
                         other.key);
            same_answer("same key", base, &canonical, variant, &other);
            rendered_release(&other);
            checked++;
        }
        answered += canonical.problem == PROBLEM_NONE;
        rendered_release(&canonical);
        rendered_release(&raw);
    }
    assert_int_equal(checked, 720);
    assert_true(answered > 100); /* most generated requests are valid ones */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spellings_of_the_default_page_share_one_key),
        cmocka_unit_test(different_requests_get_different_keys),
        cmocka_unit_test(filter_lists_and_defaults_fold),
        cmocka_unit_test(rules_come_from_the_catalog),
        cmocka_unit_test(equivalent_spellings_share_a_key_and_an_answer),
    };
    return cmocka_run_group_tests_name("canon", tests, setup, teardown);
}
