/* Unit tests for config.c: defaults, flags, environment, errors, help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static enum config_result parse(struct config *cfg, int argc, const char **argv, struct buf *out,
                                struct buf *err)
{
    config_defaults(cfg);
    return config_parse(cfg, argc, (char **)(void *)argv, out, err);
}

static void defaults_and_flags(void **state)
{
    struct config cfg;
    struct buf out, err;
    const char *argv[] = {"strata", "--port",       "0", "--bind=::1", "--log-format",
                          "json",   "--cache-size", "0", "--check",    "--access-log=false"};

    (void)state;
    buf_init(&out, 0);
    buf_init(&err, 0);
    assert_int_equal(parse(&cfg, 1, argv, &out, &err), CONFIG_RUN);
    assert_int_equal(cfg.port, 8080);
    assert_string_equal(cfg.data, "data");
    assert_string_equal(cfg.cors_origin, "*");
    assert_int_equal(parse(&cfg, 10, argv, &out, &err), CONFIG_RUN);
    assert_int_equal(cfg.port, 0);
    assert_string_equal(cfg.bind, "::1");
    assert_int_equal(cfg.log_format, LOG_JSON);
    assert_int_equal(cfg.cache_size, 0);
    assert_true(cfg.check);
    assert_false(cfg.access_log);
    buf_release(&out);
    buf_release(&err);
}

static void environment_then_flags(void **state)
{
    struct config cfg;
    struct buf out, err;
    const char *argv[] = {"strata", "--threads", "3"};

    (void)state;
    buf_init(&out, 0);
    buf_init(&err, 0);
    setenv("STRATA_THREADS", "7", 1);
    setenv("STRATA_CORS_ORIGIN", "http://a.example", 1);
    assert_int_equal(parse(&cfg, 1, argv, &out, &err), CONFIG_RUN);
    assert_int_equal(cfg.threads, 7);
    assert_string_equal(cfg.cors_origin, "http://a.example");
    assert_int_equal(parse(&cfg, 3, argv, &out, &err), CONFIG_RUN);
    assert_int_equal(cfg.threads, 3);
    setenv("STRATA_TIMEOUT", "soon", 1);
    assert_int_equal(parse(&cfg, 1, argv, &out, &err), CONFIG_ERROR);
    assert_non_null(strstr(buf_str(&err), "STRATA_TIMEOUT: invalid value 'soon'"));
    unsetenv("STRATA_TIMEOUT");
    unsetenv("STRATA_THREADS");
    unsetenv("STRATA_CORS_ORIGIN");
    buf_release(&out);
    buf_release(&err);
}

static void errors_name_the_option(void **state)
{
    struct {
        int argc;
        const char *argv[3];
        const char *message;
    } cases[] = {
        {2, {"strata", "--nope"}, "unknown option '--nope'"},
        {3,
         {"strata", "--port", "70000"},
         "--port: invalid value '70000'; expected a whole number "
         "from 0 to 65535"},
        {3, {"strata", "--port", "-1"}, "--port: invalid value '-1'"},
        {2, {"strata", "--port"}, "--port: missing value; expected N"},
        {3, {"strata", "--log-format", "xml"}, "expected text or json"},
        {2, {"strata", "stray"}, "unexpected argument 'stray'"},
        {3, {"strata", "--max-connections", "0"}, "from 1 to"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config cfg;
        struct buf out, err;
        buf_init(&out, 0);
        buf_init(&err, 0);
        assert_int_equal(parse(&cfg, cases[i].argc, cases[i].argv, &out, &err), CONFIG_ERROR);
        assert_non_null(strstr(buf_str(&err), cases[i].message));
        buf_release(&out);
        buf_release(&err);
    }
}

static void help_and_version(void **state)
{
    struct config cfg;
    struct buf out, err;
    const char *help[] = {"strata", "--help"};
    const char *version[] = {"strata", "--version"};

    (void)state;
    buf_init(&out, 0);
    buf_init(&err, 0);
    assert_int_equal(parse(&cfg, 2, help, &out, &err), CONFIG_EXIT);
    assert_non_null(strstr(buf_str(&out), "--cors-origin LIST"));
    assert_non_null(strstr(buf_str(&out), "STRATA_CACHE_MAX_AGE"));
    buf_reset(&out);
    assert_int_equal(parse(&cfg, 2, version, &out, &err), CONFIG_EXIT);
    assert_non_null(strstr(buf_str(&out), "strata " STRATA_VERSION));
    buf_release(&out);
    buf_release(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_flags),
        cmocka_unit_test(environment_then_flags),
        cmocka_unit_test(errors_name_the_option),
        cmocka_unit_test(help_and_version),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
