/*
 * Hostile input against the real daemon, over raw sockets and libcurl:
 * malformed request lines, bad HTTP versions, invalid percent-encoding, NUL
 * bytes and invalid UTF-8, huge, repeated and thousands of parameters,
 * overlong URLs and headers, CR/LF in X-Request-Id, ambiguous message
 * framing, absurd limit/offset, and FTS syntax errors and SQL-looking text
 * in every parameter (and header) of every route the OpenAPI document lists.
 *
 * Each input gets a 4xx (a problem+json whenever the request reached the
 * API; libmicrohttpd's own refusals of unparsable requests are 400/505 or a
 * closed connection), never a crash, a 500, a hang or a reflected unsafe
 * header; after each batch the daemon still answers /healthz, and at the end
 * /metrics has counted no 5xx and the daemon drains and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "client.h"

/*
 * The shared daemon drops idle connections after IDLE_TIMEOUT seconds; a
 * refused or answered request must be settled (answered or closed) within
 * SETTLE_SECONDS: requests the parser cannot use (only empty lines, say) may
 * hold their connection until the idle timeout, never longer.
 */
#define IDLE_TIMEOUT "3"
#define SETTLE_SECONDS (6.0 * client_time_scale())

static struct daemon_proc d;
static cJSON *spec;  /* api-spec/openapi.json */
static CURL *curl;   /* one keep-alive connection for the many small requests */
static long checked; /* requests whose answer was checked */

/* ---- plumbing ------------------------------------------------------------ */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;

    if (!f)
        return NULL;
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return buf_detach(&b, NULL);
}

static int start(void **state)
{
    const char *args[] = {"--timeout", IDLE_TIMEOUT, NULL};
    char path[700];
    char *text;

    (void)state;
    snprintf(path, sizeof(path), "%s/api-spec/openapi.json", client_root());
    text = read_file(path);
    if (!text) {
        fprintf(stderr, "test_hostile: cannot read %s\n", path);
        return -1;
    }
    spec = cJSON_Parse(text);
    free(text);
    if (!spec || !cJSON_GetObjectItem(spec, "paths")) {
        fprintf(stderr, "test_hostile: %s is not an OpenAPI document\n", path);
        return -1;
    }
    curl = curl_easy_init();
    return curl && client_start(&d, args) == 0 ? 0 : -1;
}

static int stop(void **state)
{
    (void)state;
    curl_easy_cleanup(curl);
    cJSON_Delete(spec);
    printf("test_hostile: %ld hostile requests checked\n", checked);
    return client_stop(&d, SIGTERM, 20 * client_time_scale()) == 0 ? 0 : -1;
}

/* GET target (already percent-encoded as wanted) on the shared keep-alive handle. */
static void fetch(const char *target, const char *const headers[], struct reply *r)
{
    struct curl_slist *list = NULL;
    char url[70000];
    CURLcode rc;

    buf_init(&r->headers, 0);
    buf_init(&r->body, 0);
    r->status = 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", d.port, target);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, client_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, client_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)(20 * client_time_scale()));
    for (size_t i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    rc = curl_easy_perform(curl);
    curl_slist_free_all(list);
    if (rc != CURLE_OK)
        fail_msg("GET %.300s: no answer (%s): crash, hang or reset?", target,
                 curl_easy_strerror(rc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    checked++;
}

/* Is s a safe X-Request-Id: 1-128 of [A-Za-z0-9._:/+=@-]? */
static bool safe_request_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("._:/+=@-", s[i])))
            return false;
    return true;
}

/*
 * What every answer must satisfy: no 5xx; a problem+json body naming its
 * code for every 4xx; a safe X-Request-Id; no header line that the request
 * could have injected.
 */
static void check_reply(const char *what, const struct reply *r)
{
    const char *type;

    if (r->status >= 500 || r->status < 100)
        fail_msg("%.300s: status %ld: %.500s", what, r->status, buf_str(&r->body));
    if (!safe_request_id(reply_header_str(r, "X-Request-Id")))
        fail_msg("%.300s: unsafe or missing X-Request-Id", what);
    if (strcasestr(buf_str(&r->headers), "\ninjected") ||
        strcasestr(buf_str(&r->headers), "\nset-cookie"))
        fail_msg("%.300s: a header was injected:\n%s", what, buf_str(&r->headers));
    if (r->status >= 400) {
        cJSON *doc, *code;
        type = reply_header_str(r, "Content-Type");
        if (!type || strcmp(type, "application/problem+json; charset=utf-8") != 0)
            fail_msg("%.300s: %ld without problem+json (Content-Type %s)", what, r->status,
                     type ? type : "missing");
        doc = cJSON_ParseWithLength(buf_str(&r->body), r->body.len);
        if (!doc)
            fail_msg("%.300s: %ld with a body that is not JSON: %.300s", what, r->status,
                     buf_str(&r->body));
        code = cJSON_GetObjectItem(doc, "code");
        if (!cJSON_IsString(code) || cJSON_GetObjectItem(doc, "status")->valueint != r->status)
            fail_msg("%.300s: problem without code or with the wrong status", what);
        cJSON_Delete(doc);
    }
}

/* Does the problem in r name parameter in its errors[]? */
static bool problem_names(const struct reply *r, const char *parameter)
{
    cJSON *doc = cJSON_ParseWithLength(buf_str(&r->body), r->body.len);
    cJSON *error;
    bool found = false;

    cJSON_ArrayForEach(error, cJSON_GetObjectItem(doc, "errors"))
    {
        cJSON *name = cJSON_GetObjectItem(error, "parameter");
        found = found || (cJSON_IsString(name) && strcmp(name->valuestring, parameter) == 0);
    }
    cJSON_Delete(doc);
    return found;
}

static bool status_in(long status, const long *allowed)
{
    for (; *allowed; allowed++)
        if (status == *allowed)
            return true;
    return false;
}

static void assert_healthy(void)
{
    struct reply r;

    fetch("/healthz", NULL, &r);
    if (r.status != 200)
        fail_msg("/healthz answered %ld after a hostile batch", r.status);
    reply_release(&r);
}

/* Percent-encode every byte that is not unreserved. */
static void encode(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c)) {
            buf_putc(out, (char)c);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[c >> 4]);
            buf_putc(out, hex[c & 15]);
        }
    }
}

/* ---- raw sockets ----------------------------------------------------------- */

struct raw {
    int status;     /* final status of the first response, 0 when none */
    bool closed;    /* the server closed the connection */
    bool timed_out; /* neither closed nor answered in time: a hang */
    struct buf data;
};

/* Status of the first final (non-1xx) response in data, 0 when there is none. */
static int first_final_status(const char *s)
{
    while (s && strncmp(s, "HTTP/1.", 7) == 0 && strlen(s) >= 12) {
        int status = (int)strtol(s + 9, NULL, 10);
        if (status >= 200)
            return status;
        s = strstr(s, "\r\n\r\n");
        s = s ? s + 4 : NULL;
    }
    return 0;
}

/*
 * Send bytes on a new connection, half-close, and read until the server
 * closes (every raw request asks for Connection: close where it can, and
 * garbage makes the server close) or timeout seconds pass.
 */
static void raw_send(const char *bytes, size_t len, double timeout, struct raw *out)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    double deadline = client_now() + timeout;
    size_t sent = 0;

    memset(out, 0, sizeof(*out));
    buf_init(&out->data, 0);
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)d.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    while (sent < len) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT | POLLIN};
        ssize_t n;
        if (poll(&pfd, 1, 1000) <= 0 || (pfd.revents & (POLLIN | POLLERR | POLLHUP)))
            break; /* the server answered or closed early: read what it said */
        n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0 && errno != EAGAIN)
            break;
        if (n > 0)
            sent += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char chunk[16384];
        double left = deadline - client_now();
        ssize_t n;
        if (left <= 0) {
            out->timed_out = true;
            break;
        }
        if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) {
            out->closed = true;
            break;
        }
        buf_add(&out->data, chunk, (size_t)n);
    }
    close(fd);
    out->status = first_final_status(buf_str(&out->data));
    checked++;
}

/* The first bytes of s with CR, LF and other non-printables escaped, for messages. */
static const char *printable(const char *s, size_t len)
{
    static char out[160];
    size_t n = 0;

    for (size_t i = 0; i < len && n + 5 < sizeof(out); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, sizeof(out) - n, "\\x%02x", c);
    }
    out[n] = '\0';
    return out;
}

/*
 * A request the HTTP parser refuses: answered 4xx (or 505 for a version it
 * does not speak), or the connection closed; settled in time, never 500.
 */
static void expect_refused(const char *label, const char *bytes, size_t len)
{
    struct raw r;

    raw_send(bytes, len, SETTLE_SECONDS, &r);
    if (r.timed_out)
        fail_msg("%s: hang (no answer, no close within %.0f s)", printable(label, strlen(label)),
                 SETTLE_SECONDS);
    if (r.status != 0 && !(r.status >= 400 && r.status < 500) && r.status != 505)
        fail_msg("%s: answered %d:\n%.600s", printable(label, strlen(label)), r.status,
                 buf_str(&r.data));
    if (strcasestr(buf_str(&r.data), "\ninjected"))
        fail_msg("%s: reflected an injected header", printable(label, strlen(label)));
    buf_release(&r.data);
}

/* A raw request that reaches the API: its answer is a problem+json with this status. */
static void expect_raw_problem(const char *label, const char *bytes, size_t len, int status)
{
    struct raw r;
    const char *headers_end;

    raw_send(bytes, len, SETTLE_SECONDS, &r);
    if (r.timed_out || r.status != status)
        fail_msg("%s: expected %d, got %d%s:\n%.600s", label, status, r.status,
                 r.timed_out ? " (hang)" : "", buf_str(&r.data));
    headers_end = strstr(buf_str(&r.data), "\r\n\r\n");
    assert_non_null(headers_end);
    if (!strcasestr(buf_str(&r.data), "\r\nContent-Type: application/problem+json"))
        fail_msg("%s: no problem+json:\n%.600s", label, buf_str(&r.data));
    buf_release(&r.data);
}

#define RAW(s) (s), sizeof(s) - 1

/* ---- the tests --------------------------------------------------------------- */

static void malformed_request_lines(void **state)
{
    static const char *const lines[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /healthz\r\n\r\n",
        "\r\n\r\n\r\n\r\n",
        " GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1 extra\r\nConnection: close\r\n\r\n",
        "GET\t/healthz\tHTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\rConnection: close\r\r",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS ClientHello */
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",             /* the HTTP/2 preface */
        "GET /healthz HTTP/1.1\r\nHost: t\r\nNoColonHere\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\n: empty-name\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ("POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
         "ffffffffffffffffffff\r\n"),
    };
    char method[9000];

    (void)state;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        expect_refused(lines[i], lines[i], strlen(lines[i]));
    /* an 8 KB method: refused, never echoed into a header */
    memset(method, 'M', sizeof(method));
    memcpy(method + 8000, " /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 42);
    expect_refused("8 KB method", method, 8042);
    /* the target of a GET must be a path (the absolute form is one: conformance_points) */
    expect_raw_problem("asterisk", RAW("GET * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
                       400);
    expect_raw_problem("scheme without a path",
                       RAW("GET ftp://evil.example/healthz HTTP/1.1\r\nHost: t\r\n"
                           "Connection: close\r\n\r\n"),
                       400);
    expect_raw_problem("lower-case method",
                       RAW("get /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 405);
    assert_healthy();
}

static void bad_http_versions(void **state)
{
    static const char *const versions[] = {
        "HTTP/9.9", "HTTP/1.x", "HTTP/1.10", "HTTP/2.0",  "HTTP/0.9", "HTTP/1.1x",  "http/1.1",
        "HTTP/",    "HTTP/1",   "HTTP/1.",   "HTTP/-1.1", "HTTX/1.1", "HTTP/1.1.1", "HTTP/01.1",
    };
    char request[256];

    (void)state;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        int n = snprintf(request, sizeof(request),
                         "GET /healthz %s\r\nHost: t\r\nConnection: close\r\n\r\n", versions[i]);
        expect_refused(versions[i], request, (size_t)n);
    }
    assert_healthy();
}

static void invalid_encoding_nul_and_utf8(void **state)
{
    /* percent-encoded: decoded by the API's strict decoder, refused with invalid_encoding */
    static const char *const targets[] = {
        "/v1/actors?q=%zz",       "/v1/actors?q=%4",
        "/v1/actors?q=%",         "/v1/actors?q=%%",
        "/v1/actors?q=%G0",       "/v1/actors?q=%00",
        "/v1/actors?q=a%00b",     "/v1/actors?%00=1",
        "/v1/actors?q=%0d%0a",    "/v1/actors?q=%7f",
        "/v1/actors?q=%ff",       "/v1/actors?q=%c0%af",
        "/v1/actors?q=%ed%a0%80", "/v1/actors?q=%f4%90%80%80",
        "/v1/actors?q=%e2%82",    "/v1/act%00ors",
        "/v1/actors%2f%00",       "/v1/actors/%ff%fe",
        "/v1/actors/%c3",         "/%zz",
        "/v1/actors?kind=%fe%ff", "/v1/actors?k%ffind=state",
    };
    struct reply r;

    (void)state;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        fetch(targets[i], NULL, &r);
        check_reply(targets[i], &r);
        if (r.status != 400)
            fail_msg("%s: expected 400 invalid_encoding, got %ld", targets[i], r.status);
        assert_non_null(strstr(buf_str(&r.body), "\"invalid_encoding\""));
        reply_release(&r);
    }
    /* raw bytes: invalid UTF-8 and control characters in the target itself */
    expect_raw_problem(
        "raw 0xff in path",
        RAW("GET /v1/act\xff\xfeors HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 400);
    expect_raw_problem("raw 0xc0 in query",
                       RAW("GET /v1/actors?q=\xc0\xaf HTTP/1.1\r\nHost: t\r\n"
                           "Connection: close\r\n\r\n"),
                       400);
    expect_raw_problem("raw DEL in query",
                       RAW("GET /v1/actors?q=a\x7f HTTP/1.1\r\nHost: t\r\n"
                           "Connection: close\r\n\r\n"),
                       400);
    /* a raw NUL ends the target for the parser: whatever is before it is served or refused */
    expect_refused("raw NUL in path",
                   RAW("GET /v1/act\0ors HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    /* a raw NUL in a header value ends the value for the parser: served, never reflected */
    {
        struct raw out;
        raw_send(RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: ab\0Injected: 1\r\n"
                     "Connection: close\r\n\r\n"),
                 SETTLE_SECONDS, &out);
        assert_false(out.timed_out);
        assert_true(out.status == 200 || out.status == 400 || out.status == 0);
        assert_null(strcasestr(buf_str(&out.data), "injected"));
        buf_release(&out.data);
    }
    assert_healthy();
}

static void huge_repeated_and_many_parameters(void **state)
{
    struct buf target;
    struct reply r;

    (void)state;
    buf_init(&target, 0);
    /* 100 parameters: refused as too many, before any work */
    buf_puts(&target, "/v1/actors?");
    for (int i = 0; i < 100; i++)
        buf_printf(&target, "p%d=1&", i);
    fetch(buf_str(&target), NULL, &r);
    check_reply("100 parameters", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(buf_str(&r.body), "\"too_many_parameters\""));
    reply_release(&r);
    /*
     * Thousands of parameters exhaust libmicrohttpd 0.9.75's per-connection
     * memory while it splits the query, before the daemon sees the request;
     * libmicrohttpd then neither answers nor closes, so the bound is the
     * idle timeout: the connection must be gone by then (and the daemon must
     * not leak what it set up for the request: make test-valgrind checks).
     */
    for (int count = 1000; count <= 4000; count *= 4) {
        struct raw out;
        buf_reset(&target);
        buf_puts(&target, "GET /v1/actors?");
        for (int i = 0; i < count; i++)
            buf_printf(&target, "p%d=1&", i);
        buf_puts(&target, " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        raw_send(target.data, target.len, SETTLE_SECONDS, &out);
        if (out.timed_out)
            fail_msg("%d parameters: the connection outlived the idle timeout", count);
        assert_true(out.status == 0 || out.status == 400 || out.status == 414 || out.status == 431);
        buf_release(&out.data);
    }
    /* the same filter 60 times, and one filter with 100 values */
    buf_reset(&target);
    buf_puts(&target, "/v1/actors?");
    for (int i = 0; i < 60; i++)
        buf_puts(&target, "kind=state&");
    fetch(buf_str(&target), NULL, &r);
    check_reply("kind x60", &r);
    assert_true(r.status == 200 || r.status == 400);
    reply_release(&r);
    buf_reset(&target);
    buf_puts(&target, "/v1/actors?kind=state");
    for (int i = 0; i < 100; i++)
        buf_puts(&target, ",person");
    fetch(buf_str(&target), NULL, &r);
    check_reply("kind with 100 values", &r);
    assert_true(r.status == 200 || r.status == 400);
    reply_release(&r);
    /* a huge value: 8000 bytes of q (more than q allows, less than the URL limit) */
    buf_reset(&target);
    buf_puts(&target, "/v1/actors?q=");
    for (int i = 0; i < 8000; i++)
        buf_putc(&target, 'x');
    fetch(buf_str(&target), NULL, &r);
    check_reply("8000-byte q", &r);
    assert_int_equal(r.status, 400);
    assert_true(problem_names(&r, "q"));
    reply_release(&r);
    /* a huge value of every other kind: sort, fields, include, an id filter */
    {
        static const char *const names[] = {"sort", "fields", "include", "country", "limit"};
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
            buf_reset(&target);
            buf_printf(&target, "/v1/actors?%s=", names[k]);
            for (int i = 0; i < 1500; i++)
                buf_puts(&target, "name,");
            fetch(buf_str(&target), NULL, &r);
            check_reply(names[k], &r);
            assert_int_equal(r.status, 400);
            assert_true(problem_names(&r, names[k]));
            reply_release(&r);
        }
    }
    buf_release(&target);
    assert_healthy();
}

/*
 * Headers too large: 431, from the daemon (a problem) or, when they do not
 * even fit libmicrohttpd's per-connection memory, from libmicrohttpd itself.
 */
static void expect_431(const char *what, const struct reply *r)
{
    if (r->status != 431)
        fail_msg("%s: expected 431, got %ld", what, r->status);
    if (reply_header_str(r, "X-Request-Id"))
        check_reply(what, r);
    else if (strcasestr(buf_str(&r->headers), "\ninjected"))
        fail_msg("%s: a header was injected", what);
}

static void overlong_urls_and_headers(void **state)
{
    struct buf big;
    char *header;
    const char *one[2];
    const char *many[201];
    static char lines[200][120];
    struct reply r;

    (void)state;
    buf_init(&big, 0);
    /* over --max-url-length (8192): 414 from the API */
    buf_puts(&big, "/v1/actors?q=");
    for (int i = 0; i < 9000; i++)
        buf_putc(&big, 'a');
    fetch(buf_str(&big), NULL, &r);
    check_reply("9 KB URL", &r);
    assert_int_equal(r.status, 414);
    reply_release(&r);
    /* 60 KB and 1 MB request lines: 414 or a refusal by the parser, never a hang */
    for (size_t size = 60000; size <= 1000000; size = size * 16) {
        buf_reset(&big);
        buf_puts(&big, "GET /v1/actors?q=");
        while (big.len < size)
            buf_putc(&big, 'a');
        buf_puts(&big, " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        expect_refused("huge request line", big.data, big.len);
    }
    /* one 20 KB header and 200 headers of 100 bytes: 431 */
    header = malloc(20010);
    assert_non_null(header);
    memcpy(header, "X-Big: ", 7);
    memset(header + 7, 'b', 20000);
    header[20007] = '\0';
    one[0] = header;
    one[1] = NULL;
    fetch("/v1/actors", one, &r);
    expect_431("20 KB header", &r);
    reply_release(&r);
    free(header);
    for (int i = 0; i < 200; i++) {
        snprintf(lines[i], sizeof(lines[i]), "X-Many-%d: %090d", i, i);
        many[i] = lines[i];
    }
    many[200] = NULL;
    fetch("/v1/actors", many, &r);
    expect_431("200 headers", &r);
    reply_release(&r);
    /* a 1 MB header and a 64 KB header name: refused by the parser or 431, never a hang */
    buf_reset(&big);
    buf_puts(&big, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Huge: ");
    while (big.len < 1000000)
        buf_putc(&big, 'h');
    buf_puts(&big, "\r\nConnection: close\r\n\r\n");
    expect_refused("1 MB header", big.data, big.len);
    buf_reset(&big);
    buf_puts(&big, "GET /healthz HTTP/1.1\r\nHost: t\r\n");
    while (big.len < 65536)
        buf_putc(&big, 'N');
    buf_puts(&big, ": v\r\nConnection: close\r\n\r\n");
    expect_refused("64 KB header name", big.data, big.len);
    buf_release(&big);
    assert_healthy();
}

static void request_id_never_reflected_unsafe(void **state)
{
    static const char *const raw_cases[] = {
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc\r\nInjected: 1\r\n"
        "Connection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc\rInjected: 1\r\n"
        "Connection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc\nInjected: 1\r\n"
        "Connection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc\r\n Injected: 1\r\n"
        "Connection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc%0d%0aInjected:%201\r\n"
        "Connection: close\r\n\r\n",
        "GET /v1/nope HTTP/1.1\r\nHost: t\r\nX-Request-Id: \xe2\x80\xa8Injected: 1\r\n"
        "Connection: close\r\n\r\n",
    };
    const char *curl_cases[] = {"X-Request-Id: has space",  "X-Request-Id: <script>",
                                "X-Request-Id: a\tb",       "X-Request-Id: caf\xc3\xa9",
                                "X-Request-Id: \"quoted\"", "X-Request-Id: a;b=c"};
    char long_id[160];
    const char *headers[2] = {NULL, NULL};
    struct reply r;

    (void)state;
    for (size_t i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
        struct raw out;
        const char *id, *end;
        raw_send(raw_cases[i], strlen(raw_cases[i]), SETTLE_SECONDS, &out);
        if (out.timed_out)
            fail_msg("request id case %zu: hang", i);
        if (strcasestr(buf_str(&out.data), "\ninjected") ||
            strcasestr(buf_str(&out.data), "%0d%0a"))
            fail_msg("request id case %zu reflected:\n%s", i, buf_str(&out.data));
        id = strcasestr(buf_str(&out.data), "\r\nX-Request-Id: ");
        if (out.status != 0) {
            char value[200];
            assert_non_null(id);
            id += 16;
            end = strstr(id, "\r\n");
            assert_non_null(end);
            assert_true(end - id < (long)sizeof(value));
            memcpy(value, id, (size_t)(end - id));
            value[end - id] = '\0';
            if (!safe_request_id(value))
                fail_msg("request id case %zu: unsafe echo '%s'", i, value);
        }
        buf_release(&out.data);
    }
    for (size_t i = 0; i < sizeof(curl_cases) / sizeof(curl_cases[0]); i++) {
        headers[0] = curl_cases[i];
        fetch("/v1/actors?limit=1", headers, &r);
        check_reply(curl_cases[i], &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(strlen(reply_header_str(&r, "X-Request-Id")), 16); /* a generated one */
        reply_release(&r);
    }
    /* 129 safe characters: too long to echo */
    memcpy(long_id, "X-Request-Id: ", 14);
    memset(long_id + 14, 'a', 129);
    long_id[143] = '\0';
    headers[0] = long_id;
    fetch("/healthz", headers, &r);
    check_reply("129-char request id", &r);
    assert_int_equal(strlen(reply_header_str(&r, "X-Request-Id")), 16);
    reply_release(&r);
    assert_healthy();
}

/*
 * Message framing a proxy in front could read differently (request
 * smuggling): conflicting Content-Length headers, Content-Length with
 * Transfer-Encoding, whitespace before the colon. The daemon must refuse
 * them (400 or close) instead of picking one reading and serving the rest
 * of the bytes as another request.
 */
static void ambiguous_framing_is_refused(void **state)
{
    static const char *const cases[] = {
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
        "hello!GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\nContent-Length: 5\r\n\r\n"
        "hello!GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
        "\r\n0\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length : 5\r\n\r\n"
        "helloGET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n"
        "0\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw r;
        raw_send(cases[i], strlen(cases[i]), SETTLE_SECONDS, &r);
        if (r.timed_out)
            fail_msg("framing case %zu: hang", i);
        /* refused: a 400 (or a close) and nothing served after it */
        if (r.status != 0 && r.status != 400)
            fail_msg("framing case %zu served as %d instead of refused:\n%.1500s", i, r.status,
                     buf_str(&r.data));
        if (strstr(buf_str(&r.data), "\nHTTP/1."))
            fail_msg("framing case %zu: a second request was served from the body:\n%.1500s", i,
                     buf_str(&r.data));
        buf_release(&r.data);
    }
    assert_healthy();
}

/* The value of header name in the first response of r ("" when absent). */
static void raw_header(const struct raw *r, const char *name, char *out, size_t size)
{
    const char *text = buf_str(&r->data), *end = strstr(text, "\r\n\r\n");
    char key[80];
    const char *at;

    snprintf(key, sizeof(key), "\r\n%s:", name);
    at = strcasestr(text, key);
    out[0] = '\0';
    if (!at || (end && at > end))
        return;
    at += strlen(key);
    at += strspn(at, " ");
    snprintf(out, size, "%.*s", (int)strcspn(at, "\r\n"), at);
}

/*
 * Request smuggling shapes (RFC 9112 5.2, 6.3, 3.2; RFC 9110 5.5): a folded
 * Content-Length, any folded header, two Host headers, NUL and bare CR in a
 * value, a control character in a name. Each is refused with a 400
 * problem+json, the connection is closed, and the request hidden behind it
 * is never served.
 */
static void smuggling_shapes_get_a_400_problem(void **state)
{
    static const char next[] = "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    static const struct {
        const char *label, *head;
        size_t len;
    } cases[] = {
        {"folded Content-Length",
         RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n 54\r\n\r\n")},
        {"folded header", RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\tb\r\n\r\n")},
        {"folded first header", RAW("GET /healthz HTTP/1.1\r\nX-A: a\r\n b\r\nHost: t\r\n\r\n")},
        {"two Host", RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n")},
        {"NUL in a value", RAW("GET /healthz HTTP/1.1\r\nX-A: a\0b\r\nHost: t\r\n\r\n")},
        {"NUL in the last value", RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n")},
        {"NUL before the line end", RAW("GET /healthz HTTP/1.1\r\nHost: t\0\r\nX-A: b\r\n\r\n")},
        {"bare CR in a value", RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n")},
        {"control character in a value",
         RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\x01z\r\n\r\n")},
        {"a name that is not a token", RAW("GET /healthz HTTP/1.1\r\nHost: t\r\nX(A): b\r\n\r\n")},
    };
    struct buf bytes;

    (void)state;
    buf_init(&bytes, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw r;
        buf_reset(&bytes);
        buf_add(&bytes, cases[i].head, cases[i].len);
        buf_puts(&bytes, next);
        raw_send(bytes.data, bytes.len, SETTLE_SECONDS, &r);
        if (r.timed_out || r.status != 400 || !r.closed)
            fail_msg("%s: expected 400 and a close, got %d%s:\n%.800s", cases[i].label, r.status,
                     r.timed_out ? " (hang)" : "", buf_str(&r.data));
        if (!strcasestr(buf_str(&r.data), "\r\nContent-Type: application/problem+json") ||
            !strstr(buf_str(&r.data), "the request head is refused"))
            fail_msg("%s: not the framing problem:\n%.800s", cases[i].label, buf_str(&r.data));
        if (strstr(buf_str(&r.data), "\nHTTP/1."))
            fail_msg("%s: a second request was served:\n%.800s", cases[i].label, buf_str(&r.data));
        buf_release(&r.data);
    }
    buf_release(&bytes);
    assert_healthy();
}

/*
 * A Content-Length that is not only digits: libmicrohttpd 0.9.75 answers it
 * itself before Strata sees the request (docs/SECURITY.md says why Strata
 * cannot answer first); what matters is that it is refused, the connection
 * closed, and nothing after it served as a request.
 */
static void malformed_content_length_is_refused(void **state)
{
    static const char *const lengths[] = {"+5",   "0x5",  "-1",
                                          "5, 5", " 5 5", "99999999999999999999999"};

    (void)state;
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        char request[256];
        struct raw r;
        int n = snprintf(request, sizeof(request),
                         "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: %s\r\n\r\n"
                         "GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                         lengths[i]);
        raw_send(request, (size_t)n, SETTLE_SECONDS, &r);
        if (r.timed_out || !r.closed || (r.status != 0 && r.status != 400 && r.status != 413))
            fail_msg("Content-Length '%s': expected 400/413 and a close, got %d%s:\n%.800s",
                     lengths[i], r.status, r.timed_out ? " (hang)" : "", buf_str(&r.data));
        if (strstr(buf_str(&r.data), "{\"status\":\"ready"))
            fail_msg("Content-Length '%s': the request after it was served:\n%.800s", lengths[i],
                     buf_str(&r.data));
        buf_release(&r.data);
    }
    assert_healthy();
}

/*
 * RFC 9112/9110 points: the absolute form is served like the origin form;
 * OPTIONS * is 204 with Allow; CONNECT is 405 with Allow; a 304 never says
 * Content-Length: 0 (it carries the 200's length); an If-Modified-Since in
 * the future is ignored; identity preferred over gzip by q-value is honoured.
 */
static void conformance_points(void **state)
{
    struct raw r, origin;
    char value[256], length[32];

    (void)state;
    raw_send(RAW("GET /v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
             SETTLE_SECONDS, &origin);
    raw_send(RAW("GET http://t:1/v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\n"
                 "Connection: close\r\n\r\n"),
             SETTLE_SECONDS, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(strstr(buf_str(&r.data), "\r\n\r\n"),
                        strstr(buf_str(&origin.data), "\r\n\r\n"));
    raw_header(&origin, "Content-Length", length, sizeof(length));
    raw_header(&origin, "ETag", value, sizeof(value));
    buf_release(&r.data);
    buf_release(&origin.data);

    raw_send(RAW("OPTIONS * HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), SETTLE_SECONDS, &r);
    assert_int_equal(r.status, 204);
    raw_header(&r, "Allow", value + 128, 128);
    assert_string_equal(value + 128, "GET, HEAD, OPTIONS");
    buf_release(&r.data);

    expect_raw_problem("CONNECT", RAW("CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n"), 405);

    {
        char request[512];
        char etag[256];
        int n;
        snprintf(etag, sizeof(etag), "%s", value);
        n = snprintf(request, sizeof(request),
                     "GET /v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n"
                     "Connection: close\r\n\r\n",
                     etag);
        raw_send(request, (size_t)n, SETTLE_SECONDS, &r);
        assert_int_equal(r.status, 304);
        raw_header(&r, "Content-Length", value, sizeof(value));
        if (strcmp(value, "0") == 0 || (*value && strcmp(value, length) != 0))
            fail_msg("304 with Content-Length '%s' (the 200 has %s)", value, length);
        buf_release(&r.data);
    }

    raw_send(RAW("GET /v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\n"
                 "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\nConnection: close\r\n\r\n"),
             SETTLE_SECONDS, &r);
    assert_int_equal(r.status, 200);
    buf_release(&r.data);

    raw_send(RAW("GET /v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\n"
                 "Accept-Encoding: gzip;q=0.1, identity\r\nConnection: close\r\n\r\n"),
             SETTLE_SECONDS, &r);
    assert_int_equal(r.status, 200);
    raw_header(&r, "Content-Encoding", value, sizeof(value));
    assert_string_equal(value, "");
    buf_release(&r.data);
    raw_send(RAW("GET /v1/actors?limit=2 HTTP/1.1\r\nHost: t\r\n"
                 "Accept-Encoding: gzip, identity;q=0.5\r\nConnection: close\r\n\r\n"),
             SETTLE_SECONDS, &r);
    raw_header(&r, "Content-Encoding", value, sizeof(value));
    assert_string_equal(value, "gzip");
    buf_release(&r.data);
    assert_healthy();
}

static void paths_outside_the_api(void **state)
{
    static const char *const targets[] = {
        "/v1/../healthz",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/v1/actors/..%2f..%2f..%2fetc%2fpasswd",
        "/openapi.json/../../../../etc/passwd",
        "/docs/../../../etc/passwd",
        "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/v1//actors",
        "/v1/actors/",
        "/v1/actors/turkmenistan/../../../etc/passwd",
        "/.git/config",
        "/v1/actors/%27%20OR%201%3D1%20--",
        "/v1/actors/%22%3B%20DROP%20TABLE%20actors%3B%20--",
    };
    struct reply r;

    (void)state;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        fetch(targets[i], NULL, &r);
        check_reply(targets[i], &r);
        if (r.status != 404 && r.status != 400)
            fail_msg("%s: expected 404 or 400, got %ld", targets[i], r.status);
        if (strstr(buf_str(&r.body), "root:") || strstr(buf_str(&r.body), "[core]"))
            fail_msg("%s: served a file outside the API", targets[i]);
        reply_release(&r);
    }
    assert_healthy();
}

/* ---- every parameter of every route of the OpenAPI document ------------------ */

static const char *const hostile_values[] = {
    "\"",    /* an unterminated FTS phrase */
    "AND",   /* an FTS operator alone */
    "*",     /* a bare prefix star */
    "NEAR(", /* an unfinished NEAR group */
    "' OR 1=1 --", "\"; DROP TABLE actors; --", "-1", "1e99", "99999999999999999999", "", "%00",
    ",,,",         "\xc3\xa9\xe2\x80\x99",
};
#define HOSTILE_COUNT (sizeof(hostile_values) / sizeof(hostile_values[0]))

/* The parameter object a spec entry is (resolving a $ref into components). */
static cJSON *spec_parameter(cJSON *entry)
{
    cJSON *ref = cJSON_GetObjectItem(entry, "$ref");
    const char *prefix = "#/components/parameters/";

    if (!cJSON_IsString(ref))
        return entry;
    assert_true(strncmp(ref->valuestring, prefix, strlen(prefix)) == 0);
    return cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "components"), "parameters"),
        ref->valuestring + strlen(prefix));
}

/* A real id of the collection at /v1/<name>, for item and sub-collection routes. */
static void first_id(const char *collection, char *out, size_t size)
{
    char target[256];
    struct reply r;
    cJSON *doc, *id;

    snprintf(target, sizeof(target), "/v1/%s?limit=1&fields=id", collection);
    fetch(target, NULL, &r);
    assert_int_equal(r.status, 200);
    doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
    id = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "data"), 0), "id");
    assert_true(cJSON_IsString(id));
    snprintf(out, size, "%s", id->valuestring);
    cJSON_Delete(doc);
    reply_release(&r);
}

/* The path template with {id} replaced by a real id of its collection. */
static void concrete_path(const char *pattern, struct buf *out)
{
    const char *brace = strstr(pattern, "{id}");
    char collection[64], id[256];
    const char *start, *slash;

    buf_reset(out);
    if (!brace) {
        buf_puts(out, pattern);
        return;
    }
    start = pattern + strlen("/v1/");
    slash = strchr(start, '/');
    assert_non_null(slash);
    snprintf(collection, sizeof(collection), "%.*s", (int)(slash - start), start);
    first_id(collection, id, sizeof(id));
    buf_add(out, pattern, (size_t)(brace - pattern));
    encode(out, id, strlen(id));
    buf_puts(out, brace + 4);
}

/*
 * A hostile value gets a 400 naming the parameter; only q may also be a
 * valid full-text expression (200), an id filter may name no record (200
 * with an empty page), and format may be 406 (not offered).
 */
static void hostile_query_parameter(const char *path, const char *name)
{
    static const long strict[] = {400, 0};
    static const long text[] = {200, 400, 0};
    static const long format[] = {400, 406, 0};
    struct buf target;
    struct reply r;

    buf_init(&target, 0);
    for (size_t v = 0; v < HOSTILE_COUNT; v++) {
        const long *allowed = strict;
        const bool must_name = true;
        if (strcmp(name, "q") == 0 || strcmp(name, "id") == 0) {
            allowed = text;
        } else if (strcmp(name, "format") == 0) {
            allowed = format;
        }
        buf_reset(&target);
        buf_puts(&target, path);
        buf_putc(&target, '?');
        encode(&target, name, strlen(name));
        buf_putc(&target, '=');
        if (strcmp(hostile_values[v], "%00") == 0)
            buf_puts(&target, "%00");
        else
            encode(&target, hostile_values[v], strlen(hostile_values[v]));
        fetch(buf_str(&target), NULL, &r);
        check_reply(buf_str(&target), &r);
        if (strcmp(hostile_values[v], "%00") == 0) {
            if (r.status != 400)
                fail_msg("%s: expected 400, got %ld", buf_str(&target), r.status);
        } else if (!status_in(r.status, allowed)) {
            fail_msg("%s: status %ld not expected for a hostile value: %.400s", buf_str(&target),
                     r.status, buf_str(&r.body));
        } else if (r.status == 200 && strcmp(name, "id") == 0 &&
                   !strstr(buf_str(&r.body), "\"total\":0")) {
            fail_msg("%s: a hostile id matched records: %.400s", buf_str(&target),
                     buf_str(&r.body));
        } else if (r.status == 400 && must_name && !problem_names(&r, name) &&
                   !strstr(buf_str(&r.body), "\"invalid_encoding\"")) {
            fail_msg("%s: the 400 does not name parameter '%s': %.400s", buf_str(&target), name,
                     buf_str(&r.body));
        }
        reply_release(&r);
    }
    buf_release(&target);
}

/* Hostile values in the request headers the route documents. */
static void hostile_header_parameter(const char *path, const char *name)
{
    static const char *const values[] = {
        "\"",
        "*, \"",
        "W/",
        "W/\"",
        ",,,,",
        "text/csv;",
        "gzip;",
        "*;q=",
        "*;q=nan",
        "application/json;q=1e999",
        "Mon, 99 Foo 2021 99:99:99 GMT",
        "' OR 1=1 --",
        "\"; DROP TABLE actors; --",
        "\xc3\xa9\xe2\x80\x99",
        "a;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;",
    };
    char line[512];
    const char *headers[2] = {line, NULL};
    struct reply r;

    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
        snprintf(line, sizeof(line), "%s: %s", name, values[v]);
        fetch(path, headers, &r);
        check_reply(line, &r);
        /* conditional and encoding headers never refuse; Accept may give 406 */
        if (r.status != 200 && r.status != 304 && r.status != 406)
            fail_msg("%s with '%s': status %ld", path, line, r.status);
        reply_release(&r);
    }
}

static void hostile_values_in_every_parameter_of_every_route(void **state)
{
    cJSON *paths = cJSON_GetObjectItem(spec, "paths"), *item;
    struct buf path;
    int routes = 0, parameters = 0;

    (void)state;
    buf_init(&path, 0);
    cJSON_ArrayForEach(item, paths)
    {
        cJSON *get = cJSON_GetObjectItem(item, "get"), *entry;
        cJSON *lists[2] = {cJSON_GetObjectItem(get, "parameters"),
                           cJSON_GetObjectItem(item, "parameters")};
        bool header_round = strcmp(item->string, "/v1/actors") == 0 ||
                            strcmp(item->string, "/v1/places/{id}") == 0 ||
                            strcmp(item->string, "/healthz") == 0;
        if (!get)
            continue;
        concrete_path(item->string, &path);
        routes++;
        for (int l = 0; l < 2; l++) {
            cJSON_ArrayForEach(entry, lists[l])
            {
                cJSON *parameter = spec_parameter(entry);
                const char *in = cJSON_GetStringValue(cJSON_GetObjectItem(parameter, "in"));
                const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(parameter, "name"));
                assert_non_null(in);
                assert_non_null(name);
                if (strcmp(in, "query") == 0) {
                    hostile_query_parameter(buf_str(&path), name);
                    parameters++;
                } else if (strcmp(in, "header") == 0 && header_round &&
                           strcasecmp(name, "X-Request-Id") != 0) {
                    hostile_header_parameter(buf_str(&path), name);
                    parameters++;
                }
            }
        }
        assert_healthy();
    }
    buf_release(&path);
    printf("test_hostile: %d routes, %d route parameters x %zu hostile values\n", routes,
           parameters, HOSTILE_COUNT);
    /* the document lists every route (9 collections with items and sub-collections) */
    assert_true(routes >= 30);
}

static void absurd_limit_and_offset_on_every_collection(void **state)
{
    static const char *const limits[] = {"-1",
                                         "1e99",
                                         "99999999999999999999",
                                         "18446744073709551616",
                                         "0x10",
                                         "",
                                         "+1",
                                         "%201",
                                         "1%20",
                                         "01",
                                         "1.5",
                                         "NaN",
                                         "501",
                                         "0"};
    static const char *const offsets[] = {"-1",
                                          "1e99",
                                          "99999999999999999999",
                                          "18446744073709551616",
                                          "0x10",
                                          "",
                                          "+1",
                                          "%201",
                                          "1%20",
                                          "01",
                                          "1.5",
                                          "NaN",
                                          "100000001"};
    cJSON *paths = cJSON_GetObjectItem(spec, "paths"), *item;
    struct buf path, target;
    struct reply r;
    int tested = 0;

    (void)state;
    buf_init(&path, 0);
    buf_init(&target, 0);
    cJSON_ArrayForEach(item, paths)
    {
        cJSON *get = cJSON_GetObjectItem(item, "get"), *entry;
        cJSON *lists[2] = {cJSON_GetObjectItem(get, "parameters"),
                           cJSON_GetObjectItem(item, "parameters")};
        bool paged = false;
        for (int l = 0; l < 2; l++) {
            cJSON_ArrayForEach(entry, lists[l])
            {
                const char *name =
                    cJSON_GetStringValue(cJSON_GetObjectItem(spec_parameter(entry), "name"));
                paged = paged || (name && strcmp(name, "limit") == 0);
            }
        }
        if (!paged)
            continue;
        concrete_path(item->string, &path);
        for (int which = 0; which < 2; which++) {
            const char *const *values = which ? offsets : limits;
            size_t count =
                which ? sizeof(offsets) / sizeof(offsets[0]) : sizeof(limits) / sizeof(limits[0]);
            const char *name = which ? "offset" : "limit";
            for (size_t v = 0; v < count; v++) {
                buf_reset(&target);
                buf_printf(&target, "%s?%s=%s", buf_str(&path), name, values[v]);
                fetch(buf_str(&target), NULL, &r);
                check_reply(buf_str(&target), &r);
                if (r.status != 400 || !problem_names(&r, name))
                    fail_msg("%s: expected a 400 naming '%s', got %ld: %.300s", buf_str(&target),
                             name, r.status, buf_str(&r.body));
                reply_release(&r);
            }
        }
        tested++;
        assert_healthy();
    }
    buf_release(&path);
    buf_release(&target);
    assert_true(tested >= 9);
}

static void nothing_answered_5xx(void **state)
{
    struct reply r;
    const char *p;

    (void)state;
    fetch("/metrics", NULL, &r);
    assert_int_equal(r.status, 200);
    for (p = strstr(buf_str(&r.body), "status=\"5"); p; p = strstr(p + 1, "status=\"5")) {
        const char *line_end = strchr(p, '\n');
        const char *value = line_end ? line_end - 1 : NULL;
        /* a 5xx series may exist with value 0 only */
        while (value && value > p && *value != ' ')
            value--;
        if (!value || strtol(value + 1, NULL, 10) != 0)
            fail_msg("the daemon answered 5xx: %.200s", p);
    }
    reply_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_request_lines),
        cmocka_unit_test(bad_http_versions),
        cmocka_unit_test(invalid_encoding_nul_and_utf8),
        cmocka_unit_test(huge_repeated_and_many_parameters),
        cmocka_unit_test(overlong_urls_and_headers),
        cmocka_unit_test(request_id_never_reflected_unsafe),
        cmocka_unit_test(ambiguous_framing_is_refused),
        cmocka_unit_test(smuggling_shapes_get_a_400_problem),
        cmocka_unit_test(malformed_content_length_is_refused),
        cmocka_unit_test(conformance_points),
        cmocka_unit_test(paths_outside_the_api),
        cmocka_unit_test(hostile_values_in_every_parameter_of_every_route),
        cmocka_unit_test(absurd_limit_and_offset_on_every_collection),
        cmocka_unit_test(nothing_answered_5xx),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests_name("hostile input", tests, start, stop);
}
