/*
 * Load, slow clients and the connection cap, against the real daemon.
 *
 * - 1000 concurrent keep-alive connections (non-blocking sockets driven by
 *   one poll loop) send requests back to back for LOAD_SECONDS: every answer
 *   must be a complete 200, no connection may be reset or closed, and the
 *   daemon's resident memory (VmRSS) must not grow by more than 20% between
 *   the middle and the end of the run.
 * - Hundreds of connections that stay idle or trickle one byte a second must
 *   not stop a normal client from being served within a second.
 * - With --max-connections 50, a request beyond the cap gets an answer or a
 *   closed connection within 2 s (never a hang), and once the cap frees up
 *   requests are served again.
 * - Request heads trickled into every slot are cut at --header-timeout, so a
 *   new client is served within that deadline plus a second; one address
 *   gets --max-connections-per-ip connections and no more.
 *
 * The figures (connections, requests, req/s, RSS) are printed for the report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"

#define CONNECTIONS 1000
#define LOAD_SECONDS 10.0
#define RSS_GROWTH_MAX 1.20
#define SLOW_CONNECTIONS 300
#define NORMAL_LATENCY_MAX 1.0
#define CAP 50
#define CAP_SETTLE_SECONDS 2.0

/* The daemon of the running test, stopped by the teardown even when the test fails. */
static struct daemon_proc current;

/* Enough descriptors for every connection of the test (and the daemon, its child). */
static int raise_file_limit(void **state)
{
    struct rlimit rl;

    (void)state;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < CONNECTIONS + 200) {
        fprintf(stderr, "test_load: RLIMIT_NOFILE is %llu; need %d (raise the hard limit)\n",
                (unsigned long long)rl.rlim_cur, CONNECTIONS + 200);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int stop_daemon(void **state)
{
    (void)state;
    if (current.pid > 0)
        client_stop(&current, SIGKILL, 5);
    return 0;
}

/* VmRSS of pid in KiB, from /proc. */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    FILE *f;
    long kib = -1;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* A non-blocking socket connecting to the daemon (the connect completes later). */
static int open_nonblocking(const struct daemon_proc *d)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;

    assert_true(fd >= 0);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)d->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 && errno != EINPROGRESS)
        fail_msg("connect: %s", strerror(errno));
    return fd;
}

/* A blocking connection, for the simple cases. */
static int open_blocking(const struct daemon_proc *d)
{
    int fd = open_nonblocking(d);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};

    assert_int_equal(poll(&pfd, 1, 5000), 1);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/*
 * Length of the complete response at the start of data, 0 when more is
 * needed, -1 when it is not an HTTP/1.1 200 with a Content-Length.
 */
static long complete_response(const char *data, size_t len)
{
    const char *end = memmem(data, len, "\r\n\r\n", 4);
    const char *cl;
    long body;

    if (!end)
        return len > 65536 ? -1 : 0;
    if (len < 13 || memcmp(data, "HTTP/1.1 200 ", 13) != 0)
        return -1;
    cl = memmem(data, (size_t)(end - data), "\r\nContent-Length: ", 18);
    if (!cl)
        return -1;
    body = strtol(cl + 18, NULL, 10);
    if ((size_t)(end + 4 - data) + (size_t)body > len)
        return 0;
    return (long)(end + 4 - data) + body;
}

/* ---- 1000 keep-alive connections ------------------------------------------- */

static const char *const load_requests[] = {
    "GET /healthz HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /v1/actors?limit=5 HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /v1/events?sort=-date HTTP/1.1\r\nHost: load\r\nAccept-Encoding: gzip\r\n\r\n",
    "GET /v1/places?format=geojson HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /v1/search?q=security HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /v1/stats HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /readyz HTTP/1.1\r\nHost: load\r\n\r\n",
    "GET /v1/relations?limit=20&offset=10 HTTP/1.1\r\nHost: load\r\nAccept: text/csv\r\n\r\n",
};
#define LOAD_REQUEST_COUNT (sizeof(load_requests) / sizeof(load_requests[0]))

struct conn {
    int fd;
    bool connected;
    const char *request; /* being sent */
    size_t sent;
    struct buf in;
    unsigned long next; /* which request comes next */
};

static void conn_next_request(struct conn *c)
{
    c->request = load_requests[c->next++ % LOAD_REQUEST_COUNT];
    c->sent = 0;
    buf_reset(&c->in);
}

static void many_keepalive_connections(void **state)
{
    const char *args[] = {"--max-connections",
                          "2000",
                          "--access-log",
                          "false",
                          "--max-connections-per-ip",
                          "0",
                          NULL};
    struct conn *conns = calloc(CONNECTIONS, sizeof(*conns));
    struct pollfd *pfds = calloc(CONNECTIONS, sizeof(*pfds));
    unsigned long done = 0, done_at_middle = 0, errors = 0;
    long rss_start, rss_middle = -1, rss_end;
    double start, middle_at = 0, connected_at;
    int connected = 0;

    (void)state;
    assert_non_null(conns);
    assert_non_null(pfds);
    /*
     * Under AddressSanitizer freed memory waits in a quarantine of up to
     * 256 MB, which would read as growth: keep it small for this daemon
     * (a plain build ignores the variable).
     */
    {
        const char *asan = getenv("ASAN_OPTIONS");
        char options[1024];
        snprintf(options, sizeof(options), "%s%squarantine_size_mb=8", asan ? asan : "",
                 asan && *asan ? ":" : "");
        setenv("ASAN_OPTIONS", options, 1);
    }
    assert_int_equal(client_start(&current, args), 0);
    rss_start = rss_kib(current.pid);
    for (int i = 0; i < CONNECTIONS; i++) {
        conns[i].fd = open_nonblocking(&current);
        conns[i].next = (unsigned long)i;
        buf_init(&conns[i].in, 0);
        conn_next_request(&conns[i]);
    }
    /* every connection established before the clock starts */
    start = client_now();
    while (connected < CONNECTIONS && client_now() - start < 20) {
        for (int i = 0; i < CONNECTIONS; i++) {
            pfds[i].fd = conns[i].connected ? -1 : conns[i].fd;
            pfds[i].events = POLLOUT;
        }
        poll(pfds, CONNECTIONS, 100);
        for (int i = 0; i < CONNECTIONS; i++) {
            int err = 0;
            socklen_t len = sizeof(err);
            if (conns[i].connected || !(pfds[i].revents & (POLLOUT | POLLERR | POLLHUP)))
                continue;
            getsockopt(conns[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err)
                fail_msg("connection %d failed to connect: %s", i, strerror(err));
            conns[i].connected = true;
            connected++;
        }
    }
    assert_int_equal(connected, CONNECTIONS);
    connected_at = client_now();

    while (client_now() - connected_at < LOAD_SECONDS) {
        double t = client_now() - connected_at;
        if (rss_middle < 0 && t >= LOAD_SECONDS / 2) {
            rss_middle = rss_kib(current.pid);
            done_at_middle = done;
            middle_at = t;
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            pfds[i].fd = conns[i].fd;
            pfds[i].events = conns[i].sent < strlen(conns[i].request) ? POLLOUT : POLLIN;
        }
        if (poll(pfds, CONNECTIONS, 200) < 0)
            fail_msg("poll: %s", strerror(errno));
        for (int i = 0; i < CONNECTIONS; i++) {
            struct conn *c = &conns[i];
            if (pfds[i].revents & (POLLERR | POLLHUP | POLLNVAL))
                fail_msg("connection %d was closed or reset after %lu answers", i, done);
            if (pfds[i].revents & POLLOUT) {
                ssize_t n =
                    send(c->fd, c->request + c->sent, strlen(c->request) - c->sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN)
                    fail_msg("connection %d: send: %s", i, strerror(errno));
                if (n > 0)
                    c->sent += (size_t)n;
            }
            if (pfds[i].revents & POLLIN) {
                char chunk[65536];
                ssize_t n = recv(c->fd, chunk, sizeof(chunk), 0);
                long whole;
                if (n <= 0)
                    fail_msg("connection %d: %s after %lu answers", i,
                             n == 0 ? "closed by the server" : strerror(errno), done);
                buf_add(&c->in, chunk, (size_t)n);
                whole = complete_response(c->in.data, c->in.len);
                if (whole < 0) {
                    errors++;
                    fail_msg("connection %d: bad answer to %.40s: %.300s", i, c->request,
                             buf_str(&c->in));
                }
                if (whole > 0) {
                    if ((size_t)whole != c->in.len)
                        fail_msg("connection %d: bytes after the response", i);
                    done++;
                    conn_next_request(c);
                }
            }
        }
    }
    rss_end = rss_kib(current.pid);
    {
        double seconds = client_now() - connected_at;
        printf("test_load: %d keep-alive connections, %lu requests in %.1f s (%.0f req/s), "
               "%lu errors; RSS %ld KiB at start, %ld KiB at %.1f s, %ld KiB at the end "
               "(%+.1f%%)\n",
               CONNECTIONS, done, seconds, (double)done / seconds, errors, rss_start, rss_middle,
               middle_at, rss_end, 100.0 * ((double)rss_end / (double)rss_middle - 1));
    }
    assert_int_equal(errors, 0);
    /* every connection got answers in both halves of the run */
    assert_true(done > done_at_middle);
    assert_true(done >= CONNECTIONS);
    assert_true(rss_middle > 0 && rss_end > 0);
    if ((double)rss_end > (double)rss_middle * RSS_GROWTH_MAX)
        fail_msg("RSS grew from %ld to %ld KiB in the second half of the run", rss_middle, rss_end);
    for (int i = 0; i < CONNECTIONS; i++) {
        close(conns[i].fd);
        buf_release(&conns[i].in);
    }
    free(conns);
    free(pfds);
    assert_int_equal(client_stop(&current, SIGTERM, 20), 0);
}

/* ---- slow clients ------------------------------------------------------------- */

/* One normal request on a new connection; returns its latency in seconds. */
static double timed_request(const struct daemon_proc *d, const char *target)
{
    struct reply r;
    double t0 = client_now();

    if (client_get(d, target, &r) != 0)
        fail_msg("GET %s: no answer while slow clients were connected", target);
    if (r.status != 200)
        fail_msg("GET %s: %ld while slow clients were connected", target, r.status);
    reply_release(&r);
    return client_now() - t0;
}

static void slow_clients_do_not_starve_others(void **state)
{
    static const char trickle[] =
        "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    const char *args[] = {"--timeout", "30", "--access-log", "false", "--max-connections-per-ip",
                          "0",         NULL};
    int fds[SLOW_CONNECTIONS];
    double worst = 0, total = 0, start;
    int normal = 0;
    size_t trickled = 0;

    (void)state;
    assert_int_equal(client_start(&current, args), 0);
    /* half stay idle after connecting, half send one byte of a request a second */
    for (int i = 0; i < SLOW_CONNECTIONS; i++)
        fds[i] = open_blocking(&current);
    start = client_now();
    while (client_now() - start < 6.0) {
        double t = client_now() - start;
        if ((size_t)t >= trickled && trickled < sizeof(trickle) - 1) {
            for (int i = SLOW_CONNECTIONS / 2; i < SLOW_CONNECTIONS; i++)
                if (send(fds[i], trickle + trickled, 1, MSG_NOSIGNAL) != 1)
                    fail_msg("slow connection %d was dropped after %zu bytes", i, trickled);
            trickled++;
        }
        {
            double latency =
                timed_request(&current, normal % 2 ? "/v1/actors?limit=3" : "/healthz");
            worst = latency > worst ? latency : worst;
            total += latency;
            normal++;
        }
        usleep(100000);
    }
    printf("test_load: %d slow connections (%d idle, %d trickling 1 byte/s): %d normal "
           "requests, worst latency %.3f s, mean %.3f s\n",
           SLOW_CONNECTIONS, SLOW_CONNECTIONS / 2, SLOW_CONNECTIONS / 2, normal, worst,
           total / normal);
    if (worst >= NORMAL_LATENCY_MAX)
        fail_msg("a normal request took %.3f s while slow clients were connected", worst);
    for (int i = 0; i < SLOW_CONNECTIONS; i++)
        close(fds[i]);
    assert_int_equal(client_stop(&current, SIGTERM, 20), 0);
}

/* ---- the connection cap --------------------------------------------------------- */

struct outcome {
    int status;  /* the answer's status, 0 when the connection was closed without one */
    bool closed; /* the server closed (or reset) the connection */
    double seconds;
};

#define CAP_REQUEST "GET /healthz HTTP/1.1\r\nHost: cap\r\nConnection: close\r\n\r\n"

/* Send bytes on fd and wait (at most timeout) for an answer or a close. */
static struct outcome try_request(int fd, const char *bytes, double timeout)
{
    struct outcome o = {0, false, 0};
    double t0 = client_now();
    struct buf in;

    buf_init(&in, 0);
    send(fd, bytes, strlen(bytes), MSG_NOSIGNAL);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char chunk[4096];
        double left = timeout - (client_now() - t0);
        ssize_t n;
        if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
            break;
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) {
            o.closed = true;
            break;
        }
        buf_add(&in, chunk, (size_t)n);
    }
    if (in.len >= 12 && strncmp(in.data, "HTTP/1.1 ", 9) == 0)
        o.status = (int)strtol(in.data + 9, NULL, 10);
    o.seconds = client_now() - t0;
    buf_release(&in);
    return o;
}

static void connection_cap_answers_or_refuses_cleanly(void **state)
{
    const char *args[] = {"--max-connections", "50", "--access-log", "false", NULL};
    int held[CAP], extra[20];
    int refused = 0, answered = 0;
    double worst = 0;
    struct reply r;

    (void)state;
    assert_int_equal(client_start(&current, args), 0);
    /* fill the cap with connections that started a request and stay open */
    for (int i = 0; i < CAP; i++) {
        held[i] = open_blocking(&current);
        assert_int_equal(send(held[i], "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL), 23);
    }
    usleep(300000);
    /* beyond the cap: an answer or a closed connection, quickly, never a hang */
    for (int i = 0; i < 20; i++) {
        struct outcome o;
        extra[i] = open_blocking(&current);
        o = try_request(extra[i], CAP_REQUEST, CAP_SETTLE_SECONDS + 1);
        if (o.status == 0 && !o.closed)
            fail_msg("request %d beyond the cap hung for %.1f s", i, o.seconds);
        if (o.seconds > CAP_SETTLE_SECONDS)
            fail_msg("request %d beyond the cap took %.1f s to settle", i, o.seconds);
        if (o.status != 0 && o.status != 200 && o.status != 503)
            fail_msg("request %d beyond the cap answered %d", i, o.status);
        worst = o.seconds > worst ? o.seconds : worst;
        if (o.status == 0)
            refused++;
        else
            answered++;
        close(extra[i]);
    }
    printf("test_load: --max-connections %d held; 20 more: %d refused (closed), %d answered, "
           "slowest %.3f s\n",
           CAP, refused, answered, worst);
    /* the held requests are still served once they complete */
    for (int i = 0; i < CAP; i++) {
        struct outcome o = try_request(held[i], "Host: cap\r\nConnection: close\r\n\r\n", 5);
        if (o.status != 200)
            fail_msg("held connection %d: status %d after completing its request", i, o.status);
        close(held[i]);
    }
    /* the cap is free again: normal service */
    usleep(200000);
    assert_int_equal(client_get(&current, "/healthz", &r), 0);
    assert_int_equal(r.status, 200);
    reply_release(&r);
    assert_int_equal(client_stop(&current, SIGTERM, 20), 0);
}

/* ---- slow request heads and one address's share ---------------------------------- */

#define HEAD_TIMEOUT 2
#define TRICKLERS 100
#define PER_IP 20

/* A blocking connection from source address from (127.0.0.2 is loopback too). */
static int open_from(const struct daemon_proc *d, const char *from)
{
    struct sockaddr_in src, addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    memset(&src, 0, sizeof(src));
    src.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, from, &src.sin_addr), 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)d->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
}

/* Has the server closed fd (EOF, maybe after an answer)? Appends what it sent to got. */
static bool closed_by_server(int fd, struct buf *got)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char chunk[2048];
        ssize_t n;
        if (poll(&pfd, 1, 0) <= 0)
            return false;
        n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n <= 0)
            return true;
        if (got)
            buf_add(got, chunk, (size_t)n);
    }
}

/* New connections from address from until one is served a 200; seconds from the first try. */
static double served_after(const struct daemon_proc *d, const char *from, double give_up)
{
    double t0 = client_now();

    while (client_now() - t0 < give_up) {
        int fd = open_from(d, from);
        struct outcome o = try_request(fd, CAP_REQUEST, 1.0);
        close(fd);
        if (o.status == 200)
            return client_now() - t0;
        usleep(50000);
    }
    return -1;
}

/*
 * Connections that fill every slot and send their request heads one byte
 * every half second (each byte restarts the idle timeout) are cut at
 * --header-timeout with a 408, so a new client is served within the header
 * deadline plus a second; a kept-alive connection idle for longer than the
 * header deadline (but within --timeout) still works.
 */
static void trickling_heads_are_cut_at_the_header_deadline(void **state)
{
    static const char trickle[] = "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ";
    const char *args[] = {"--header-timeout",
                          "2",
                          "--timeout",
                          "4",
                          "--max-connections",
                          "100",
                          "--max-connections-per-ip",
                          "0",
                          "--access-log",
                          "false",
                          NULL};
    double limit = (HEAD_TIMEOUT + 1.0) * client_time_scale();
    int fds[TRICKLERS], keep, answered_408 = 0, open = TRICKLERS;
    double opened[TRICKLERS], closed_at[TRICKLERS], start, probe = -1, next_byte = 0;
    double shortest = 1e9, longest = 0;
    struct buf got;

    (void)state;
    assert_int_equal(client_start(&current, args), 0);
    buf_init(&got, 0);
    for (int i = 0; i < TRICKLERS; i++) {
        fds[i] = open_blocking(&current);
        opened[i] = client_now();
        closed_at[i] = 0;
        send(fds[i], trickle, 10, MSG_NOSIGNAL);
    }
    /* every slot is taken; a byte every half second keeps each one from idling out */
    start = client_now();
    while ((open > 0 || probe < 0) && client_now() - start < 3 * limit) {
        bool send_now = client_now() >= next_byte;
        for (int i = 0; i < TRICKLERS; i++) {
            if (closed_at[i] > 0)
                continue;
            buf_reset(&got);
            if (closed_by_server(fds[i], &got)) {
                closed_at[i] = client_now();
                answered_408 += strncmp(buf_str(&got), "HTTP/1.1 408 ", 13) == 0;
                open--;
            } else if (send_now) {
                send(fds[i], "a", 1, MSG_NOSIGNAL);
            }
        }
        if (send_now)
            next_byte = client_now() + 0.5;
        if (probe < 0) {
            int fd = open_from(&current, "127.0.0.2");
            if (try_request(fd, CAP_REQUEST, 0.2).status == 200)
                probe = client_now() - start;
            close(fd);
        }
        usleep(50000);
    }
    for (int i = 0; i < TRICKLERS; i++) {
        double held = (closed_at[i] > 0 ? closed_at[i] : client_now()) - opened[i];
        shortest = held < shortest ? held : shortest;
        longest = held > longest ? held : longest;
        close(fds[i]);
    }
    buf_release(&got);
    printf("test_load: %d trickling heads (a byte every 0.5 s, --timeout 6, --header-timeout %d, "
           "every slot taken): a new client served after %.3f s; cut after %.3f-%.3f s, %d "
           "answered 408\n",
           TRICKLERS, HEAD_TIMEOUT, probe, shortest, longest, answered_408);
    if (open > 0 || longest > limit)
        fail_msg("%d trickling connections still open; one was held %.3f s (deadline %d s)", open,
                 longest, HEAD_TIMEOUT);
    if (shortest < HEAD_TIMEOUT - 0.5)
        fail_msg("a trickling connection was cut after %.3f s, before the deadline", shortest);
    if (probe < 0 || probe > limit)
        fail_msg("a new client was served after %.3f s (expected within %.1f s)", probe, limit);
    assert_true(answered_408 > 0);
    /*
     * idle between requests longer than the head deadline (within --timeout):
     * kept alive (try_request waits its 2 s for a close that does not come)
     */
    keep = open_from(&current, "127.0.0.1");
    assert_int_equal(try_request(keep, "GET /healthz HTTP/1.1\r\nHost: k\r\n\r\n", 2).status, 200);
    sleep(1);
    assert_int_equal(try_request(keep, "GET /healthz HTTP/1.1\r\nHost: k\r\n\r\n", 2).status, 200);
    close(keep);
    assert_int_equal(client_stop(&current, SIGTERM, 20), 0);
}

/*
 * --max-connections-per-ip: one address gets that many connections, the
 * rest are closed at once, and a client from another address is served.
 */
static void one_address_gets_its_share_only(void **state)
{
    const char *args[] = {"--max-connections-per-ip", "20", "--access-log", "false", NULL};
    int fds[3 * PER_IP], refused = 0;
    double probe;

    (void)state;
    assert_int_equal(client_start(&current, args), 0);
    for (int i = 0; i < 3 * PER_IP; i++)
        fds[i] = open_from(&current, "127.0.0.1");
    usleep((useconds_t)(500000 * client_time_scale()));
    for (int i = 0; i < 3 * PER_IP; i++)
        refused += closed_by_server(fds[i], NULL);
    probe = served_after(&current, "127.0.0.2", 5 * client_time_scale());
    printf("test_load: %d connections from one address with --max-connections-per-ip %d: %d "
           "closed at once; another address served after %.3f s\n",
           3 * PER_IP, PER_IP, refused, probe);
    assert_int_equal(refused, 2 * PER_IP);
    if (probe < 0 || probe > NORMAL_LATENCY_MAX * client_time_scale())
        fail_msg("a client from another address was served after %.3f s", probe);
    for (int i = 0; i < 3 * PER_IP; i++)
        close(fds[i]);
    assert_int_equal(client_stop(&current, SIGTERM, 20), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(many_keepalive_connections, stop_daemon),
        cmocka_unit_test_teardown(slow_clients_do_not_starve_others, stop_daemon),
        cmocka_unit_test_teardown(connection_cap_answers_or_refuses_cleanly, stop_daemon),
        cmocka_unit_test_teardown(trickling_heads_are_cut_at_the_header_deadline, stop_daemon),
        cmocka_unit_test_teardown(one_address_gets_its_share_only, stop_daemon),
    };

    return cmocka_run_group_tests_name("load", tests, raise_file_limit, NULL);
}
