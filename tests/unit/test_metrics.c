/* Unit tests for metrics.c: counters and the Prometheus text format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "router.h"

static void counts_requests_by_route_and_status(void **state)
{
    struct buf out;
    char line[256];

    (void)state;
    metrics_request(0, 200, 0.0002);
    metrics_request(0, 200, 0.002);
    metrics_request(METRICS_UNMATCHED, 404, 0.0001);
    metrics_request(0, 299, 2.0);
    metrics_cache(true);
    metrics_cache(false);
    metrics_cache(false);
    metrics_reload(false);
    metrics_connections(3);
    buf_init(&out, 0);
    assert_int_equal(metrics_render(&out, NULL), 0);
    snprintf(line, sizeof(line), "strata_http_requests_total{route=\"%s\",status=\"200\"} 2\n",
             routes[0].pattern);
    assert_non_null(strstr(buf_str(&out), line));
    snprintf(line, sizeof(line), "strata_http_requests_total{route=\"%s\",status=\"other\"} 1\n",
             routes[0].pattern);
    assert_non_null(strstr(buf_str(&out), line));
    assert_non_null(strstr(buf_str(&out),
                           "strata_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n"));
    assert_non_null(
        strstr(buf_str(&out), "strata_http_request_duration_seconds_bucket{le=\"0.00025\"} 2\n"));
    assert_non_null(
        strstr(buf_str(&out), "strata_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(buf_str(&out), "strata_http_request_duration_seconds_count 4\n"));
    assert_non_null(strstr(buf_str(&out), "strata_cache_lookups_total{result=\"hit\"} 1\n"));
    assert_non_null(strstr(buf_str(&out), "strata_cache_lookups_total{result=\"miss\"} 2\n"));
    assert_non_null(strstr(buf_str(&out), "strata_model_reloads_total{result=\"failure\"} 1\n"));
    assert_non_null(strstr(buf_str(&out), "strata_model_reloads_total{result=\"success\"} 0\n"));
    assert_non_null(strstr(buf_str(&out), "strata_connections_open 3\n"));
    buf_release(&out);
}

static void every_family_has_help_and_type(void **state)
{
    struct buf out;
    const char *p;

    (void)state;
    buf_init(&out, 0);
    assert_int_equal(metrics_render(&out, NULL), 0);
    for (p = buf_str(&out); (p = strstr(p, "# TYPE ")) != NULL; p++) {
        char name[128], help[160];
        assert_int_equal(sscanf(p, "# TYPE %127s", name), 1);
        snprintf(help, sizeof(help), "# HELP %s ", name);
        assert_non_null(strstr(buf_str(&out), help));
    }
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_requests_by_route_and_status),
        cmocka_unit_test(every_family_has_help_and_type),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
