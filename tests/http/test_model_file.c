/*
 * HTTP tests of the compiled model file and the compile cache against the
 * real binary: --data FILE serves what --data DIR serves; a bad file is
 * refused at start (exit 1, naming the file and the check) and on SIGHUP (the
 * old model keeps serving); a model directory is compiled once into
 * --cache-dir and opened from there by the next start; a stale or broken
 * cached file is compiled again; a cache folder that cannot be written means
 * memory, and nothing written; SIGHUP with an unchanged model does nothing;
 * a cache folder keeps the four newest compiled files.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <utime.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"

static struct daemon_proc current;
static char scratch[] = "/tmp/strata-compiled-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
    return system(cmd) == 0 ? 0 : -1;
}

static int stop_daemon(void **state)
{
    (void)state;
    if (current.pid > 0)
        client_stop(&current, SIGTERM, 20 * client_time_scale());
    return 0;
}

/* Run the binary with args to completion; its exit status, stderr+stdout into out. */
static int run(const char *const args[], char *out, size_t size)
{
    const char *bin = getenv("STRATA_BIN");
    char cmd[4096], default_bin[600];
    size_t n;
    FILE *p;
    int status;

    snprintf(default_bin, sizeof(default_bin), "%s/build/strata", client_root());
    n = (size_t)snprintf(cmd, sizeof(cmd), "'%s'", bin && *bin ? bin : default_bin);
    for (size_t i = 0; args[i]; i++)
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " '%s'", args[i]);
    snprintf(cmd + n, sizeof(cmd) - n, " 2>&1");
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* path = scratch/name */
static void in_scratch(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", scratch, name);
}

/* Compile the model at relative (under the repository) into path. */
static void compile_to(const char *relative, const char *path)
{
    char data[700], out[4096];
    const char *args[] = {"--data", data, "--export-db", path, NULL};

    snprintf(data, sizeof(data), "%s/%s", client_root(), relative);
    if (run(args, out, sizeof(out)) != 0)
        fail_msg("--export-db %s: %s", path, out);
}

/* A copy of a model directory of the repository at scratch/name. */
static void copy_model(const char *relative, const char *name, char *dir, size_t size)
{
    char cmd[1600];

    in_scratch(dir, size, name);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s/%s' '%s'", dir, client_root(), relative,
             dir);
    assert_int_equal(system(cmd), 0);
}

static void version_of(const struct daemon_proc *d, char *out, size_t size, int *generation)
{
    cJSON *doc = client_get_json(d, "/readyz", 200);
    snprintf(out, size, "%s", cJSON_GetObjectItem(doc, "model_version")->valuestring);
    if (generation)
        *generation = cJSON_GetObjectItem(doc, "generation")->valueint;
    cJSON_Delete(doc);
}

/* The daemon's log contains want within a few seconds. */
static void log_says(const struct daemon_proc *d, const char *want)
{
    char *log;

    if (client_log_has(d, want, 10 * client_time_scale()))
        return;
    log = client_log(d);
    fail_msg("the log does not say \"%s\":\n%s", want, log ? log : "");
}

static void compiled_file_serves_the_same_model(void **state)
{
    char file[400], v_json[32], v_file[32], cache[400];
    struct daemon_proc json;
    struct reply a, b;
    const char *file_args[] = {"--data", file, NULL};
    const char *json_args[] = {"--cache-dir", "off", NULL};
    (void)state;

    in_scratch(file, sizeof(file), "bundled.strata");
    compile_to("data", file);
    assert_int_equal(client_start(&current, file_args), 0);
    assert_int_equal(client_start(&json, json_args), 0);
    log_says(&current, "opened the compiled model");
    version_of(&current, v_file, sizeof(v_file), NULL);
    version_of(&json, v_json, sizeof(v_json), NULL);
    assert_string_equal(v_file, v_json);
    assert_int_equal(client_get(&current, "/v1/actors?limit=5&sort=-name", &a), 0);
    assert_int_equal(client_get(&json, "/v1/actors?limit=5&sort=-name", &b), 0);
    assert_int_equal(a.status, 200);
    assert_string_equal(buf_str(&a.body), buf_str(&b.body));
    assert_string_equal(reply_header_str(&a, "ETag"), reply_header_str(&b, "ETag"));
    reply_release(&a);
    reply_release(&b);
    /* --cache-dir off: nothing was written */
    snprintf(cache, sizeof(cache), "%s/cache", json.dir);
    assert_int_equal(access(cache, F_OK), -1);
    client_stop(&json, SIGTERM, 20 * client_time_scale());
}

static void bad_file_is_refused_at_start(void **state)
{
    char file[400], out[4096];
    const char *args[] = {"--data", file, "--port", "0", NULL};
    const char *check[] = {"--check", "--data", file, NULL};
    (void)state;

    in_scratch(file, sizeof(file), "truncated.strata");
    compile_to("data", file);
    assert_int_equal(truncate(file, 8192), 0);
    assert_int_equal(run(args, out, sizeof(out)), 1);
    if (!strstr(out, file) || !strstr(out, "truncated: the header says"))
        fail_msg("the refusal does not name the file and the check: %s", out);
    assert_int_equal(run(check, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "truncated"));
}

static void bad_file_on_reload_keeps_the_old_model(void **state)
{
    char file[400], next[400], before[32], after[32];
    int generation, later;
    const char *args[] = {"--data", file, NULL};
    (void)state;

    in_scratch(file, sizeof(file), "served.strata");
    in_scratch(next, sizeof(next), "next.strata");
    compile_to("data", file);
    assert_int_equal(client_start(&current, args), 0);
    version_of(&current, before, sizeof(before), &generation);
    /* a foreign SQLite file in its place */
    compile_to("tests/fixtures/valid", next);
    {
        static const unsigned char other[4] = {0, 0, 0, 0};
        int fd = open(next, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, other, 4, 68), 4); /* application_id */
        close(fd);
    }
    assert_int_equal(rename(next, file), 0);
    assert_int_equal(kill(current.pid, SIGHUP), 0);
    log_says(&current, "reload refused");
    assert_true(client_log_has(&current, "not a Strata compiled model", 0));
    version_of(&current, after, sizeof(after), &later);
    assert_string_equal(after, before);
    assert_int_equal(later, generation);
    /* a good one of another model replaces it */
    compile_to("tests/fixtures/valid", next);
    assert_int_equal(rename(next, file), 0);
    assert_int_equal(kill(current.pid, SIGHUP), 0);
    log_says(&current, "reloaded model");
    version_of(&current, after, sizeof(after), &later);
    assert_string_not_equal(after, before);
    assert_int_equal(later, generation + 1);
}

static void cache_compiles_once(void **state)
{
    char dir[400], cache[400], file[600], v1[32], v2[32];
    struct stat first, second;
    int generation, later;
    const char *args[] = {"--data", dir, "--cache-dir", cache, NULL};
    (void)state;

    copy_model("data", "model-a", dir, sizeof(dir));
    in_scratch(cache, sizeof(cache), "cache-a");
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "into the cache: ");
    version_of(&current, v1, sizeof(v1), &generation);
    /* SIGHUP with nothing changed: nothing to do */
    assert_int_equal(kill(current.pid, SIGHUP), 0);
    log_says(&current, "is unchanged; still serving generation");
    version_of(&current, v2, sizeof(v2), &later);
    assert_int_equal(later, generation);
    client_stop(&current, SIGTERM, 20 * client_time_scale());
    {
        char *log = client_log(&current);
        char *at = strstr(log, "into the cache: ");
        assert_non_null(at);
        snprintf(file, sizeof(file), "%.*s", (int)strcspn(at + 16, "\n;"), at + 16);
        free(log);
    }
    assert_int_equal(stat(file, &first), 0);
    /* the next start opens that file, compiles nothing, writes nothing */
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "opened the cached compile");
    assert_false(client_log_has(&current, "into the cache", 0));
    version_of(&current, v2, sizeof(v2), NULL);
    assert_string_equal(v1, v2);
    assert_int_equal(stat(file, &second), 0);
    assert_true(first.st_mtim.tv_sec == second.st_mtim.tv_sec &&
                first.st_mtim.tv_nsec == second.st_mtim.tv_nsec);
    assert_true(first.st_ino == second.st_ino);
}

static void stale_or_broken_cache_is_compiled_again(void **state)
{
    char dir[400], cache[400], article[600], v1[32], v2[32], cmd[1400];
    const char *args[] = {"--data", dir, "--cache-dir", cache, NULL};
    FILE *f;
    (void)state;

    copy_model("data", "model-b", dir, sizeof(dir));
    in_scratch(cache, sizeof(cache), "cache-b");
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "into the cache: ");
    version_of(&current, v1, sizeof(v1), NULL);
    client_stop(&current, SIGTERM, 20 * client_time_scale());
    /* the same model.json, a longer article: the cached file is stale */
    snprintf(article, sizeof(article), "%s/article.txt", dir);
    f = fopen(article, "a");
    assert_non_null(f);
    fputs("\nA paragraph added after the compile.\n", f);
    fclose(f);
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "the cached file is stale");
    version_of(&current, v2, sizeof(v2), NULL);
    assert_string_not_equal(v1, v2);
    client_stop(&current, SIGTERM, 20 * client_time_scale());
    /* a broken cached file: refused, compiled again */
    snprintf(cmd, sizeof(cmd), "for f in '%s'/*.strata; do truncate -s 4096 \"$f\"; done", cache);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "the cached file was refused (truncated");
    version_of(&current, v1, sizeof(v1), NULL);
    assert_string_equal(v1, v2);
}

static void unwritable_cache_means_memory(void **state)
{
    char cache[400];
    cJSON *doc;
    const char *args[] = {"--cache-dir", cache, NULL};
    (void)state;

    /* a folder below a regular file can never be created, not even by root */
    in_scratch(cache, sizeof(cache), "a-file");
    fclose(fopen(cache, "w"));
    in_scratch(cache, sizeof(cache), "a-file/cache");
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "into memory: cannot create the cache folder");
    doc = client_get_json(&current, "/v1/actors?limit=1", 200);
    cJSON_Delete(doc);
}

static void cache_keeps_the_newest_four(void **state)
{
    char dir[400], cache[400], path[700], cmd[1200];
    struct utimbuf old = {1000000000, 1000000000};
    const char *args[] = {"--data", dir, "--cache-dir", cache, NULL};
    int left = 0;
    (void)state;

    copy_model("data", "model-c", dir, sizeof(dir));
    in_scratch(cache, sizeof(cache), "cache-c");
    assert_int_equal(mkdir(cache, 0700), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/%016x.strata", cache, i + 1);
        fclose(fopen(path, "w"));
        old.actime = old.modtime = 1000000000 + i;
        assert_int_equal(utime(path, &old), 0);
    }
    snprintf(path, sizeof(path), "%s/notes.txt", cache);
    fclose(fopen(path, "w"));
    assert_int_equal(client_start(&current, args), 0);
    log_says(&current, "into the cache: ");
    /* the new file and the three newest old ones; a file the cache did not write stays */
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/%016x.strata", cache, i + 1);
        left += access(path, F_OK) == 0;
    }
    assert_int_equal(left, 3);
    snprintf(path, sizeof(path), "%s/%016x.strata", cache, 1);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof(path), "%s/notes.txt", cache);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(cmd, sizeof(cmd), "test $(ls '%s'/*.strata | wc -l) -eq 4", cache);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(compiled_file_serves_the_same_model, stop_daemon),
        cmocka_unit_test_teardown(bad_file_is_refused_at_start, stop_daemon),
        cmocka_unit_test_teardown(bad_file_on_reload_keeps_the_old_model, stop_daemon),
        cmocka_unit_test_teardown(cache_compiles_once, stop_daemon),
        cmocka_unit_test_teardown(stale_or_broken_cache_is_compiled_again, stop_daemon),
        cmocka_unit_test_teardown(unwritable_cache_means_memory, stop_daemon),
        cmocka_unit_test_teardown(cache_keeps_the_newest_four, stop_daemon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
