/* Unit tests for log.c: text and JSON lines on stderr, hostile values escaped. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "log.h"

/* Run fn with stderr redirected to a file; return what it wrote (caller frees). */
static char *capture(void (*fn)(void))
{
    char path[] = "/tmp/strata-log-XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    char *text = calloc(1, 65536);
    FILE *f;

    assert_true(fd >= 0);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_true(fread(text, 1, 65535, f) > 0);
    fclose(f);
    unlink(path);
    return text;
}

static const struct access_record hostile = {
    .client = "127.0.0.1",
    .method = "GET",
    .target = "/v1/x?q=\"\r\nInjected: 1",
    .version = "HTTP/1.1",
    .status = 400,
    .bytes = 12,
    .seconds = 0.0015,
    .request_id = "abc",
    .cache = "miss",
    .user_agent = NULL,
};

static void write_text(void)
{
    log_set_format(LOG_TEXT);
    log_message(LOG_WARN, "reload refused: %s", "bad");
    log_access(&hostile);
}

static void write_json(void)
{
    log_set_format(LOG_JSON);
    log_message(LOG_ERROR, "quote \" and newline \n");
    log_access(&hostile);
}

static void text_lines(void **state)
{
    char *text = capture(write_text);

    (void)state;
    assert_non_null(strstr(text, " warn: reload refused: bad\n"));
    assert_non_null(strstr(text, "127.0.0.1 \"GET /v1/x?q=\\x22\\x0d\\x0aInjected: 1 HTTP/1.1\" "
                                 "400 12 1.500ms id=abc cache=miss \"-\"\n"));
    /* exactly two lines: the CR/LF of the target did not split the line */
    assert_int_equal(strchr(strchr(text, '\n') + 1, '\n')[1], '\0');
    free(text);
}

static void json_lines(void **state)
{
    char *text = capture(write_json), *save = NULL;
    int lines = 0;

    (void)state;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *doc = cJSON_Parse(line);
        assert_non_null(doc);
        if (lines == 0) {
            assert_string_equal(cJSON_GetObjectItem(doc, "level")->valuestring, "error");
            assert_string_equal(cJSON_GetObjectItem(doc, "message")->valuestring,
                                "quote \" and newline \n");
        } else {
            assert_string_equal(cJSON_GetObjectItem(doc, "target")->valuestring,
                                "/v1/x?q=\"\r\nInjected: 1");
            assert_int_equal(cJSON_GetObjectItem(doc, "status")->valueint, 400);
            assert_string_equal(cJSON_GetObjectItem(doc, "request_id")->valuestring, "abc");
        }
        cJSON_Delete(doc);
        lines++;
    }
    assert_int_equal(lines, 2);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_lines),
        cmocka_unit_test(json_lines),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
