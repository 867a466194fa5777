/* Unit tests for api_spec.c: loading the spec folder and the three handlers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "api_spec.h"
#include "error.h"

#define YAML_TEXT "openapi: 3.1.0\ninfo:\n  title: T\n"
#define JSON_TEXT "{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"T\", \"n\": [1, 2.5]}}\n"
#define HTML_TEXT "<!DOCTYPE html>\n<title>T</title>\n"

struct folder {
    char dir[64];
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

/* A spec folder with valid files (each test breaks what it needs). */
static int folder_setup(void **state)
{
    struct folder *f = calloc(1, sizeof(*f));
    char docs[128];

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/strata-api-spec-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(docs, sizeof(docs), "%s/docs", f->dir);
    assert_int_equal(mkdir(docs, 0755), 0);
    write_file(f->dir, "openapi.yaml", YAML_TEXT);
    write_file(f->dir, "openapi.json", JSON_TEXT);
    write_file(f->dir, "docs/index.html", HTML_TEXT);
    *state = f;
    return 0;
}

static int folder_teardown(void **state)
{
    struct folder *f = *state;
    char docs[128];

    api_spec_unload();
    remove_file(f->dir, "openapi.yaml");
    remove_file(f->dir, "openapi.json");
    remove_file(f->dir, "docs/index.html");
    snprintf(docs, sizeof(docs), "%s/docs", f->dir);
    rmdir(docs);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Run a handler on a request with the given parameters. */
static void call(void (*handler)(const struct request *, struct response *),
                 const struct param *params, size_t count, bool pretty, struct response *res)
{
    struct request req;

    memset(&req, 0, sizeof(req));
    req.path = "/openapi.json";
    req.raw_target = "/openapi.json";
    req.params = params;
    req.param_count = count;
    req.pretty = pretty;
    response_init(res);
    handler(&req, res);
}

static void loads_and_serves_the_three_files(void **state)
{
    struct folder *f = *state;
    struct response res;

    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
    assert_string_equal(api_spec_error(), "");

    call(api_spec_yaml, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    assert_string_equal(buf_str(&res.body), YAML_TEXT);
    response_release(&res);

    call(api_spec_docs, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    assert_string_equal(buf_str(&res.body), HTML_TEXT);
    response_release(&res);
}

static void json_is_compact_or_pretty(void **state)
{
    struct folder *f = *state;
    struct response res;
    cJSON *doc;

    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
    call(api_spec_json, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    assert_string_equal(buf_str(&res.body),
                        "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"T\",\"n\":[1,2.5]}}");
    response_release(&res);

    call(api_spec_json, NULL, 0, true, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    assert_non_null(strstr(buf_str(&res.body), "\n  \"info\": {\n    \"title\": \"T\""));
    assert_int_equal(buf_str(&res.body)[res.body.len - 1], '\n');
    doc = cJSON_Parse(buf_str(&res.body));
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.1.0");
    cJSON_Delete(doc);
    response_release(&res);
}

static void unknown_parameters_are_refused(void **state)
{
    struct folder *f = *state;
    const struct param params[] = {
        {"pretty", "true"}, {"colour", "red"}, {"format", "json"}, {"x", ""}};
    struct response res;

    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
    call(api_spec_json, params, 4, true, &res);
    assert_int_equal(res.problem.code, PROBLEM_UNKNOWN_PARAMETER);
    assert_int_equal(res.problem.error_count, 2);
    assert_string_equal(res.problem.errors[0].parameter, "colour");
    assert_string_equal(res.problem.errors[0].value, "red");
    assert_non_null(strstr(res.problem.errors[0].reason, "allowed: format, pretty"));
    assert_string_equal(res.problem.errors[1].parameter, "x");
    assert_int_equal(res.body.len, 0);
    response_release(&res);

    /* format and pretty alone are fine */
    call(api_spec_yaml, params, 1, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    response_release(&res);
}

/* A failed load leaves the routes answering 500 with the reason. */
static void expect_unavailable(const char *reason)
{
    struct response res;

    assert_non_null(strstr(api_spec_error(), reason));
    call(api_spec_yaml, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_INTERNAL);
    assert_non_null(strstr(res.problem.detail, reason));
    assert_non_null(strstr(res.problem.detail, "--spec-dir"));
    assert_int_equal(res.body.len, 0);
    response_release(&res);
    call(api_spec_docs, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_INTERNAL);
    response_release(&res);
}

static void a_missing_folder_or_file_is_reported(void **state)
{
    struct folder *f = *state;

    assert_int_equal(api_spec_load(NULL), STRATA_EINVAL);
    expect_unavailable("--spec-dir is empty");
    assert_int_equal(api_spec_load(""), STRATA_EINVAL);

    assert_int_equal(api_spec_load("/nonexistent/strata-spec"), STRATA_EIO);
    expect_unavailable("/nonexistent/strata-spec/openapi.yaml: No such file or directory");

    remove_file(f->dir, "docs/index.html");
    assert_int_equal(api_spec_load(f->dir), STRATA_EIO);
    expect_unavailable("docs/index.html: No such file or directory");
}

static void bad_files_are_refused_and_unserve_the_old_ones(void **state)
{
    struct folder *f = *state;

    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
    write_file(f->dir, "openapi.json", "[1, 2]");
    assert_int_equal(api_spec_load(f->dir), STRATA_EPARSE);
    expect_unavailable("openapi.json: not a JSON object");

    write_file(f->dir, "openapi.json", "{\"openapi\": ");
    assert_int_equal(api_spec_load(f->dir), STRATA_EPARSE);
    expect_unavailable("openapi.json: not a JSON object");

    write_file(f->dir, "openapi.json", JSON_TEXT);
    write_file(f->dir, "openapi.yaml", "");
    assert_int_equal(api_spec_load(f->dir), STRATA_EPARSE);
    expect_unavailable("openapi.yaml: the file is empty");

    /* a good load afterwards serves again */
    write_file(f->dir, "openapi.yaml", YAML_TEXT);
    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
    assert_string_equal(api_spec_error(), "");
}

static void unload_and_never_loaded(void **state)
{
    struct folder *f = *state;

    api_spec_unload();
    expect_unavailable("unloaded");
    api_spec_unload(); /* twice is harmless */
    assert_int_equal(api_spec_load(f->dir), STRATA_OK);
}

/* The committed api-spec/ folder loads and its JSON is the document. */
static void the_project_spec_loads(void **state)
{
    const char *root = getenv("STRATA_ROOT");
    char dir[1024];
    struct response res;
    cJSON *doc;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/api-spec", root && *root ? root : ".");
    assert_int_equal(api_spec_load(dir), STRATA_OK);
    call(api_spec_json, NULL, 0, false, &res);
    assert_int_equal(res.problem.code, PROBLEM_NONE);
    doc = cJSON_Parse(buf_str(&res.body));
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.1.0");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "paths"), "/openapi.json"));
    cJSON_Delete(doc);
    response_release(&res);
    api_spec_unload();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_and_serves_the_three_files, folder_setup,
                                        folder_teardown),
        cmocka_unit_test_setup_teardown(json_is_compact_or_pretty, folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(unknown_parameters_are_refused, folder_setup,
                                        folder_teardown),
        cmocka_unit_test_setup_teardown(a_missing_folder_or_file_is_reported, folder_setup,
                                        folder_teardown),
        cmocka_unit_test_setup_teardown(bad_files_are_refused_and_unserve_the_old_ones,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(unload_and_never_loaded, folder_setup, folder_teardown),
        cmocka_unit_test(the_project_spec_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
