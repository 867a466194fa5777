/*
 * fuzz_http.c - libFuzzer target for request handling end to end, in process.
 *
 * LLVMFuzzerInitialize starts the real HTTP server (http_start) on a
 * loopback ephemeral port, serving tests/fixtures/valid through a published
 * snapshot, exactly as main.c does. Each input is sent as raw bytes on a new
 * connection, followed by a sentinel request that closes it, and everything
 * the server answers is read until it closes the connection.
 *
 * Findings: a sanitizer report or crash anywhere in the server (its worker
 * threads run in this process), a connection the server neither answers nor
 * closes within HANG_SECONDS after the client's end of stream, any response
 * that is not HTTP/1.x, and any 500 status line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "snapshot.h"

#include "fuzz.h"

/* The server's idle timeout, and how long after it a silent connection is a hang. */
#define SERVER_TIMEOUT 2
#define HANG_SECONDS 8.0

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "fuzz_http: " __VA_ARGS__);                                                \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

static struct config cfg;
static struct http_server *server;
static unsigned port;

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *root = getenv("STRATA_ROOT");
    struct snapshot_options options = {.cache_max_bytes = (size_t)16 << 20,
                                       .cache_max_entries = 100000};
    struct snapshot *snap = NULL;
    struct model_error err;

    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    config_defaults(&cfg);
    cfg.port = 0;
    cfg.threads = 2;
    cfg.access_log = false;
    cfg.timeout = SERVER_TIMEOUT;
    cfg.max_connections = 64;
    snprintf(cfg.data, sizeof(cfg.data), "%s/tests/fixtures/valid", root && *root ? root : ".");
    snprintf(cfg.spec_dir, sizeof(cfg.spec_dir), "%s/api-spec", root && *root ? root : ".");
    memset(&err, 0, sizeof(err));
    if (snapshot_create(cfg.data, &options, 1, &snap, &err) != 0) {
        struct buf text;
        buf_init(&text, 0);
        model_error_format(&err, &text);
        fprintf(stderr,
                "fuzz_http: cannot load %s: %s (run from the repository root or set "
                "STRATA_ROOT)\n",
                cfg.data, buf_str(&text));
        exit(1);
    }
    snapshot_publish(snap);
    if (http_start(&cfg, &server, &port) != 0) {
        fprintf(stderr, "fuzz_http: cannot start the server\n");
        exit(1);
    }
    return 0;
}

/* Connect without blocking: libFuzzer's timer signals must not interrupt it (EINTR). */
static int connect_server(void)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1, err = 0;
    socklen_t err_len = sizeof(err);
    struct pollfd pfd;

    if (fd < 0)
        FAIL("socket: %s", strerror(errno));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 && errno != EINPROGRESS &&
        errno != EINTR)
        FAIL("connect to the in-process server: %s (did it die?)", strerror(errno));
    pfd.fd = fd;
    pfd.events = POLLOUT;
    while (poll(&pfd, 1, (int)(HANG_SECONDS * 1000)) < 0)
        if (errno != EINTR)
            FAIL("poll: %s", strerror(errno));
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0 ||
        !(pfd.revents & POLLOUT))
        FAIL("connect to the in-process server: %s (did it die?)",
             err ? strerror(err) : "no connection");
    return fd;
}

/*
 * After the input the client sends a sentinel request that closes the
 * connection, so that a well-formed input is answered at once instead of
 * waiting for the idle timeout. When the input leaves the server expecting
 * more (a body, say), the client half-closes after QUIET_MS of silence and
 * the server must then close within HANG_SECONDS.
 */
#define SENTINEL "GET /healthz HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n"
#define QUIET_MS 300

/*
 * Send data and read the answer until the server closes. Sending and
 * reading are interleaved so that a large input cannot deadlock against a
 * server that answers before it has read everything.
 */
static void exchange(const uint8_t *data, size_t size, struct buf *in)
{
    int fd = connect_server();
    struct buf out;
    size_t sent = 0;
    bool write_closed = false;
    double deadline = 0, quiet_since = now_seconds();

    buf_init(&out, 0);
    buf_add(&out, data, size);
    buf_puts(&out, SENTINEL);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        double now = now_seconds();
        int ready, wait_ms;

        if (!write_closed && sent == out.len && now - quiet_since >= QUIET_MS / 1000.0) {
            shutdown(fd, SHUT_WR);
            write_closed = true;
            deadline = now + HANG_SECONDS;
        }
        if (write_closed && now >= deadline)
            FAIL("hang: the server neither answered nor closed within %.0f s of the client's end "
                 "of stream (input of %zu bytes, %zu received)",
                 HANG_SECONDS, size, in->len);
        if (!write_closed && sent < out.len)
            pfd.events |= POLLOUT;
        wait_ms = write_closed ? (int)((deadline - now) * 1000) + 1 : 50;
        ready = poll(&pfd, 1, wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            FAIL("poll: %s", strerror(errno));
        if (ready == 0)
            continue;
        if (pfd.revents & POLLIN) {
            char chunk[16384];
            ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
            if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
                break;
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                FAIL("recv: %s", strerror(errno));
            if (n > 0) {
                buf_add(in, chunk, (size_t)n);
                quiet_since = now_seconds();
            }
            continue;
        }
        if (!write_closed && (pfd.revents & POLLOUT)) {
            ssize_t n = send(fd, out.data + sent, out.len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += (size_t)n;
                quiet_since = now_seconds();
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                sent = out.len; /* the server closed: read what it said */
            }
            continue;
        }
        if (pfd.revents & (POLLERR | POLLHUP))
            break;
    }
    buf_release(&out);
    close(fd);
}

/*
 * Every line that starts with "HTTP/" is a status line (bodies are JSON,
 * CSV or text whose reflected input is escaped, and headers never start
 * so): it must be HTTP/1.x with a 3-digit status that is not 500.
 */
static void check_answer(const struct buf *in)
{
    const char *s = buf_str(in);
    size_t len = in->len;

    if (len == 0)
        return; /* a closed connection is a valid answer to garbage */
    if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0)
        FAIL("the answer does not start with an HTTP/1.x status line: \"%.40s\"", s);
    for (size_t i = 0; i + 12 <= len; i++) {
        int status;
        if ((i > 0 && s[i - 1] != '\n') || memcmp(s + i, "HTTP/", 5) != 0)
            continue;
        if (memcmp(s + i, "HTTP/1.", 7) != 0 || (s[i + 7] != '0' && s[i + 7] != '1') ||
            s[i + 8] != ' ')
            FAIL("bad status line at byte %zu: \"%.40s\"", i, s + i);
        if (s[i + 9] < '1' || s[i + 9] > '5' || s[i + 10] < '0' || s[i + 10] > '9' ||
            s[i + 11] < '0' || s[i + 11] > '9')
            FAIL("bad status code at byte %zu: \"%.40s\"", i, s + i);
        status = (s[i + 9] - '0') * 100 + (s[i + 10] - '0') * 10 + (s[i + 11] - '0');
        if (status == 500)
            FAIL("500 answer at byte %zu:\n%.2000s", i, s + i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf in;

    if (size > 256 * 1024)
        return 0;
    buf_init(&in, 0);
    exchange(data, size, &in);
    check_answer(&in);
    buf_release(&in);
    return 0;
}
