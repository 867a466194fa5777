/*
 * The response cache under hostile traffic, against the real daemon and
 * observed through /metrics.
 *
 * - A flood of one-off URLs worth 10 times the cache budget leaves the
 *   answers asked for repeatedly before it cached (S3-FIFO), evicts, and
 *   keeps strata_cache_bytes within the budget.
 * - Requests with distinct 8 KB Accept headers that all negotiate JSON are
 *   one cache entry (the key holds the negotiated representation, never the
 *   raw header), and resident memory grows by no more than the cache budget
 *   plus 10 MB.
 * - Equivalent spellings of a request are answered from one entry with one
 *   ETag.
 * - Bodies sent with sendfile from a memfd equal those sent from memory
 *   (identity, gzip, HEAD, 304).
 * - 16 clients that request a response too big for the cache (megabytes,
 *   from a model 20 times the bundled one) and do not read share one copy of
 *   it, rendered once (strata_cache_shared_bytes, freed when the last one
 *   goes), and resident memory stays under twice its idle value.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"

#define BUDGET ((size_t)2 << 20)

/* Built with AddressSanitizer (make test-asan): so is the daemon under test. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif
#define MB (1024.0 * 1024.0)

/* The daemon of the running test, stopped by the teardown even when the test fails. */
static struct daemon_proc current;
/* A generated model of the running test, removed by the teardown too ("" when none). */
static char model_dir[256];

static void remove_model(const char *dir)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/model.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/article.txt", dir);
    unlink(path);
    rmdir(dir);
}

static int stop_current(void **state)
{
    (void)state;
    if (current.pid > 0)
        client_stop(&current, 15, 10);
    current.pid = 0;
    if (model_dir[0])
        remove_model(model_dir);
    model_dir[0] = '\0';
    return 0;
}

static void start(const char *const args[])
{
    assert_int_equal(client_start(&current, args), 0);
}

/* The value of metric line "name " (first sample) in /metrics. */
static double metric(const char *name)
{
    struct reply r;
    char pattern[160];
    const char *at;
    double value = -1;

    assert_int_equal(client_get(&current, "/metrics", &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(pattern, sizeof(pattern), "\n%s ", name);
    at = strstr(buf_str(&r.body), pattern);
    if (!at)
        fail_msg("/metrics has no %s", name);
    value = strtod(at + strlen(pattern), NULL);
    reply_release(&r);
    return value;
}

static double hits(void)
{
    return metric("strata_cache_lookups_total{result=\"hit\"}");
}

static void get_ok(const char *target, const char *const headers[], char *etag, size_t size)
{
    struct reply r;

    assert_int_equal(client_request(&current, "GET", target, headers, &r), 0);
    if (r.status != 200)
        fail_msg("%s: status %ld", target, r.status);
    if (etag)
        assert_non_null(reply_header(&r, "ETag", etag, size));
    reply_release(&r);
}

static const char *const popular[] = {
    "/v1/events", "/v1/actors", "/v1/layers", "/v1/stats", "/v1/graph", "/v1/timeline",
};
#define POPULAR (sizeof(popular) / sizeof(popular[0]))

static void one_off_url_flood_keeps_popular_answers(void **state)
{
    char budget[32], target[256];
    const char *args[] = {"--cache-size", budget, "--access-log", "false", NULL};
    double before, flooded = 0, bytes;
    size_t n = 0;

    (void)state;
    snprintf(budget, sizeof(budget), "%zu", BUDGET);
    start(args);
    for (int round = 0; round < 2; round++) /* the dashboard asks twice: regulars */
        for (size_t i = 0; i < POPULAR; i++)
            get_ok(popular[i], NULL, NULL, 0);
    while (flooded < 10.0 * (double)BUDGET) {
        struct reply r;
        snprintf(target, sizeof(target), "/v1/%s?limit=%zu&pretty=true",
                 n % 2 ? "evidence" : "relations", 1 + n / 2 % 500);
        assert_int_equal(client_get(&current, target, &r), 0);
        assert_int_equal(r.status, 200);
        flooded += (double)r.body.len;
        reply_release(&r);
        n++;
    }
    bytes = metric("strata_cache_bytes");
    assert_true(bytes <= (double)BUDGET);
    assert_true(metric("strata_cache_evictions_total") > 0);
    before = hits();
    for (size_t i = 0; i < POPULAR; i++)
        get_ok(popular[i], NULL, NULL, 0);
    print_message("flood: %zu one-off URLs, %.1f MB (10x the %.1f MB budget); cache %.2f MB; "
                  "popular answers still cached: %.0f of %zu\n",
                  n, flooded / MB, (double)BUDGET / MB, bytes / MB, hits() - before, POPULAR);
    assert_int_equal(hits() - before, POPULAR);
    /* and the cache still admits: a route first asked for after the flood is cached */
    get_ok("/v1/claims", NULL, NULL, 0);
    before = hits();
    get_ok("/v1/claims", NULL, NULL, 0);
    assert_int_equal(hits() - before, 1);
}

static void distinct_accept_headers_share_one_entry(void **state)
{
    char budget[32], accept[8300];
    const char *args[] = {"--cache-size", budget, "--access-log", "false", NULL};
    const char *headers[] = {accept, NULL};
    double rss_before, rss_after, entries_before;
    size_t count = 0;
    double started;

    (void)state;
    snprintf(budget, sizeof(budget), "%zu", BUDGET);
    if (UNDER_ASAN) {
        /*
         * AddressSanitizer keeps freed memory in a quarantine (256 MB by
         * default) that RSS would count: without it RSS measures the daemon.
         */
        const char *old = getenv("ASAN_OPTIONS");
        char options[512];
        snprintf(options, sizeof(options), "%s%squarantine_size_mb=0", old ? old : "",
                 old && *old ? ":" : "");
        setenv("ASAN_OPTIONS", options, 1);
        start(args);
        if (old)
            setenv("ASAN_OPTIONS", old, 1);
        else
            unsetenv("ASAN_OPTIONS");
    } else {
        start(args);
    }
    get_ok("/v1/layers", NULL, NULL, 0);
    rss_before = metric("process_resident_memory_bytes");
    entries_before = metric("strata_cache_entries");
    started = client_now();
    while (client_now() - started < 5.0 || count < 500) {
        int n = snprintf(accept, sizeof(accept), "Accept: application/json, text/x-%zu-", count);
        memset(accept + n, 'a', 8192 - (size_t)n);
        snprintf(accept + 8192, sizeof(accept) - 8192, ";q=0.5");
        get_ok("/v1/layers", headers, NULL, 0);
        count++;
    }
    rss_after = metric("process_resident_memory_bytes");
    print_message("%zu requests with distinct 8 KB Accept headers in %.1f s: entries %.0f -> %.0f, "
                  "RSS %.1f -> %.1f MB\n",
                  count, client_now() - started, entries_before, metric("strata_cache_entries"),
                  rss_before / MB, rss_after / MB);
    assert_true(metric("strata_cache_entries") == entries_before);
    assert_true(rss_after - rss_before <= (double)BUDGET + 10 * MB);
}

static void equivalent_requests_hit_one_entry(void **state)
{
    const char *args[] = {"--access-log", "false", NULL};
    const char *star[] = {"Accept: */*", NULL};
    const char *json[] = {"Accept: application/json", NULL};
    char first[64], etag[64];
    double before;

    (void)state;
    start(args);
    get_ok("/v1/actors", NULL, first, sizeof(first));
    before = hits();
    get_ok("/v1/actors?limit=50&offset=0", NULL, etag, sizeof(etag));
    assert_string_equal(etag, first);
    get_ok("/v1/actors?offset=0&limit=50&pretty=false", star, etag, sizeof(etag));
    assert_string_equal(etag, first);
    get_ok("/v1/actors", json, etag, sizeof(etag));
    assert_string_equal(etag, first);
    assert_int_equal(hits() - before, 3);
    assert_int_equal(metric("strata_cache_entries"), 1);
    /* folded filter lists */
    get_ok("/v1/events?type=summit,meeting", NULL, first, sizeof(first));
    before = hits();
    get_ok("/v1/events?type=meeting&type=summit", NULL, etag, sizeof(etag));
    assert_string_equal(etag, first);
    assert_int_equal(hits() - before, 1);
}

/* GET (or HEAD) target with headers from the current daemon into r. */
static void fetch(const char *method, const char *target, const char *const headers[],
                  struct reply *r)
{
    assert_int_equal(client_request(&current, method, target, headers, r), 0);
}

static void sendfile_bodies_equal_memory_bodies(void **state)
{
    const char *memory_args[] = {"--sendfile-min-bytes", "0", "--access-log", "false", NULL};
    const char *file_args[] = {"--sendfile-min-bytes", "1", "--access-log", "false", NULL};
    const char *gzip[] = {"Accept-Encoding: gzip", NULL};
    const char *targets[] = {"/v1/actors", "/v1/stats", "/openapi.json"};
    struct reply mem[3][3], file[3][3];

    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        start(pass ? file_args : memory_args);
        for (size_t t = 0; t < 3; t++) {
            struct reply(*out)[3] = pass ? file : mem;
            struct reply warm;
            fetch("GET", targets[t], NULL, &warm); /* cached now */
            reply_release(&warm);
            fetch("GET", targets[t], NULL, &out[t][0]);
            fetch("GET", targets[t], gzip, &out[t][1]);
            fetch("HEAD", targets[t], gzip, &out[t][2]);
        }
        if (pass)
            assert_true(metric("strata_cache_file_entries") >= 3);
        else
            assert_int_equal(metric("strata_cache_file_entries"), 0);
        stop_current(NULL);
    }
    for (size_t t = 0; t < 3; t++) {
        for (int v = 0; v < 3; v++) {
            char a[64], b[64];
            assert_int_equal(file[t][v].status, 200);
            assert_int_equal(file[t][v].body.len, mem[t][v].body.len);
            assert_memory_equal(buf_str(&file[t][v].body), buf_str(&mem[t][v].body),
                                mem[t][v].body.len);
            assert_string_equal(reply_header(&file[t][v], "Content-Length", a, sizeof(a)),
                                reply_header(&mem[t][v], "Content-Length", b, sizeof(b)));
            assert_string_equal(reply_header(&file[t][v], "ETag", a, sizeof(a)),
                                reply_header(&mem[t][v], "ETag", b, sizeof(b)));
        }
        assert_int_equal(file[t][2].body.len, 0); /* HEAD */
        for (int v = 0; v < 3; v++) {
            reply_release(&file[t][v]);
            reply_release(&mem[t][v]);
        }
    }
}

/* A connection with a tiny receive window that sends a request and reads nothing. */
static int stalled_client(const char *target)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
    char request[512];
    int len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)current.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(send(fd, request, (size_t)len, MSG_NOSIGNAL), len);
    return fd;
}

/* A model 20 times the bundled one (tools/gen-model.py) in a new directory. */
static void generate_model(char *dir, size_t size)
{
    char command[2048];

    snprintf(dir, size, "/tmp/strata-cache-model-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(command, sizeof(command),
             "python3 %s/tools/gen-model.py --scale 20 --out %s >/dev/null", client_root(), dir);
    assert_int_equal(system(command), 0);
}

static void non_reading_clients_share_one_body(void **state)
{
    /* the largest answers of a 20x model: megabytes, more than socket buffers absorb */
    static const char *const candidates[] = {
        "/v1/timeline?include=actors,places,layers,threats,claims,evidence",
        "/v1/graph",
        "/v1/timeline",
    };
    const char *largest = NULL;
    char budget[32], *dir = model_dir;
    /*
     * No deadline: rendering megabytes may take longer than the default under
     * load. One worker thread: a second thread would render in a malloc arena
     * of its own, and RSS would measure glibc's arenas instead of copies.
     */
    const char *args[] = {"--data",
                          dir,
                          "--cache-size",
                          budget,
                          "--access-log",
                          "false",
                          "--request-timeout",
                          "0",
                          "--threads",
                          "1",
                          NULL};
    int fds[16];
    double idle, loaded, shared, started, renderings;
    size_t body = 0;

    (void)state;
    snprintf(budget, sizeof(budget), "%zu", (size_t)8 << 20);
    generate_model(dir, sizeof(model_dir));
    start(args);
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !largest; i++) {
        struct reply r;
        fetch("GET", candidates[i], NULL, &r);
        if (r.status == 200 && r.body.len > ((size_t)1 << 20)) {
            largest = candidates[i];
            body = r.body.len;
        }
        reply_release(&r);
    }
    assert_non_null(largest);
    started = client_now(); /* the one we fetched is gone: nobody holds it */
    while (metric("strata_cache_shared_bytes") > 0 && client_now() - started < 5)
        usleep(20000);
    idle = metric("process_resident_memory_bytes");
    renderings = metric("strata_cache_rejected_admissions_total");
    for (int i = 0; i < 16; i++)
        fds[i] = stalled_client(largest);
    started = client_now();
    while (metric("strata_cache_shared_bytes") == 0 && client_now() - started < 5)
        usleep(20000);
    usleep(500000); /* every request has arrived and been answered */
    shared = metric("strata_cache_shared_bytes");
    loaded = metric("process_resident_memory_bytes");
    renderings = metric("strata_cache_rejected_admissions_total") - renderings;
    print_message(
        "16 non-reading clients of %s (%zu bytes): rendered %.0f time(s), shared %.2f MB, "
        "RSS idle %.1f MB, loaded %.1f MB\n",
        largest, body, renderings, shared / MB, idle / MB, loaded / MB);
    assert_true(shared >= (double)body);      /* held by the stalled connections... */
    assert_true(shared < 2.0 * (double)body); /* ...as one copy */
    assert_true(renderings == 1);
    assert_true(loaded < 2 * idle);
    for (int i = 0; i < 16; i++)
        close(fds[i]);
    started = client_now();
    while (metric("strata_cache_shared_bytes") > 0 && client_now() - started < 5)
        usleep(20000);
    assert_true(metric("strata_cache_shared_bytes") == 0); /* the last sender freed it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(one_off_url_flood_keeps_popular_answers, stop_current),
        cmocka_unit_test_teardown(distinct_accept_headers_share_one_entry, stop_current),
        cmocka_unit_test_teardown(equivalent_requests_hit_one_entry, stop_current),
        cmocka_unit_test_teardown(sendfile_bodies_equal_memory_bodies, stop_current),
        cmocka_unit_test_teardown(non_reading_clients_share_one_body, stop_current),
    };
    return cmocka_run_group_tests_name("cache_flood", tests, NULL, NULL);
}
