/*
 * http.c - libmicrohttpd glue and the HTTP semantics shared by every route.
 *
 * Request flow (see http.h): libmicrohttpd calls on_uri() with the raw target
 * when a request starts (we keep it: it is the cache key and the strict
 * decoder's input), then on_request() once with the headers only (we answer
 * MHD_YES: queueing a response there turns keep-alive off in 0.9.75), then
 * again, when respond() produces the answer, and finally on_completed().
 */
#include "http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "budget.h"
#include "cache.h"
#include "canon.h"
#include "error.h"
#include "framing.h"
#include "head_deadline.h"
#include "log.h"
#include "metrics.h"
#include "negotiate.h"
#include "router.h"
#include "snapshot.h"
#include "url.h"

#define REQUEST_ID_MAX 128
#define ALLOW "GET, HEAD, OPTIONS"
#define EXPOSE "ETag, Link, X-Total-Count, X-Request-Id"
#define VARY "Accept, Accept-Encoding, Origin"
#define ALLOW_HEADERS "Accept, Accept-Encoding, If-None-Match, If-Modified-Since, X-Request-Id"
/* worker threads per core when --threads is 0 */
#define THREADS_PER_CORE 4
/*
 * libmicrohttpd's per-connection pool holds the request line and headers; it
 * is zeroed before every request and mmap'd per connection above 32 KiB, so
 * it is kept at 32 KiB: room for --max-url-length plus --max-header-bytes at
 * their defaults, and a measured third of the CPU per cached request.
 */
#define CONNECTION_POOL_BYTES ((size_t)32 * 1024)

/*
 * Everything the server keeps, in one place: the daemon, its flags, and the
 * counters the drain and the connection cap read (updated from the
 * libmicrohttpd threads, hence atomic).
 */
struct http_server {
    struct MHD_Daemon *daemon;
    const struct config *cfg;
    char cache_control[64];
    atomic_bool draining;         /* SIGTERM came: /readyz answers 503 */
    atomic_long in_flight;        /* exchanges between on_uri() and their end */
    atomic_long connections_open; /* for --max-connections and the metrics */
    atomic_long backlog_pending;  /* connection_state.waiting ones (see there) */
    atomic_long drain_admits;     /* connections the drain still admits (see admit()) */
};

/* One request, from on_uri() to on_completed(). */
struct exchange {
    char *target; /* raw request target (owned) */
    struct timespec started;
    bool headers_seen;
    int status; /* 0 until a response is queued */
    size_t bytes;
    size_t route_index;
    const char *cache_state; /* "hit", "miss", "off", "-" */
    struct snapshot *snap;   /* held until the response has been sent */
    /* the cache entry whose memfd a sendfile response reads, held until it is sent */
    const struct cache_entry *held;
    char method[16];
    char version[16];
    char request_id[REQUEST_ID_MAX + 1];
};

/* What is about to be sent, before it becomes an MHD_Response. */
struct answer {
    int status;
    const char *body;
    size_t body_len;
    enum MHD_ResponseMemoryMode memory; /* PERSISTENT, MUST_COPY or MUST_FREE */
    /*
     * The body belongs to this cache entry, whose reference the answer owns
     * (the response releases it once sent); fd >= 0: the body is body_len
     * bytes of the entry's memfd at fd_offset, sent with sendfile.
     */
    const struct cache_entry *entry;
    int fd;
    uint64_t fd_offset;
    const char *content_type;
    const char *etag;     /* NULL: none */
    const char *encoding; /* "gzip" or NULL */
    const char *link;
    const char *location; /* Location header (a redirect), NULL: none */
    long long total_count;
    bool cacheable; /* public caching headers; else no-store */
    bool allow;     /* add Allow */
};

/*
 * What the daemon knows about one connection (its socket context).
 *
 * open: libmicrohttpd calls on_uri() before it has parsed the request and
 * calls on_completed() only for requests that reached on_request(); when it
 * gives up in between (its per-connection memory exhausted by thousands of
 * query parameters, say) the exchange is finished when the connection
 * closes, so that it neither leaks nor keeps the drain waiting.
 *
 * waiting: at drain time the connections still waiting in the listen
 * backlog may have sent their requests already: admit() still lets them in
 * and they are served, and the drain also waits until each of them has
 * started its request (or closed). server->backlog_pending counts them.
 */
struct connection_state {
    struct exchange *open;   /* between on_uri() and on_completed() */
    bool waiting;            /* taken from the backlog; no request started yet */
    struct head_watch *head; /* armed while a request head is awaited */
};
static struct connection_state *connection_state(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    return info ? info->socket_context : NULL;
}

static void connection_settle(struct http_server *server, struct connection_state *c)
{
    if (c && c->waiting) {
        c->waiting = false;
        atomic_fetch_sub(&server->backlog_pending, 1);
    }
}

static void exchange_finish(struct http_server *server, struct MHD_Connection *conn,
                            struct exchange *ex);

/* ---- per-request bookkeeping ------------------------------------------ */

/*
 * Keep libmicrohttpd from parsing the query string: we decode the raw target
 * ourselves (url.c), and its parser stores every argument in the connection's
 * 32 KiB pool, where a few hundred parameters exhaust it and 0.9.75 then
 * leaves the client without an answer until the idle timeout. It finds the
 * '?' before calling on_uri() and parses what follows it afterwards, in the
 * request-line buffer it owns and clobbers anyway: ending that string right
 * after the '?' leaves it nothing to parse. The copy in ex->target is intact.
 */
static void skip_argument_parsing(const char *uri)
{
    char *query = uri ? strchr(uri, '?') : NULL;

    if (query)
        query[1] = '\0';
}

/*
 * The origin form of a request target (RFC 9112 3.2.2: a server MUST accept
 * the absolute form): "http://host:8080/v1/actors?x" -> "/v1/actors?x".
 * Any other target is copied as is (the decoder refuses what it must).
 */
static char *origin_form(const char *uri)
{
    size_t scheme = strncasecmp(uri, "http://", 7) == 0    ? 7
                    : strncasecmp(uri, "https://", 8) == 0 ? 8
                                                           : 0;
    const char *rest = uri;
    char *out;

    if (!scheme)
        return strdup(uri);
    while (rest[scheme] && !strchr("/?#", rest[scheme]))
        rest++;
    rest += scheme;
    if (*rest == '/')
        return strdup(rest);
    out = malloc(strlen(rest) + 2);
    if (out) {
        out[0] = '/';
        memcpy(out + 1, rest, strlen(rest) + 1);
    }
    return out;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct exchange *ex = calloc(1, sizeof(*ex));
    struct connection_state *c = connection_state(conn);

    connection_settle(cls, c);
    if (!ex)
        return NULL;
    ex->target = origin_form(uri ? uri : "");
    skip_argument_parsing(uri);
    clock_gettime(CLOCK_MONOTONIC, &ex->started);
    ex->route_index = METRICS_UNMATCHED;
    ex->cache_state = "-";
    atomic_fetch_add(&((struct http_server *)cls)->in_flight, 1);
    if (c) {
        if (c->open) /* the previous request never completed */
            exchange_finish(cls, conn, c->open);
        c->open = ex;
    }
    return ex;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;

    snprintf(out, size, "-");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

/* Count, log and free an exchange. */
static void exchange_finish(struct http_server *server, struct MHD_Connection *conn,
                            struct exchange *ex)
{
    if (ex->status) {
        double seconds = seconds_since(&ex->started);
        metrics_request(ex->route_index, ex->status, seconds);
        if (server->cfg->access_log) {
            char client[INET6_ADDRSTRLEN + 1];
            struct access_record r = {
                .client = client,
                .method = ex->method,
                .target = ex->target,
                .version = ex->version,
                .status = ex->status,
                .bytes = ex->bytes,
                .seconds = seconds,
                .request_id = ex->request_id,
                .cache = ex->cache_state,
                .user_agent =
                    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT),
            };
            client_address(conn, client, sizeof(client));
            log_access(&r);
        }
    }
    cache_entry_release(ex->held);
    snapshot_release(ex->snap);
    free(ex->target);
    free(ex);
    atomic_fetch_sub(&server->in_flight, 1);
}

/*
 * The next request head on a kept-alive connection: an idle wait up to
 * --timeout is allowed before it (libmicrohttpd cannot tell when its first
 * byte came), so it must be complete within the longer of the two.
 */
static double next_head_seconds(const struct config *cfg)
{
    return cfg->timeout > cfg->header_timeout ? cfg->timeout : cfg->header_timeout;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct exchange *ex = *con_cls;
    struct connection_state *c = connection_state(conn);

    (void)toe;
    if (!ex)
        return;
    if (c && c->open == ex)
        c->open = NULL;
    if (c)
        head_deadline_arm(c->head, next_head_seconds(((const struct http_server *)cls)->cfg));
    exchange_finish(cls, conn, ex);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct connection_state *c = *socket_context;
    struct http_server *server = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c = calloc(1, sizeof(*c));
        if (c && atomic_load(&server->draining)) {
            c->waiting = true;
            atomic_fetch_add(&server->backlog_pending, 1);
        }
        if (c && fd) {
            c->head = head_deadline_watch(fd->connect_fd);
            head_deadline_arm(c->head, server->cfg->header_timeout);
        }
        *socket_context = c;
    } else if (c) {
        /* libmicrohttpd has called on_completed() already if it ever will */
        connection_settle(server, c);
        if (c->open)
            exchange_finish(cls, conn, c->open);
        /* before libmicrohttpd closes the socket (it notifies first) */
        head_deadline_forget(c->head);
        free(c);
        *socket_context = NULL;
    }
    metrics_connections(code == MHD_CONNECTION_NOTIFY_STARTED
                            ? atomic_fetch_add(&server->connections_open, 1) + 1
                            : atomic_fetch_sub(&server->connections_open, 1) - 1);
}

/*
 * libmicrohttpd's own connection limit stops accepting when it is reached,
 * so that a connection beyond it waits in the listen backlog with no answer
 * until a slot frees up. The cap is enforced here instead: a connection
 * beyond --max-connections is accepted and closed at once (the client sees a
 * closed connection, not a hang). libmicrohttpd's limit is set a little
 * higher (CONNECTION_SLACK per thread) so that it never engages first.
 */
#define CONNECTION_SLACK 16

/*
 * Connections the drain still admits (server->drain_admits): those that were
 * waiting in the listen backlog when SIGTERM came (their requests may already
 * be sent). Later ones are closed at once while the in-flight requests finish.
 */
static enum MHD_Result admit(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct http_server *server = cls;

    (void)addr;
    (void)addrlen;
    if (atomic_load(&server->draining))
        return atomic_fetch_sub(&server->drain_admits, 1) > 0 ? MHD_YES : MHD_NO;
    return atomic_load(&server->connections_open) < (long)server->cfg->max_connections ? MHD_YES
                                                                                       : MHD_NO;
}

/* ---- headers ---------------------------------------------------------- */

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static void assign_request_id(struct MHD_Connection *conn, struct exchange *ex)
{
    static _Thread_local unsigned long long state;
    const char *sent = header(conn, "X-Request-Id");

    if (negotiate_request_id_valid(sent)) {
        snprintf(ex->request_id, sizeof(ex->request_id), "%s", sent);
        return;
    }
    if (state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        state = ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)ts.tv_sec ^
                (unsigned long long)(size_t)&state;
        state |= 1;
    }
    /* xorshift64*: unique enough to correlate log lines, cheap, lock-free */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    snprintf(ex->request_id, sizeof(ex->request_id), "%016llx", state * 0x2545F4914F6CDD1DULL);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    size_t *total = cls;

    (void)kind;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static size_t header_bytes(struct MHD_Connection *conn)
{
    size_t total = 0;

    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &total);
    return total;
}

static void add_common_headers(const struct http_server *server, struct MHD_Connection *conn,
                               const struct exchange *ex, struct MHD_Response *resp)
{
    const char *origin = header(conn, "Origin");
    const char *allow_origin = negotiate_cors_origin(server->cfg->cors_origin, origin);

    MHD_add_response_header(resp, "X-Request-Id", ex->request_id);
    MHD_add_response_header(resp, "Vary", VARY);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (allow_origin) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", allow_origin);
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", EXPOSE);
    }
}

/* ---- sending ------------------------------------------------------------ */

static void release_entry(void *entry)
{
    cache_entry_release(entry);
}

/*
 * A response for len bytes of file fd at offset: its own descriptor (the
 * response closes it), so that the entry may be evicted meanwhile; when no
 * descriptor is left, a copy read from the file.
 */
static struct MHD_Response *file_response(int fd, uint64_t offset, size_t len)
{
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    struct MHD_Response *resp;
    char *copy;

    if (own >= 0) {
        resp = MHD_create_response_from_fd_at_offset64(len, own, offset);
        if (!resp)
            close(own);
        return resp;
    }
    copy = malloc(len ? len : 1);
    if (!copy || pread(fd, copy, len, (off_t)offset) != (ssize_t)len) {
        free(copy);
        return NULL;
    }
    return MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
}

/*
 * The MHD_Response carrying a's body; takes over what a owns (entry,
 * MUST_FREE). A file response cannot call back when it is done, so the
 * exchange holds its entry until the request completes: an entry too big to
 * admit stays shared for as long as some connection sends it.
 */
static struct MHD_Response *body_response(struct exchange *ex, const struct answer *a)
{
    struct MHD_Response *resp;

    if (a->fd >= 0) {
        resp = file_response(a->fd, a->fd_offset, a->body_len);
        if (resp && !ex->held)
            ex->held = a->entry;
        else
            cache_entry_release(a->entry);
        return resp;
    }
    if (a->entry) {
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            a->body_len, (void *)(uintptr_t)a->body, release_entry, (void *)(uintptr_t)a->entry);
        if (!resp)
            cache_entry_release(a->entry);
        return resp;
    }
    resp = MHD_create_response_from_buffer(a->body_len, (void *)(uintptr_t)a->body, a->memory);
    if (!resp && a->memory == MHD_RESPMEM_MUST_FREE)
        free((void *)(uintptr_t)a->body);
    return resp;
}

static enum MHD_Result send_answer(const struct http_server *server, struct MHD_Connection *conn,
                                   struct exchange *ex, const struct answer *a)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = body_response(ex, a);
    if (!resp)
        return MHD_NO;
    add_common_headers(server, conn, ex, resp);
    if (a->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    if (a->etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
    if (a->encoding)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, a->encoding);
    if (a->link && *a->link)
        MHD_add_response_header(resp, "Link", a->link);
    if (a->location && *a->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, a->location);
    if (a->total_count >= 0) {
        char total[32];
        snprintf(total, sizeof(total), "%lld", a->total_count);
        MHD_add_response_header(resp, "X-Total-Count", total);
    }
    if (a->cacheable && ex->snap) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, server->cache_control);
        if (a->status != MHD_HTTP_NOT_MODIFIED)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, ex->snap->last_modified);
    } else {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    if (a->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, ALLOW);
    if (a->status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    ex->status = a->status;
    ex->bytes = a->status == MHD_HTTP_NOT_MODIFIED ? 0 : a->body_len;
    ret = MHD_queue_response(conn, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_problem(const struct http_server *server, struct MHD_Connection *conn,
                                    struct exchange *ex, const struct problem *p, bool pretty)
{
    struct buf body;
    struct answer a = {.fd = -1};

    buf_init(&body, 1 << 20);
    problem_render(p, ex->target, pretty, &body);
    a.status = problem_status(p->code);
    a.body_len = body.len;
    a.body = buf_detach(&body, NULL);
    a.memory = MHD_RESPMEM_MUST_FREE;
    if (!a.body) {
        a.body = "";
        a.body_len = 0;
        a.memory = MHD_RESPMEM_PERSISTENT;
    }
    a.content_type = "application/problem+json; charset=utf-8";
    a.total_count = -1;
    a.allow = p->code == PROBLEM_METHOD_NOT_ALLOWED;
    a.location = p->code == PROBLEM_MOVED ? p->location : NULL;
    return send_answer(server, conn, ex, &a);
}

/* Has the client's copy (If-None-Match, else If-Modified-Since) not changed? */
static bool not_modified(struct MHD_Connection *conn, const struct exchange *ex, const char *etag)
{
    const char *inm = header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const char *ims;
    struct tm tm;

    if (inm)
        return negotiate_etag_match(inm, etag);
    ims = header(conn, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    if (!ims || !ex->snap)
        return false;
    memset(&tm, 0, sizeof(tm));
    if (!strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm))
        return false;
    /* RFC 9110 13.1.3: a date later than the server's clock is ignored */
    return timegm(&tm) >= ex->snap->loaded_at && timegm(&tm) <= time(NULL);
}

/*
 * Send a (200) answer, or a 304 when the client's copy is current: a 304
 * carries validators and caching headers, no representation metadata
 * (RFC 9110 15.4.5).
 */
static enum MHD_Result send_validated(const struct http_server *server, struct MHD_Connection *conn,
                                      struct exchange *ex, struct answer *a)
{
    if (not_modified(conn, ex, a->etag)) {
        /*
         * libmicrohttpd 0.9.75 writes a Content-Length on every 304 (without
         * one it would send Transfer-Encoding: chunked or close the
         * connection), and never its body: it is the length of the 200 this
         * 304 stands for, as RFC 9110 8.6 requires, never 0. So the body
         * stays attached (and owned as before); it is not sent.
         */
        a->status = MHD_HTTP_NOT_MODIFIED;
        a->content_type = NULL;
        a->encoding = NULL;
        a->link = NULL;
        a->total_count = -1;
    }
    return send_answer(server, conn, ex, a);
}

/*
 * Send entry e (a reference the caller hands over) with the negotiated
 * encoding: its bytes are not copied, the response holds the reference.
 */
static enum MHD_Result send_entry(const struct http_server *server, struct MHD_Connection *conn,
                                  struct exchange *ex, const struct cache_entry *e)
{
    bool gzip = e->gzip.len && negotiate_gzip(header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    const struct cache_body *b = gzip ? &e->gzip : &e->body;
    struct answer a = {
        .status = MHD_HTTP_OK,
        .body = b->data,
        .body_len = b->len,
        .memory = MHD_RESPMEM_PERSISTENT,
        .entry = e,
        .fd = b->data ? -1 : e->fd,
        .fd_offset = b->offset,
        .content_type = e->content_type,
        .etag = gzip ? e->gzip_etag : e->etag,
        .encoding = gzip ? "gzip" : NULL,
        .link = e->link,
        .total_count = e->total_count,
        .cacheable = true,
    };
    /* the headers are copied by MHD_add_response_header before the reference can go */
    ex->route_index = e->route_index;
    return send_validated(server, conn, ex, &a);
}

/*
 * Serve a handler result that is not cached: ETag and gzip computed now, and
 * the rendered buffer handed to the response (never copied).
 */
static enum MHD_Result send_fresh(const struct http_server *server, struct MHD_Connection *conn,
                                  struct exchange *ex, const struct route *route,
                                  struct response *res, const char *content_type)
{
    char etag[32];
    size_t gzip_len = 0;
    char *gzip = NULL;
    const char *version = ex->snap->model->version;
    struct answer a = {
        .status = MHD_HTTP_OK,
        .body_len = res->body.len,
        .memory = MHD_RESPMEM_MUST_FREE,
        .fd = -1,
        .content_type = content_type,
        .etag = etag,
        .link = res->link.len ? buf_str(&res->link) : NULL,
        .total_count = res->total_count,
        .cacheable = !res->no_store,
    };

    ex->route_index = router_index(route);
    if (negotiate_gzip(header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING)))
        gzip = cache_gzip(buf_str(&res->body), res->body.len, &gzip_len);
    cache_etag(version, buf_str(&res->body), res->body.len, gzip ? "-gz" : "", etag, sizeof(etag));
    if (gzip) {
        a.body = gzip;
        a.body_len = gzip_len;
        a.encoding = "gzip";
    } else {
        a.body = buf_detach(&res->body, NULL);
        if (!a.body) {
            a.body = "";
            a.body_len = 0;
            a.memory = MHD_RESPMEM_PERSISTENT;
        }
    }
    return send_validated(server, conn, ex, &a);
}

/*
 * A streamed body (request.h): pieces are produced as libmicrohttpd asks
 * for bytes, so a slow reader only slows its own stream (and is dropped by
 * the idle --timeout); past --export-timeout the stream is cut.
 */
struct stream_send {
    struct response_stream *stream; /* owned */
    struct snapshot *snap;          /* a reference of its own: the stream reads its store */
    struct buf pending;
    size_t at;
    bool done;
    struct timespec deadline;
    size_t *bytes; /* the exchange's byte count (it outlives every read) */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream_send *s = cls;
    struct timespec now;
    size_t n;

    (void)pos;
    while (s->at == s->pending.len) {
        if (s->done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > s->deadline.tv_sec ||
            (now.tv_sec == s->deadline.tv_sec && now.tv_nsec >= s->deadline.tv_nsec))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        buf_reset(&s->pending);
        s->at = 0;
        if (s->stream->next(s->stream, &s->pending, &s->done) != 0 || s->pending.failed)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    n = s->pending.len - s->at < max ? s->pending.len - s->at : max;
    memcpy(out, buf_str(&s->pending) + s->at, n);
    s->at += n;
    *s->bytes += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream_send *s = cls;

    s->stream->free(s->stream);
    buf_release(&s->pending);
    snapshot_release(s->snap);
    free(s);
}

/* Send a handler's stream: 200, chunked, never cached, no ETag (nothing whole to hash). */
static enum MHD_Result send_stream(const struct http_server *server, struct MHD_Connection *conn,
                                   struct exchange *ex, struct response *res, const char *type)
{
    struct stream_send *s = calloc(1, sizeof(*s));
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (!s)
        return MHD_NO;
    s->stream = res->stream;
    res->stream = NULL;
    s->snap = ex->snap;
    atomic_fetch_add(&s->snap->refs, 1);
    buf_init(&s->pending, 0);
    s->bytes = &ex->bytes;
    clock_gettime(CLOCK_MONOTONIC, &s->deadline);
    s->deadline.tv_sec += server->cfg->export_timeout;
    resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
    if (!resp) {
        stream_free(s);
        return MHD_NO;
    }
    add_common_headers(server, conn, ex, resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (res->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", res->disposition);
    if (res->total_count >= 0) {
        char total[32];
        snprintf(total, sizeof(total), "%lld", res->total_count);
        MHD_add_response_header(resp, "X-Total-Count", total);
    }
    ex->status = MHD_HTTP_OK;
    ex->cache_state = "stream";
    ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* OPTIONS: 204 with Allow, and the CORS preflight answer when asked for one. */
static enum MHD_Result send_options(const struct http_server *server, struct MHD_Connection *conn,
                                    struct exchange *ex)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    const char *origin = header(conn, "Origin");
    enum MHD_Result ret;

    if (!resp)
        return MHD_NO;
    add_common_headers(server, conn, ex, resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, ALLOW);
    if (negotiate_cors_origin(server->cfg->cors_origin, origin) &&
        header(conn, "Access-Control-Request-Method")) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", ALLOW);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers", ALLOW_HEADERS);
        MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    ex->status = MHD_HTTP_NO_CONTENT;
    ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool is_get_or_head(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Validate ?pretty= and ?format=, negotiate the representation. */
static bool common_parameters(struct MHD_Connection *conn, const struct route *route,
                              const struct url *u, struct request *req, struct problem *p)
{
    const char *pretty = NULL, *format = NULL;

    for (size_t i = 0; i < u->param_count; i++) {
        const struct param *param = &u->params[i];
        if (strcmp(param->name, "pretty") == 0) {
            if (pretty) {
                problem_set(p, PROBLEM_INVALID_PARAMETER,
                            "invalid value for parameter 'pretty': given more than once; it takes "
                            "one value, true or false");
                problem_add_error(p, "pretty", param->value,
                                  "given more than once; it takes one value");
                return false;
            }
            if (strcmp(param->value, "true") && strcmp(param->value, "false")) {
                problem_set(p, PROBLEM_INVALID_PARAMETER,
                            "invalid value for parameter 'pretty': '%.64s' is not a boolean; "
                            "must be true or false",
                            param->value);
                problem_add_error(p, "pretty", param->value, "must be one of: true, false");
                return false;
            }
            pretty = param->value;
        } else if (strcmp(param->name, "format") == 0) {
            if (format) {
                problem_set(p, PROBLEM_INVALID_PARAMETER, "parameter 'format' is given twice");
                problem_add_error(p, "format", param->value, "give one format");
                return false;
            }
            format = param->value;
        }
    }
    req->pretty = pretty && strcmp(pretty, "true") == 0;
    if (!negotiate_format(format, header(conn, MHD_HTTP_HEADER_ACCEPT), route->representations,
                          &req->format)) {
        char offered[512];
        negotiate_describe(route->representations, offered, sizeof(offered));
        problem_set(p, PROBLEM_NOT_ACCEPTABLE, "%s; this route offers %s",
                    format ? "the requested format is not offered"
                           : "no representation matches the Accept header",
                    offered);
        problem_add_error(p, format ? "format" : "Accept",
                          format ? format : header(conn, MHD_HTTP_HEADER_ACCEPT), "offered: %s",
                          offered);
        return false;
    }
    return true;
}

static int connection_fd(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

/*
 * Run the handler under the request's budget (budget.h). When a check found
 * the budget spent, whatever the handler produced may be cut short: the
 * answer is the budget's problem instead (naming q when the query is too
 * broad).
 */
static void run_handler(const struct http_server *server, struct MHD_Connection *conn,
                        const struct route *route, struct request *req, struct response *res)
{
    struct budget budget;
    const char *q;

    budget_init(&budget, server->cfg->request_timeout, connection_fd(conn));
    req->budget = &budget;
    req->config = server->cfg;
    budget_enter(&budget);
    route->handler(req, res);
    budget_leave();
    req->budget = NULL;
    if (!budget_problem(&budget, &res->problem))
        return;
    q = request_param(req, "q");
    if (res->problem.code == PROBLEM_QUERY_TOO_BROAD && q)
        problem_add_error(&res->problem, "q", q,
                          "matches too much to rank within %u ms: use longer prefixes, fewer OR "
                          "terms or type=",
                          server->cfg->request_timeout);
}

/* The route's default representation: the lowest bit of its mask. */
static enum representation default_representation(const struct route *route)
{
    for (unsigned r = 0; r < REPR_COUNT; r++)
        if (route->representations & REPR_BIT(r))
            return (enum representation)r;
    return REPR_JSON;
}

/*
 * Look the canonical request up in the cache. On a hit sends the entry
 * (true, *ret set); on a miss the request is rewritten to its canonical
 * form (parameters and target) so that what the handler renders is the
 * answer of every spelling of the key in canon.
 */
static bool lookup(const struct http_server *server, struct MHD_Connection *conn,
                   struct exchange *ex, const struct route *route, const struct url *u,
                   struct request *req, struct canon *canon, enum MHD_Result *ret)
{
    const struct cache_entry *e;

    if (canon_build(canon, canon_rules_for(route->pattern), u->path, u->params, u->param_count,
                    req->format, default_representation(route), req->pretty) != 0) {
        ex->cache_state = "bypass";
        return false;
    }
    e = cache_get(ex->snap->cache, canon->key);
    metrics_cache(e != NULL);
    ex->cache_state = e ? "hit" : "miss";
    if (e) {
        *ret = send_entry(server, conn, ex, e);
        return true;
    }
    req->params = canon->params;
    req->param_count = canon->param_count;
    req->raw_target = canon->target;
    return false;
}

/*
 * The body passed --max-response-bytes (the handler saw its render fail):
 * a 400 that says how to ask for less, never a 500.
 */
static void too_large(const struct request *req, size_t max, struct problem *p)
{
    const char *narrow =
        strncmp(req->path, "/v1/timeline", 12) == 0
            ? "from= and to=, a filter of /v1/events (type=, layer=, place=...), fewer include= "
              "and fields=, or page through /v1/events"
        : strncmp(req->path, "/v1/graph", 9) == 0
            ? "layer=, around= with depth=, type= or relation="
            : "a smaller limit=, fewer fields= and include=, or pretty=false (or stream every "
              "row with limit=all)";

    problem_set(p, PROBLEM_RESPONSE_TOO_LARGE,
                "the response would be larger than %zu bytes (--max-response-bytes); ask for less "
                "with %s",
                max, narrow);
}

/* Run the handler of a matched GET/HEAD route and send its answer. */
static enum MHD_Result dispatch(const struct http_server *server, struct MHD_Connection *conn,
                                struct exchange *ex, const struct route *route, const struct url *u,
                                const char *id)
{
    struct request req = {
        .path = u->path,
        .raw_target = ex->target,
        .id = id,
        .params = u->params,
        .param_count = u->param_count,
        .snapshot = ex->snap,
        .draining = atomic_load(&server->draining),
    };
    struct canon canon = {.key = NULL};
    struct response res;
    struct problem p = {.code = PROBLEM_NONE, .error_count = 0}; /* problem_set() fills the rest */
    enum MHD_Result ret;
    const char *type;
    const struct cache_entry *e = NULL;

    if (!common_parameters(conn, route, u, &req, &p))
        return send_problem(server, conn, ex, &p, false);
    if (!route->cacheable)
        ex->cache_state = "bypass";
    else if (!ex->snap->cache)
        ex->cache_state = "off";
    else if (lookup(server, conn, ex, route, u, &req, &canon, &ret)) {
        canon_release(&canon);
        return ret;
    }
    response_init(&res);
    /* the data routes; the spec, docs and metrics are bounded by what they are */
    if (strncmp(req.path, "/v1/", 4) == 0)
        res.body.max = server->cfg->max_response_bytes;
    run_handler(server, conn, route, &req, &res);
    if (res.body.failed == BUF_OVER_CAP)
        too_large(&req, server->cfg->max_response_bytes, &res.problem);
    if (res.problem.code != PROBLEM_NONE) {
        ret = send_problem(server, conn, ex, &res.problem, req.pretty);
        goto done;
    }
    type = res.content_type ? res.content_type : representation_content_type(req.format);
    if (res.stream) {
        ret = send_stream(server, conn, ex, &res, type);
        goto done;
    }
    if (canon.key && !res.no_store) {
        struct cache_response r = {
            .body = buf_str(&res.body),
            .body_len = res.body.len,
            .content_type = type,
            .link = res.link.len ? buf_str(&res.link) : NULL,
            .total_count = res.total_count,
            .route_index = router_index(route),
            .etag_seed = ex->snap->model->version,
        };
        e = cache_put(ex->snap->cache, canon.key, &r);
    }
    ret = e ? send_entry(server, conn, ex, e) : send_fresh(server, conn, ex, route, &res, type);
done:
    response_release(&res);
    canon_release(&canon);
    return ret;
}

/* Produce the answer for a request whose headers (and body) have arrived. */
static enum MHD_Result respond(const struct http_server *server, struct MHD_Connection *conn,
                               struct exchange *ex)
{
    const struct config *cfg = server->cfg;
    /* not zeroed whole: it is 9.7 KB, and problem_set() fills it before any use */
    struct problem p;
    struct url u;
    const struct route *route;
    char id_buf[256];
    const char *id;
    enum MHD_Result ret;

    assign_request_id(conn, ex);
    if (strlen(ex->target) > cfg->max_url_length) {
        problem_set(&p, PROBLEM_URI_TOO_LONG,
                    "the request target is %zu bytes long; at most %zu are allowed",
                    strlen(ex->target), cfg->max_url_length);
        return send_problem(server, conn, ex, &p, false);
    }
    if (header_bytes(conn) > cfg->max_header_bytes) {
        problem_set(&p, PROBLEM_HEADERS_TOO_LARGE, "the request headers take more than %zu bytes",
                    cfg->max_header_bytes);
        return send_problem(server, conn, ex, &p, false);
    }
    if (strcmp(ex->method, "OPTIONS") == 0 && strcmp(ex->target, "*") == 0)
        return send_options(server, conn, ex); /* the server as a whole (RFC 9110 9.3.7) */
    if (strcmp(ex->method, "CONNECT") == 0) {
        problem_set(&p, PROBLEM_METHOD_NOT_ALLOWED,
                    "method CONNECT is not allowed; this is not a proxy (allowed: " ALLOW ")");
        return send_problem(server, conn, ex, &p, false);
    }
    ex->snap = snapshot_acquire();
    if (!ex->snap || !ex->snap->cache)
        ex->cache_state = "off";
    if (url_parse(ex->target, cfg->max_params, &u, &p))
        return send_problem(server, conn, ex, &p, false);
    route = router_match(u.path, id_buf, sizeof(id_buf), &id);
    if (!route) {
        problem_set(&p, PROBLEM_NOT_FOUND, "no resource at this path; see / for the routes");
        ret = send_problem(server, conn, ex, &p, false);
    } else if (ex->route_index = router_index(route), strcmp(ex->method, "OPTIONS") == 0) {
        ret = send_options(server, conn, ex);
    } else if (!is_get_or_head(ex->method)) {
        problem_set(&p, PROBLEM_METHOD_NOT_ALLOWED,
                    "method %s is not allowed; this API is read-only (allowed: " ALLOW ")",
                    ex->method);
        ret = send_problem(server, conn, ex, &p, false);
    } else if (!ex->snap) {
        problem_set(&p, PROBLEM_UNAVAILABLE, "no model is loaded yet; retry shortly");
        ret = send_problem(server, conn, ex, &p, false);
    } else {
        ret = dispatch(server, conn, ex, route, &u, id);
    }
    url_release(&u);
    return ret;
}

struct field_list {
    struct framing_field *fields;
    size_t count, cap;
};

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct field_list *list = cls;

    (void)kind;
    if (list->count < list->cap)
        list->fields[list->count++] = (struct framing_field){key ? key : "", value ? value : ""};
    return MHD_YES;
}

/*
 * The request head as framing.h describes it. libmicrohttpd 0.9.75 passes
 * the method and version as pointers into the head it parsed in place; the
 * head is MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes from the method on.
 * false when it cannot be described (no memory): the request is refused.
 */
static bool request_head(struct MHD_Connection *conn, const char *method, const char *version,
                         struct framing_head *head, struct field_list *list)
{
    const union MHD_ConnectionInfo *size =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    int count = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);

    list->count = 0;
    list->cap = count > 0 ? (size_t)count : 0;
    list->fields = list->cap ? calloc(list->cap, sizeof(*list->fields)) : NULL;
    if (!size || (list->cap && !list->fields))
        return false;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_field, list);
    head->line_end = version + strlen(version);
    head->head_end = method + size->header_size;
    head->fields = list->fields;
    head->count = list->count;
    return true;
}

/*
 * Refuse a head that a proxy in front could read differently (see
 * framing.h): 400 and the connection closed. MHD_YES when the head is fine.
 */
static enum MHD_Result check_framing(const struct http_server *server, struct MHD_Connection *conn,
                                     struct exchange *ex, const char *method, const char *version,
                                     bool *refused)
{
    struct framing_head head;
    struct field_list list = {NULL, 0, 0};
    struct problem p;
    char why[256];
    bool described = request_head(conn, method, version, &head, &list);
    bool fine = described && framing_check(&head, why, sizeof(why));

    free(list.fields);
    *refused = !fine;
    if (fine)
        return MHD_YES;
    if (!described)
        snprintf(why, sizeof(why), "the server could not examine the request head");
    assign_request_id(conn, ex);
    problem_set(&p, PROBLEM_INVALID_ENCODING,
                "the request head is refused: %s; send each header once, on one line, with "
                "one Content-Length or Transfer-Encoding: chunked",
                why);
    /* answered now, before any body: libmicrohttpd then closes the connection */
    return send_problem(server, conn, ex, &p, false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct exchange *ex = *con_cls;

    (void)url;
    (void)upload_data;
    if (!ex)
        return MHD_NO;
    if (!ex->headers_seen) {
        struct connection_state *c = connection_state(conn);
        ex->headers_seen = true;
        if (c)
            head_deadline_disarm(c->head);
        snprintf(ex->method, sizeof(ex->method), "%s", method);
        snprintf(ex->version, sizeof(ex->version), "%s", version);
        {
            bool refused;
            enum MHD_Result ret = check_framing(cls, conn, ex, method, version, &refused);
            if (refused)
                return ret;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* a body is never needed (the API is read-only): read and drop it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ex->status)
        return MHD_YES;
    return respond(cls, conn, ex);
}

/* ---- lifecycle ------------------------------------------------------------ */

/* Resolve cfg->bind and port into addr; false with a logged reason on failure. */
static bool listen_address(const struct config *cfg, struct sockaddr_storage *addr, bool *ipv6)
{
    struct addrinfo hints, *found = NULL;
    char port[16];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", cfg->port);
    rc = getaddrinfo(cfg->bind, port, &hints, &found);
    if (rc || !found) {
        log_message(LOG_ERROR, "--bind: '%s' is not a numeric IPv4 or IPv6 address (%s)", cfg->bind,
                    gai_strerror(rc));
        return false;
    }
    memset(addr, 0, sizeof(*addr));
    memcpy(addr, found->ai_addr, found->ai_addrlen);
    *ipv6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);
    return true;
}

int http_start(const struct config *cfg, struct http_server **out, unsigned *port)
{
    struct http_server *server = calloc(1, sizeof(*server));
    struct sockaddr_storage addr;
    const union MHD_DaemonInfo *info;
    unsigned threads = cfg->threads;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    bool ipv6 = false;

    if (!server)
        return STRATA_ENOMEM;
    if (!listen_address(cfg, &addr, &ipv6)) {
        free(server);
        return STRATA_EINVAL;
    }
    if (ipv6)
        flags |= MHD_USE_IPv6;
    if (threads == 0) {
        /*
         * A worker runs a request to its end, its connections waiting: with
         * more workers than cores, a cheap request gets a thread of its own
         * while costly ones run, and the kernel shares the cores (bench:
         * a cheap request's median under four costly searches 80 -> 3 ms).
         */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = (cores > 0 ? (unsigned)cores : 1) * THREADS_PER_CORE;
    }
    server->cfg = cfg;
    if (head_deadline_start() != STRATA_OK) {
        free(server);
        return STRATA_ENOMEM;
    }
    snprintf(server->cache_control, sizeof(server->cache_control), "public, max-age=%u",
             cfg->cache_max_age);
    server->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, admit, server, on_request, server, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_URI_LOG_CALLBACK, on_uri, server,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, server, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections + CONNECTION_SLACK * threads, MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->timeout, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_POOL_BYTES, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_END);
    if (!server->daemon) {
        log_message(LOG_ERROR, "cannot listen on %s port %u (address in use, or not allowed)",
                    cfg->bind, cfg->port);
        head_deadline_stop();
        free(server);
        return STRATA_EIO;
    }
    info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : cfg->port;
    *out = server;
    return STRATA_OK;
}

/* How many connections wait in the listen socket's accept queue (Linux TCP_INFO). */
static long listen_backlog(const struct http_server *server)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    if (!info || info->listen_fd == MHD_INVALID_SOCKET ||
        getsockopt(info->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    /* for a listening socket tcpi_unacked is the accept queue's length */
    return (long)ti.tcpi_unacked;
}

/*
 * Stop taking new connections but serve those already queued. This does not
 * use MHD_quiesce_daemon(): with a thread pool on epoll, 0.9.75 removes the
 * listen socket from each worker's epoll set while the workers may do the
 * same, and aborts ("Failed to remove listen FD from epoll set") when it
 * loses that race. admit() refuses instead, once the queue is served.
 */
void http_begin_drain(struct http_server *server)
{
    atomic_store(&server->drain_admits, server->daemon ? listen_backlog(server) : 0);
    atomic_store(&server->draining, true);
}

bool http_wait_idle(struct http_server *server, unsigned ms)
{
    struct timespec start;

    (void)server;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&server->in_flight) > 0 || atomic_load(&server->backlog_pending) > 0) {
        if (seconds_since(&start) * 1000 >= ms)
            return false;
        usleep(10000);
    }
    return true;
}

void http_stop(struct http_server *server)
{
    if (!server)
        return;
    budget_cancel_all();
    head_deadline_stop();
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    free(server);
}
