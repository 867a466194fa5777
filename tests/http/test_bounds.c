/*
 * Bounded responses, against the real daemon: with a small
 * --max-response-bytes, an answer that would pass it is a 400
 * response_too_large problem that says how to ask for less (never a 500);
 * /v1/timeline counts its events before it builds anything and refuses one
 * of more events than an answer may hold; narrower requests are served.
 * With the default bound every route of the bundled model answers 200.
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

#include "client.h"

#define SMALL "16384"
#define ALL_INCLUDES "actors,organizations,places,events,layers,threats,claims,evidence,relations"

static struct daemon_proc small;

static int start_small(void **state)
{
    /* no time budget: the size bound is what is tested (valgrind is slow) */
    const char *args[] = {
        "--max-response-bytes", SMALL, "--request-timeout", "0", "--access-log", "false", NULL};

    (void)state;
    return client_start(&small, args);
}

static int stop_small(void **state)
{
    (void)state;
    return client_stop(&small, SIGTERM, 10 * client_time_scale()) == 0 ? 0 : -1;
}

/* GET target: a 400 response_too_large whose detail holds every one of hints. */
static void expect_too_large(const char *target, const char *const hints[])
{
    struct reply r;
    cJSON *body;
    const char *code, *detail;

    assert_int_equal(client_get(&small, target, &r), 0);
    body = cJSON_ParseWithLength(r.body.data, r.body.len);
    code = cJSON_GetStringValue(cJSON_GetObjectItem(body, "code"));
    detail = cJSON_GetStringValue(cJSON_GetObjectItem(body, "detail"));
    if (r.status != 400 || !code || strcmp(code, "response_too_large") != 0 || !detail)
        fail_msg("%s: expected 400 response_too_large, got %ld: %.400s", target, r.status,
                 buf_str(&r.body));
    if (!strstr(reply_header_str(&r, "Content-Type"), "application/problem+json"))
        fail_msg("%s: not a problem+json", target);
    for (size_t i = 0; hints[i]; i++)
        if (!strstr(detail, hints[i]))
            fail_msg("%s: the detail does not say '%s': %s", target, hints[i], detail);
    cJSON_Delete(body);
    reply_release(&r);
}

static void expect_ok(const char *target)
{
    struct reply r;

    assert_int_equal(client_get(&small, target, &r), 0);
    if (r.status != 200)
        fail_msg("%s: expected 200, got %ld: %.400s", target, r.status, buf_str(&r.body));
    assert_true(r.body.len <= 16384);
    reply_release(&r);
}

static void timeline_is_refused_before_it_is_built(void **state)
{
    const char *const count[] = {"the timeline would hold ", "at most 8", "from=", "/v1/events",
                                 NULL};
    const char *const size[] = {"larger than 16384 bytes", "from= and to=", NULL};

    (void)state;
    /* the bundled model's events (17); 16384 / 2048 = 8 fit in one answer */
    expect_too_large("/v1/timeline", count);
    expect_too_large("/v1/timeline?pretty=true", count);
    /* narrowed to a few events: served, or still too large with includes */
    expect_ok("/v1/timeline?from=2021-09-01&fields=id,date");
    expect_too_large("/v1/timeline?from=2021-09-01&include=" ALL_INCLUDES "&pretty=true", size);
}

static void graph_and_pages_past_the_bound_say_how_to_narrow(void **state)
{
    const char *const graph[] = {"larger than 16384 bytes", "layer=", "around=", NULL};
    const char *const page[] = {"larger than 16384 bytes", "limit=", NULL};
    char target[256];
    struct reply r;
    cJSON *body;
    const char *id;

    (void)state;
    expect_too_large("/v1/graph", graph);
    expect_too_large("/v1/graph?shape=cytoscape&pretty=true", graph);
    assert_int_equal(client_get(&small, "/v1/actors?limit=1&fields=id", &r), 0);
    body = cJSON_ParseWithLength(r.body.data, r.body.len);
    id = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(body, "data"), 0), "id"));
    assert_non_null(id);
    snprintf(target, sizeof(target), "/v1/graph?around=%s&depth=1", id);
    expect_ok(target);
    cJSON_Delete(body);
    reply_release(&r);
    expect_too_large("/v1/actors?limit=500&include=" ALL_INCLUDES "&pretty=true", page);
    expect_ok("/v1/actors?limit=2");
    /* none of it was a 5xx */
    assert_int_equal(client_get(&small, "/metrics", &r), 0);
    if (strstr(buf_str(&r.body), "status=\"5"))
        fail_msg("a 5xx was counted:\n%s", buf_str(&r.body));
    reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timeline_is_refused_before_it_is_built),
        cmocka_unit_test(graph_and_pages_past_the_bound_say_how_to_narrow),
    };

    return cmocka_run_group_tests_name("bounds", tests, start_small, stop_small);
}
