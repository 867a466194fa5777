/*
 * HTTP semantics shared by every route, tested against the real daemon:
 * methods, HEAD, OPTIONS, 404/405/406/414/431 problems, ETag and 304,
 * Last-Modified, gzip, CORS, X-Request-Id, keep-alive, limits, metrics,
 * access logs, --check, --help, reload on SIGHUP and drain on SIGTERM.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <zlib.h>

#include "client.h"

static struct daemon_proc shared;

/* A cacheable JSON route that every model has. */
#define CACHEABLE "/v1/actors"

static int start_shared(void **state)
{
    (void)state;
    return client_start(&shared, NULL);
}

static int stop_shared(void **state)
{
    (void)state;
    return client_stop(&shared, SIGTERM, 10) == 0 ? 0 : -1;
}

static cJSON *json_of(const struct reply *r)
{
    cJSON *doc = cJSON_ParseWithLength(buf_str(&r->body), r->body.len);
    assert_non_null(doc);
    return doc;
}

/* Assert r is a problem+json with this status and code; returns the parsed body. */
static cJSON *assert_problem(const struct reply *r, long status, const char *code)
{
    cJSON *doc;

    assert_int_equal(r->status, status);
    assert_non_null(reply_header_str(r, "Content-Type"));
    assert_string_equal(reply_header_str(r, "Content-Type"),
                        "application/problem+json; charset=utf-8");
    doc = json_of(r);
    assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, code);
    assert_int_equal(cJSON_GetObjectItem(doc, "status")->valueint, status);
    assert_non_null(cJSON_GetObjectItem(doc, "type"));
    assert_non_null(cJSON_GetObjectItem(doc, "title"));
    assert_non_null(cJSON_GetObjectItem(doc, "detail"));
    assert_non_null(cJSON_GetObjectItem(doc, "instance"));
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(doc, "errors")));
    /* CORS and request ids on errors too */
    assert_non_null(reply_header_str(r, "Access-Control-Expose-Headers"));
    assert_non_null(reply_header_str(r, "X-Request-Id"));
    return doc;
}

static void healthz_and_common_headers(void **state)
{
    struct reply r;
    cJSON *doc;

    (void)state;
    assert_int_equal(client_get(&shared, "/healthz", &r), 0);
    assert_int_equal(r.status, 200);
    doc = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(doc, "status")->valuestring, "ok");
    cJSON_Delete(doc);
    assert_string_equal(reply_header_str(&r, "Content-Type"), "application/json; charset=utf-8");
    assert_non_null(reply_header_str(&r, "ETag"));
    assert_string_equal(reply_header_str(&r, "Cache-Control"), "no-store");
    assert_string_equal(reply_header_str(&r, "Vary"), "Accept, Accept-Encoding, Origin");
    assert_string_equal(reply_header_str(&r, "Access-Control-Allow-Origin"), "*");
    assert_string_equal(reply_header_str(&r, "Access-Control-Expose-Headers"),
                        "ETag, Link, X-Total-Count, X-Request-Id");
    assert_int_equal(strlen(reply_header_str(&r, "X-Request-Id")), 16);
    reply_release(&r);
}

static void readyz_reports_the_model(void **state)
{
    struct reply r;
    cJSON *doc;

    (void)state;
    assert_int_equal(client_get(&shared, "/readyz", &r), 0);
    assert_int_equal(r.status, 200);
    doc = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(doc, "status")->valuestring, "ready");
    assert_int_equal(strlen(cJSON_GetObjectItem(doc, "model_version")->valuestring), 16);
    assert_int_equal(cJSON_GetObjectItem(doc, "generation")->valueint, 1);
    cJSON_Delete(doc);
    reply_release(&r);
}

static void request_id_echoed_only_when_safe(void **state)
{
    const char *good[] = {"X-Request-Id: trace-42.abc", NULL};
    const char *bad[] = {"X-Request-Id: has space", NULL};
    struct reply r;

    (void)state;
    assert_int_equal(client_request(&shared, "GET", "/healthz", good, &r), 0);
    assert_string_equal(reply_header_str(&r, "X-Request-Id"), "trace-42.abc");
    reply_release(&r);
    assert_int_equal(client_request(&shared, "GET", "/healthz", bad, &r), 0);
    assert_string_not_equal(reply_header_str(&r, "X-Request-Id"), "has space");
    assert_int_equal(strlen(reply_header_str(&r, "X-Request-Id")), 16);
    reply_release(&r);
}

static void head_has_headers_without_body(void **state)
{
    struct reply get, head;

    (void)state;
    assert_int_equal(client_get(&shared, CACHEABLE, &get), 0);
    assert_int_equal(client_request(&shared, "HEAD", CACHEABLE, NULL, &head), 0);
    assert_int_equal(head.status, 200);
    assert_int_equal(head.body.len, 0);
    assert_string_equal(reply_header_str(&head, "Content-Length")
                            ? reply_header_str(&head, "Content-Length")
                            : "missing",
                        reply_header_str(&get, "Content-Length"));
    {
        char etag[128];
        snprintf(etag, sizeof(etag), "%s", reply_header_str(&get, "ETag"));
        assert_string_equal(reply_header_str(&head, "ETag"), etag);
    }
    reply_release(&get);
    reply_release(&head);
}

static void options_and_preflight(void **state)
{
    const char *preflight[] = {"Origin: http://dash.example", "Access-Control-Request-Method: GET",
                               "Access-Control-Request-Headers: If-None-Match", NULL};
    struct reply r;

    (void)state;
    assert_int_equal(client_request(&shared, "OPTIONS", CACHEABLE, NULL, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(reply_header_str(&r, "Allow"), "GET, HEAD, OPTIONS");
    assert_null(reply_header_str(&r, "Access-Control-Max-Age"));
    reply_release(&r);
    assert_int_equal(client_request(&shared, "OPTIONS", CACHEABLE, preflight, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(reply_header_str(&r, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
    assert_string_equal(reply_header_str(&r, "Access-Control-Allow-Origin"), "*");
    assert_non_null(strstr(reply_header_str(&r, "Access-Control-Allow-Headers"), "If-None-Match"));
    assert_string_equal(reply_header_str(&r, "Access-Control-Max-Age"), "86400");
    reply_release(&r);
}

static void other_methods_get_405(void **state)
{
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH", "BREW"};
    struct reply r;

    (void)state;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        assert_int_equal(client_request(&shared, methods[i], CACHEABLE, NULL, &r), 0);
        cJSON_Delete(assert_problem(&r, 405, "method_not_allowed"));
        assert_string_equal(reply_header_str(&r, "Allow"), "GET, HEAD, OPTIONS");
        reply_release(&r);
    }
}

static void unknown_route_is_404(void **state)
{
    struct reply r;
    cJSON *doc;

    (void)state;
    assert_int_equal(client_get(&shared, "/no/such/route?x=1", &r), 0);
    doc = assert_problem(&r, 404, "not_found");
    assert_string_equal(cJSON_GetObjectItem(doc, "instance")->valuestring, "/no/such/route?x=1");
    cJSON_Delete(doc);
    reply_release(&r);
    assert_int_equal(client_request(&shared, "POST", "/no/such/route", NULL, &r), 0);
    cJSON_Delete(assert_problem(&r, 404, "not_found"));
    reply_release(&r);
}

static void etag_gives_304(void **state)
{
    char etag[128], inm[160], ims[200];
    const char *conditional[] = {inm, NULL};
    const char *weak[] = {"If-None-Match: W/\"nope\", *", NULL};
    const char *since[] = {ims, NULL};
    struct reply r;

    (void)state;
    assert_int_equal(client_get(&shared, CACHEABLE "?limit=2", &r), 0);
    assert_int_equal(r.status, 200);
    snprintf(etag, sizeof(etag), "%s", reply_header_str(&r, "ETag"));
    assert_int_equal(etag[0], '"');
    assert_non_null(reply_header_str(&r, "Last-Modified"));
    snprintf(ims, sizeof(ims), "If-Modified-Since: %s", reply_header_str(&r, "Last-Modified"));
    assert_non_null(strstr(reply_header_str(&r, "Cache-Control"), "public, max-age="));
    reply_release(&r);
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE "?limit=2", conditional, &r), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(reply_header_str(&r, "ETag"), etag);
    assert_non_null(reply_header_str(&r, "Access-Control-Expose-Headers"));
    assert_non_null(reply_header_str(&r, "Cache-Control"));
    assert_non_null(reply_header_str(&r, "Vary"));
    /* no representation metadata on a 304 (RFC 9110 15.4.5) */
    assert_null(reply_header_str(&r, "Content-Type"));
    assert_null(reply_header_str(&r, "Link"));
    assert_null(reply_header_str(&r, "X-Total-Count"));
    assert_null(reply_header_str(&r, "Last-Modified"));
    reply_release(&r);
    /* a different representation of the same route has another ETag */
    assert_int_equal(client_request(&shared, "GET", CACHEABLE "?limit=3", conditional, &r), 0);
    assert_int_equal(r.status, 200);
    reply_release(&r);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, weak, &r), 0);
    assert_int_equal(r.status, 304);
    reply_release(&r);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, since, &r), 0);
    assert_int_equal(r.status, 304);
    reply_release(&r);
}

static char *gunzip(const struct buf *in, size_t *out_len)
{
    z_stream z;
    size_t cap = in->len * 50 + 1024;
    char *out = malloc(cap);

    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    inflateEnd(&z);
    return out;
}

static void gzip_when_accepted(void **state)
{
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    const char *no[] = {"Accept-Encoding: gzip;q=0", NULL};
    struct reply plain, zipped, refused;
    char plain_etag[128];
    size_t len;
    char *inflated;

    (void)state;
    assert_int_equal(client_get(&shared, CACHEABLE, &plain), 0);
    assert_null(reply_header_str(&plain, "Content-Encoding"));
    snprintf(plain_etag, sizeof(plain_etag), "%s", reply_header_str(&plain, "ETag"));
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, gz, &zipped), 0);
    assert_int_equal(zipped.status, 200);
    assert_string_equal(reply_header_str(&zipped, "Content-Encoding"), "gzip");
    assert_string_not_equal(reply_header_str(&zipped, "ETag"), plain_etag);
    assert_true(zipped.body.len < plain.body.len);
    inflated = gunzip(&zipped.body, &len);
    assert_int_equal(len, plain.body.len);
    assert_memory_equal(inflated, plain.body.data, len);
    free(inflated);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, no, &refused), 0);
    assert_null(reply_header_str(&refused, "Content-Encoding"));
    reply_release(&plain);
    reply_release(&zipped);
    reply_release(&refused);
}

static void negotiation_406_and_common_parameters(void **state)
{
    const char *xml[] = {"Accept: application/xml", NULL};
    struct reply r;
    cJSON *doc;

    (void)state;
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, xml, &r), 0);
    cJSON_Delete(assert_problem(&r, 406, "not_acceptable"));
    reply_release(&r);
    assert_int_equal(client_get(&shared, "/healthz?format=csv", &r), 0);
    doc = assert_problem(&r, 406, "not_acceptable");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "parameter")
            ->valuestring,
        "format");
    cJSON_Delete(doc);
    reply_release(&r);
    assert_int_equal(client_get(&shared, CACHEABLE "?pretty=yes", &r), 0);
    doc = assert_problem(&r, 400, "invalid_parameter");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0), "parameter")
            ->valuestring,
        "pretty");
    cJSON_Delete(doc);
    reply_release(&r);
    assert_int_equal(client_get(&shared, CACHEABLE "?pretty=true", &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strchr(buf_str(&r.body), '\n'));
    reply_release(&r);
}

/* GET CACHEABLE with one Accept header: the status, and the Content-Type's media type. */
static long accept_gives(const char *accept, const char *media_type)
{
    char line[512];
    const char *headers[] = {line, NULL};
    struct reply r;
    long status;

    snprintf(line, sizeof(line), "Accept: %s", accept);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, headers, &r), 0);
    status = r.status;
    if (status == 200 &&
        strncmp(reply_header_str(&r, "Content-Type"), media_type, strlen(media_type)) != 0)
        fail_msg("Accept: %s gave %s, expected %s", accept, reply_header_str(&r, "Content-Type"),
                 media_type);
    reply_release(&r);
    return status;
}

/*
 * RFC 9110 12.5.1: the most specific range that matches a type gives its q,
 * whatever broader ranges say; q=0 means "not acceptable".
 */
static void accept_most_specific_range_and_q_zero(void **state)
{
    (void)state;
    assert_int_equal(accept_gives("*/*, application/json;q=0", "text/csv"), 200);
    assert_int_equal(accept_gives("application/json;q=0, */*", "text/csv"), 200);
    assert_int_equal(
        accept_gives("text/*;q=0.1, text/csv;q=0, application/*;q=0.5", "application/json"), 200);
    assert_int_equal(accept_gives("application/json;q=0.4, text/csv;q=0.9", "text/csv"), 200);
    assert_int_equal(accept_gives("application/json;q=0", ""), 406);
    assert_int_equal(accept_gives("*/*;q=0", ""), 406);
    assert_int_equal(accept_gives("application/json;q=1.5", ""), 406);
}

/* pretty=false is the compact form; a control character in the query, even %1F, is refused. */
static void pretty_false_and_control_characters(void **state)
{
    struct reply r;

    (void)state;
    /* a target no other test asks for: rendered here, not served from the cache */
    assert_int_equal(client_get(&shared, CACHEABLE "?pretty=false&limit=7&offset=3", &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strchr(buf_str(&r.body), '\n'));
    reply_release(&r);
    assert_int_equal(client_get(&shared, CACHEABLE "?q=a%1Fb", &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "invalid_encoding"));
    reply_release(&r);
    assert_int_equal(client_get(&shared, CACHEABLE "?q=a%7Fb", &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "invalid_encoding"));
    reply_release(&r);
}

/* If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches the ETag "x". */
static void weak_etags_match(void **state)
{
    char etag[128], weak[200], listed[260];
    const char *weak_header[] = {weak, NULL};
    const char *list_header[] = {listed, NULL};
    struct reply r;

    (void)state;
    assert_int_equal(client_get(&shared, CACHEABLE "?limit=4", &r), 0);
    snprintf(etag, sizeof(etag), "%s", reply_header_str(&r, "ETag"));
    reply_release(&r);
    snprintf(weak, sizeof(weak), "If-None-Match: W/%s", etag);
    snprintf(listed, sizeof(listed), "If-None-Match: \"other\", W/%s", etag);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE "?limit=4", weak_header, &r), 0);
    assert_int_equal(r.status, 304);
    reply_release(&r);
    assert_int_equal(client_request(&shared, "GET", CACHEABLE "?limit=4", list_header, &r), 0);
    assert_int_equal(r.status, 304);
    reply_release(&r);
    /* the same tag for another representation does not match */
    assert_int_equal(client_request(&shared, "GET", CACHEABLE "?limit=5", weak_header, &r), 0);
    assert_int_equal(r.status, 200);
    reply_release(&r);
}

/*
 * Two requests with an Accept header longer than 16 KiB and targets that
 * differ: each gets its own answer (the cache key is the canonical request
 * and the negotiated representation, never the header, so a long header
 * cannot make two keys agree).
 */
static void long_cache_keys_are_not_confused(void **state)
{
    const char *args[] = {"--max-header-bytes", "65536", NULL};
    char *accept = malloc(20000);
    const char *headers[] = {accept, NULL};
    struct daemon_proc d;
    struct reply first, second;
    size_t used;

    (void)state;
    used = (size_t)snprintf(accept, 20000, "Accept: application/json");
    while (used < 17000)
        used += (size_t)snprintf(accept + used, 20000 - used, ", x-%zu/y;q=0.1", used);
    assert_int_equal(client_start(&d, args), 0);
    assert_int_equal(client_request(&d, "GET", "/v1/actors?fields=id", headers, &first), 0);
    assert_int_equal(client_request(&d, "GET", "/v1/actors?fields=id,name", headers, &second), 0);
    assert_int_equal(first.status, 200);
    assert_int_equal(second.status, 200);
    assert_null(strstr(buf_str(&first.body), "\"name\""));
    assert_non_null(strstr(buf_str(&second.body), "\"name\""));
    reply_release(&first);
    reply_release(&second);
    free(accept);
    assert_int_equal(client_stop(&d, SIGTERM, 10), 0);
}

static void encoding_and_limits(void **state)
{
    struct buf target;
    char big_header[20100];
    const char *headers[] = {big_header, NULL};
    struct reply r;

    (void)state;
    assert_int_equal(client_get(&shared, CACHEABLE "?q=%zz", &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "invalid_encoding"));
    reply_release(&r);
    assert_int_equal(client_get(&shared, "/v1/act%00ors", &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "invalid_encoding"));
    reply_release(&r);
    buf_init(&target, 0);
    buf_puts(&target, CACHEABLE "?");
    for (int i = 0; i < 65; i++)
        buf_printf(&target, "p%d=1&", i);
    assert_int_equal(client_get(&shared, buf_str(&target), &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "too_many_parameters"));
    reply_release(&r);
    /* more parameters than libmicrohttpd's connection pool could hold: still a prompt 400 */
    buf_reset(&target);
    buf_puts(&target, CACHEABLE "?");
    for (int i = 0; i < 1900; i++)
        buf_puts(&target, "a=1&");
    assert_int_equal(client_get(&shared, buf_str(&target), &r), 0);
    cJSON_Delete(assert_problem(&r, 400, "too_many_parameters"));
    reply_release(&r);
    buf_reset(&target);
    buf_puts(&target, CACHEABLE "?q=");
    for (int i = 0; i < 9000; i++)
        buf_putc(&target, 'a');
    assert_int_equal(client_get(&shared, buf_str(&target), &r), 0);
    cJSON_Delete(assert_problem(&r, 414, "uri_too_long"));
    reply_release(&r);
    buf_release(&target);
    memcpy(big_header, "X-Big: ", 7);
    memset(big_header + 7, 'b', sizeof(big_header) - 8);
    big_header[sizeof(big_header) - 1] = '\0';
    assert_int_equal(client_request(&shared, "GET", CACHEABLE, headers, &r), 0);
    cJSON_Delete(assert_problem(&r, 431, "headers_too_large"));
    reply_release(&r);
}

static void keep_alive_serves_pipelined_requests(void **state)
{
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    struct buf out;
    const char *first, *second;

    (void)state;
    buf_init(&out, 0);
    assert_int_equal(client_raw(&shared, req, sizeof(req) - 1, 5, &out), 0);
    first = strstr(buf_str(&out), "HTTP/1.1 200");
    assert_non_null(first);
    second = strstr(first + 1, "HTTP/1.1 200");
    assert_non_null(second);
    buf_release(&out);
}

static void metrics_count_requests(void **state)
{
    struct reply r;
    const char *body;

    (void)state;
    assert_int_equal(client_get(&shared, "/metrics", &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(reply_header_str(&r, "Content-Type"),
                        "text/plain; version=0.0.4; charset=utf-8");
    body = buf_str(&r.body);
    assert_non_null(strstr(body, "strata_http_requests_total{route=\"/healthz\",status=\"200\"}"));
    assert_non_null(strstr(body, "strata_http_requests_total{route=\"unmatched\",status=\"404\"}"));
    assert_non_null(strstr(body, "strata_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(body, "strata_model_records{collection=\"actors\"}"));
    assert_non_null(strstr(body, "strata_cache_lookups_total{result=\"hit\"}"));
    assert_non_null(strstr(body, "strata_model_reloads_total{result=\"failure\"} 0"));
    assert_non_null(strstr(body, "process_resident_memory_bytes"));
    reply_release(&r);
}

static void access_log_has_one_line_per_request(void **state)
{
    const char *id[] = {"X-Request-Id: log-probe-1", NULL};
    struct reply r;
    char *log;

    (void)state;
    assert_int_equal(client_request(&shared, "GET", "/healthz?pretty=true", id, &r), 0);
    reply_release(&r);
    usleep(100000);
    log = client_log(&shared);
    assert_non_null(strstr(log, "\"GET /healthz?pretty=true HTTP/1.1\" 200"));
    assert_non_null(strstr(log, "id=log-probe-1"));
    free(log);
}

/* ---- separate daemons for configuration-specific behaviour ---------------- */

static void cors_allow_list(void **state)
{
    const char *args[] = {"--cors-origin", "http://a.example, http://b.example", NULL};
    const char *allowed[] = {"Origin: http://b.example", NULL};
    const char *denied[] = {"Origin: http://evil.example", NULL};
    static const char *const near[] = {"Origin: http://a.example.evil", "Origin: http://b.exampl",
                                       "Origin: http://a", "Origin: https://a.example",
                                       "Origin: xhttp://b.example"};
    struct daemon_proc d;
    struct reply r;

    (void)state;
    assert_int_equal(client_start(&d, args), 0);
    assert_int_equal(client_request(&d, "GET", "/healthz", allowed, &r), 0);
    assert_string_equal(reply_header_str(&r, "Access-Control-Allow-Origin"), "http://b.example");
    reply_release(&r);
    assert_int_equal(client_request(&d, "GET", "/healthz", denied, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(reply_header_str(&r, "Access-Control-Allow-Origin"));
    reply_release(&r);
    /* an origin matches an entry whole: not a prefix of it, not one that extends it */
    for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
        const char *one[] = {near[i], NULL};
        assert_int_equal(client_request(&d, "GET", CACHEABLE, one, &r), 0);
        assert_int_equal(r.status, 200);
        if (reply_header_str(&r, "Access-Control-Allow-Origin"))
            fail_msg("%s: allowed as %s", near[i],
                     reply_header_str(&r, "Access-Control-Allow-Origin"));
        reply_release(&r);
    }
    assert_int_equal(client_stop(&d, SIGTERM, 10), 0);
}

static void json_logs_and_no_cache(void **state)
{
    const char *args[] = {"--log-format", "json", "--cache-size", "0", NULL};
    struct daemon_proc d;
    struct reply r;
    char *log, *line, *save = NULL;
    int access_lines = 0;

    (void)state;
    assert_int_equal(client_start(&d, args), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(client_get(&d, CACHEABLE, &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(reply_header_str(&r, "ETag"));
        reply_release(&r);
    }
    assert_int_equal(client_stop(&d, SIGTERM, 10), 0);
    log = client_log(&d);
    for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *doc = cJSON_Parse(line);
        assert_non_null(doc);
        if (cJSON_GetObjectItem(doc, "status")) {
            assert_string_equal(cJSON_GetObjectItem(doc, "cache")->valuestring, "off");
            access_lines++;
        }
        cJSON_Delete(doc);
    }
    assert_int_equal(access_lines, 2);
    free(log);
}

static void idle_connections_time_out(void **state)
{
    const char *args[] = {"--timeout", "1", NULL};
    struct daemon_proc d;
    struct buf out;

    (void)state;
    assert_int_equal(client_start(&d, args), 0);
    buf_init(&out, 0);
    /* nothing sent: the server must close the connection after about a second */
    assert_int_equal(client_raw(&d, "", 0, 5, &out), 0);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    assert_int_equal(client_stop(&d, SIGTERM, 10), 0);
}

static int run(const char *cmd)
{
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *bin(void)
{
    static char path[600];
    const char *env = getenv("STRATA_BIN");
    snprintf(path, sizeof(path), "%s", env && *env ? env : "build/strata");
    return path;
}

static void command_line(void **state)
{
    char cmd[2048];

    (void)state;
    snprintf(cmd, sizeof(cmd), "%s --help | grep -q -- '--cors-origin'", bin());
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s --version | grep -q '^strata '", bin());
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s --check --data %s/data | grep -q 'is valid'", bin(),
             client_root());
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s --check --data /nonexistent 2>/dev/null", bin());
    assert_int_equal(run(cmd), 1);
    snprintf(cmd, sizeof(cmd), "%s --port nine 2>&1 | grep -q \"invalid value 'nine'\"", bin());
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s --port nine 2>/dev/null", bin());
    assert_int_equal(run(cmd), 2);
    snprintf(cmd, sizeof(cmd), "%s --data /nonexistent --port 0 2>/dev/null", bin());
    assert_int_equal(run(cmd), 1);
}

static int generation_of(const struct daemon_proc *d, char *version, size_t size)
{
    struct reply r;
    cJSON *doc;
    int generation;

    assert_int_equal(client_get(d, "/readyz", &r), 0);
    doc = json_of(&r);
    generation = cJSON_GetObjectItem(doc, "generation")->valueint;
    snprintf(version, size, "%s", cJSON_GetObjectItem(doc, "model_version")->valuestring);
    cJSON_Delete(doc);
    reply_release(&r);
    return generation;
}

/* Poll /metrics until its text has `line` (a reload's counter), within a scaled timeout. */
static void wait_for_metric(const struct daemon_proc *d, const char *line)
{
    double deadline = client_now() + 5 * client_time_scale();
    struct reply r;
    bool found;

    do {
        assert_int_equal(client_get(d, "/metrics", &r), 0);
        found = strstr(buf_str(&r.body), line) != NULL;
        reply_release(&r);
        if (!found)
            usleep(20000);
    } while (!found && client_now() < deadline);
    if (!found)
        fail_msg("/metrics lacks '%s' after %.1f s", line, 5 * client_time_scale());
}

/* Poll /readyz until the daemon serves generation `want` (a reload), within a scaled timeout. */
static int wait_for_generation(const struct daemon_proc *d, int want, char *version, size_t size)
{
    double deadline = client_now() + 5 * client_time_scale();
    int generation;

    while ((generation = generation_of(d, version, size)) != want && client_now() < deadline)
        usleep(20000);
    return generation;
}

static void reload_on_sighup(void **state)
{
    char dir[] = "/tmp/strata-reload-XXXXXX", cmd[2048], v1[32], v2[32], v3[32], etag[128];
    const char *args[] = {"--data", dir, NULL};
    struct daemon_proc d;
    struct reply r;
    char *log;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd), "cp %s/data/model.json %s/data/article.txt %s/", client_root(),
             client_root(), dir);
    assert_int_equal(run(cmd), 0);
    assert_int_equal(client_start(&d, args), 0);
    assert_int_equal(generation_of(&d, v1, sizeof(v1)), 1);
    assert_int_equal(client_get(&d, CACHEABLE, &r), 0);
    snprintf(etag, sizeof(etag), "%s", reply_header_str(&r, "ETag"));
    reply_release(&r);

    /* a corrupt model is refused and the old one keeps serving */
    snprintf(cmd, sizeof(cmd), "printf '{\"broken' > %s/model.json", dir);
    assert_int_equal(run(cmd), 0);
    kill(d.pid, SIGHUP);
    wait_for_metric(&d, "strata_model_reloads_total{result=\"failure\"} 1");
    assert_int_equal(generation_of(&d, v2, sizeof(v2)), 1);
    assert_string_equal(v1, v2);

    /* a good, different model replaces it */
    snprintf(cmd, sizeof(cmd),
             "cp %s/tests/fixtures/valid/model.json %s/tests/fixtures/valid/article.txt %s/",
             client_root(), client_root(), dir);
    assert_int_equal(run(cmd), 0);
    kill(d.pid, SIGHUP);
    assert_int_equal(wait_for_generation(&d, 2, v3, sizeof(v3)), 2);
    assert_string_not_equal(v1, v3);
    assert_int_equal(client_get(&d, CACHEABLE, &r), 0);
    assert_string_not_equal(reply_header_str(&r, "ETag"), etag);
    reply_release(&r);
    assert_int_equal(client_get(&d, "/metrics", &r), 0);
    assert_non_null(strstr(buf_str(&r.body), "strata_model_reloads_total{result=\"success\"} 1"));
    reply_release(&r);
    assert_int_equal(client_stop(&d, SIGTERM, 10), 0);
    log = client_log(&d);
    assert_non_null(strstr(log, "model rejected"));
    assert_non_null(strstr(log, "model.json"));
    assert_non_null(strstr(log, "stopped"));
    free(log);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    run(cmd);
}

static void sigint_also_drains(void **state)
{
    struct daemon_proc d;

    (void)state;
    assert_int_equal(client_start(&d, NULL), 0);
    assert_int_equal(client_stop(&d, SIGINT, 10), 0);
}

int main(void)
{
    const struct CMUnitTest shared_tests[] = {
        cmocka_unit_test(healthz_and_common_headers),
        cmocka_unit_test(readyz_reports_the_model),
        cmocka_unit_test(request_id_echoed_only_when_safe),
        cmocka_unit_test(head_has_headers_without_body),
        cmocka_unit_test(options_and_preflight),
        cmocka_unit_test(other_methods_get_405),
        cmocka_unit_test(unknown_route_is_404),
        cmocka_unit_test(etag_gives_304),
        cmocka_unit_test(gzip_when_accepted),
        cmocka_unit_test(negotiation_406_and_common_parameters),
        cmocka_unit_test(accept_most_specific_range_and_q_zero),
        cmocka_unit_test(weak_etags_match),
        cmocka_unit_test(pretty_false_and_control_characters),
        cmocka_unit_test(encoding_and_limits),
        cmocka_unit_test(keep_alive_serves_pipelined_requests),
        cmocka_unit_test(metrics_count_requests),
        cmocka_unit_test(access_log_has_one_line_per_request),
    };
    const struct CMUnitTest own_daemon_tests[] = {
        cmocka_unit_test(long_cache_keys_are_not_confused),
        cmocka_unit_test(cors_allow_list),
        cmocka_unit_test(json_logs_and_no_cache),
        cmocka_unit_test(idle_connections_time_out),
        cmocka_unit_test(command_line),
        cmocka_unit_test(reload_on_sighup),
        cmocka_unit_test(sigint_also_drains),
    };
    int failed = cmocka_run_group_tests_name("http core", shared_tests, start_shared, stop_shared);
    failed += cmocka_run_group_tests_name("http core, own daemons", own_daemon_tests, NULL, NULL);
    return failed;
}
