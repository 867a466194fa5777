/*
 * latency.c - client-side latency of single requests, one at a time.
 *
 * wrk measures throughput under load, where a request's latency is mostly
 * queueing. The uncached path and the scale run need the cost of one request
 * on an idle server instead: this client sends GET requests for the given
 * targets in turn (cycling through them) over one keep-alive HTTP/1.1
 * connection, times each from the first byte written to the last byte of the
 * response read, and prints one JSON object: the count, p50, p90, p99, max
 * and mean in microseconds, and the mean response size. Any answer other
 * than 200 is an error (the status and the start of the body are printed),
 * so a benchmark never times error pages.
 *
 * --max-seconds S bounds the measured part: the client stops early (after at
 * least 10 requests) once S seconds have passed, and reports how many it made,
 * so that a slow query on a huge model cannot stall a benchmark.
 *
 * usage: latency [--host ADDR] --port N [--requests N] [--warmup N]
 *                [--max-seconds S] [--header "Name: value"]... TARGET...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 16
#define MAX_TARGETS 4096
#define REQUEST_MAX 8192
#define HEAD_MAX 65536

struct options {
    const char *host;
    long port;
    long requests;
    long warmup;
    long max_seconds; /* 0: no bound */
    const char *headers[MAX_HEADERS];
    size_t header_count;
    const char *targets[MAX_TARGETS];
    size_t target_count;
};

/* A growable receive buffer: data[start, len) is not consumed yet. */
struct inbuf {
    char *data;
    size_t len, start, cap;
};

static void usage(void)
{
    fputs("usage: latency [--host ADDR] --port N [--requests N] [--warmup N]\n"
          "               [--max-seconds S] [--header \"Name: value\"]... TARGET...\n",
          stderr);
}

static bool parse_long(const char *text, long minimum, long maximum, long *out)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < minimum || value > maximum)
        return false;
    *out = value;
    return true;
}

static bool parse_options(int argc, char **argv, struct options *o)
{
    o->host = "127.0.0.1";
    o->port = 0;
    o->requests = 300;
    o->warmup = 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--host") == 0 && v) {
            o->host = v;
        } else if (strcmp(a, "--port") == 0 && v) {
            if (!parse_long(v, 1, 65535, &o->port)) {
                fprintf(stderr, "latency: --port '%s': expected 1 to 65535\n", v);
                return false;
            }
        } else if (strcmp(a, "--requests") == 0 && v) {
            if (!parse_long(v, 1, 10000000, &o->requests)) {
                fprintf(stderr, "latency: --requests '%s': expected 1 to 10000000\n", v);
                return false;
            }
        } else if (strcmp(a, "--warmup") == 0 && v) {
            if (!parse_long(v, 0, 1000000, &o->warmup)) {
                fprintf(stderr, "latency: --warmup '%s': expected 0 to 1000000\n", v);
                return false;
            }
        } else if (strcmp(a, "--max-seconds") == 0 && v) {
            if (!parse_long(v, 0, 86400, &o->max_seconds)) {
                fprintf(stderr, "latency: --max-seconds '%s': expected 0 to 86400\n", v);
                return false;
            }
        } else if (strcmp(a, "--header") == 0 && v) {
            if (o->header_count == MAX_HEADERS || !strchr(v, ':')) {
                fprintf(stderr, "latency: --header '%s': expected Name: value (at most %d)\n", v,
                        MAX_HEADERS);
                return false;
            }
            o->headers[o->header_count++] = v;
        } else if (a[0] == '/' && o->target_count < MAX_TARGETS) {
            o->targets[o->target_count++] = a;
            continue;
        } else {
            fprintf(stderr, "latency: unexpected argument '%s'\n", a);
            usage();
            return false;
        }
        i++;
    }
    if (o->port == 0 || o->target_count == 0) {
        usage();
        return false;
    }
    return true;
}

static int connect_to(const struct options *o)
{
    struct sockaddr_in addr;
    int fd, one = 1;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)o->port);
    if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1) {
        fprintf(stderr, "latency: --host '%s' is not an IPv4 address\n", o->host);
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        fprintf(stderr, "latency: cannot connect to %s:%ld: %s\n", o->host, o->port,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static bool send_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Read more into in; false on EOF or error. */
static bool fill(int fd, struct inbuf *in)
{
    ssize_t n;

    if (in->start == in->len) {
        in->start = in->len = 0;
    } else if (in->start > 0 && in->cap - in->len < 4096) {
        memmove(in->data, in->data + in->start, in->len - in->start);
        in->len -= in->start;
        in->start = 0;
    }
    if (in->cap - in->len < 4096) {
        size_t cap = in->cap ? in->cap * 2 : 1 << 16;
        char *data = realloc(in->data, cap);
        if (!data)
            return false;
        in->data = data;
        in->cap = cap;
    }
    do
        n = recv(fd, in->data + in->len, in->cap - in->len, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    in->len += (size_t)n;
    return true;
}

/* The end of the line at in->start (pointing at its '\n'), reading as needed. */
static char *read_line(int fd, struct inbuf *in)
{
    for (;;) {
        char *nl = memchr(in->data + in->start, '\n', in->len - in->start);
        if (nl)
            return nl;
        if (in->len - in->start > HEAD_MAX || !fill(fd, in))
            return NULL;
    }
}

/* Consume count body bytes (reading as needed). */
static bool skip_bytes(int fd, struct inbuf *in, size_t count)
{
    while (count) {
        size_t have = in->len - in->start;
        if (have == 0) {
            if (!fill(fd, in))
                return false;
            continue;
        }
        if (have > count)
            have = count;
        in->start += have;
        count -= have;
    }
    return true;
}

/* A chunked body (RFC 9112 7.1): sizes, data, an empty trailer. */
static bool read_chunked(int fd, struct inbuf *in, size_t *body)
{
    for (;;) {
        char *nl = read_line(fd, in);
        char *end = NULL;
        unsigned long long size;
        if (!nl)
            return false;
        errno = 0;
        size = strtoull(in->data + in->start, &end, 16);
        if (errno || end == in->data + in->start)
            return false;
        in->start = (size_t)(nl - in->data) + 1;
        if (size == 0)
            break;
        if (!skip_bytes(fd, in, (size_t)size + 2))
            return false;
        *body += (size_t)size;
    }
    for (;;) { /* trailer fields, then the empty line */
        char *nl = read_line(fd, in);
        size_t line_len;
        if (!nl)
            return false;
        line_len = (size_t)(nl - (in->data + in->start));
        in->start = (size_t)(nl - in->data) + 1;
        if (line_len <= 1)
            return true;
    }
}

/* One response: status in *status, body size in *body. */
static bool read_response(int fd, struct inbuf *in, int *status, size_t *body, char *excerpt,
                          size_t excerpt_size)
{
    long long length = -1;
    bool chunked = false, first = true;

    for (;;) {
        char *nl = read_line(fd, in);
        char *line;
        size_t line_len;
        if (!nl)
            return false;
        line = in->data + in->start;
        line_len = (size_t)(nl - line);
        if (line_len && line[line_len - 1] == '\r')
            line_len--;
        in->start = (size_t)(nl - in->data) + 1;
        if (first) {
            long code = 0;
            char code_text[4] = {0};
            first = false;
            if (line_len < 12 || strncmp(line, "HTTP/1.", 7) != 0)
                return false;
            memcpy(code_text, line + 9, 3);
            if (!parse_long(code_text, 100, 599, &code))
                return false;
            *status = (int)code;
            continue;
        }
        if (line_len == 0)
            break;
        if (line_len > 15 && strncasecmp(line, "content-length:", 15) == 0) {
            char number[32];
            size_t n = line_len - 15;
            long value = 0;
            const char *p = line + 15;
            while (n && *p == ' ') {
                p++;
                n--;
            }
            if (n == 0 || n >= sizeof(number))
                return false;
            memcpy(number, p, n);
            number[n] = '\0';
            if (!parse_long(number, 0, 1L << 40, &value))
                return false;
            length = value;
        } else if (line_len > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0 &&
                   memmem(line, line_len, "chunked", 7)) {
            chunked = true;
        }
    }
    *body = 0;
    if (excerpt_size) { /* what the body starts with, for an error message */
        size_t n;
        if (in->len == in->start && (chunked || length > 0))
            fill(fd, in);
        n = in->len - in->start < excerpt_size - 1 ? in->len - in->start : excerpt_size - 1;
        memcpy(excerpt, in->data + in->start, n);
        excerpt[n] = '\0';
    }
    if (chunked)
        return read_chunked(fd, in, body);
    if (length < 0)
        return false; /* a keep-alive response must carry its length */
    *body = (size_t)length;
    return skip_bytes(fd, in, (size_t)length);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p (0-100) of sorted[count]. */
static double percentile(const double *sorted, size_t count, double p)
{
    size_t rank = (size_t)((p / 100.0) * (double)count + 0.999999);

    if (rank < 1)
        rank = 1;
    if (rank > count)
        rank = count;
    return sorted[rank - 1];
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Build the request for target into out; its length, or 0 when too long. */
static size_t build_request(const struct options *o, const char *target, char *out, size_t size)
{
    int n = snprintf(out, size, "GET %s HTTP/1.1\r\nHost: %s:%ld\r\nUser-Agent: strata-latency\r\n",
                     target, o->host, o->port);
    size_t len = n > 0 ? (size_t)n : size;

    for (size_t i = 0; i < o->header_count && len < size; i++) {
        n = snprintf(out + len, size - len, "%s\r\n", o->headers[i]);
        len += n > 0 ? (size_t)n : size;
    }
    if (len < size) {
        n = snprintf(out + len, size - len, "\r\n");
        len += n > 0 ? (size_t)n : size;
    }
    return len < size ? len : 0;
}

int main(int argc, char **argv)
{
    static struct options o;
    struct inbuf in = {NULL, 0, 0, 0};
    double *samples;
    double total_us = 0, measure_start = 0;
    long measured = 0;
    unsigned long long total_bytes = 0;
    long rounds;
    int fd, rc = 1;

    if (!parse_options(argc, argv, &o))
        return 2;
    samples = calloc((size_t)o.requests, sizeof(*samples));
    if (!samples)
        return 1;
    fd = connect_to(&o);
    if (fd < 0)
        goto out;
    rounds = o.warmup + o.requests;
    for (long i = 0; i < rounds; i++) {
        const char *target = o.targets[(size_t)i % o.target_count];
        char request[REQUEST_MAX], excerpt[200];
        size_t len = build_request(&o, target, request, sizeof(request)), body = 0;
        int status = 0;
        double start, elapsed;
        if (len == 0) {
            fprintf(stderr, "latency: request for %s is too long\n", target);
            goto out;
        }
        start = now_us();
        if (!send_all(fd, request, len) ||
            !read_response(fd, &in, &status, &body, excerpt, sizeof(excerpt))) {
            fprintf(stderr, "latency: %s: connection closed or malformed response\n", target);
            goto out;
        }
        elapsed = now_us() - start;
        if (status != 200) {
            fprintf(stderr, "latency: %s: status %d: %s\n", target, status, excerpt);
            goto out;
        }
        if (i == o.warmup)
            measure_start = start;
        if (i >= o.warmup) {
            samples[measured++] = elapsed;
            total_us += elapsed;
            total_bytes += body;
            if (o.max_seconds && measured >= 10 &&
                now_us() - measure_start > (double)o.max_seconds * 1e6)
                break;
        }
    }
    o.requests = measured;
    qsort(samples, (size_t)o.requests, sizeof(*samples), compare_double);
    printf("{\"requests\": %ld, \"targets\": %zu, \"p50_us\": %.1f, \"p90_us\": %.1f, "
           "\"p99_us\": %.1f, \"max_us\": %.1f, \"mean_us\": %.1f, \"mean_bytes\": %.0f}\n",
           o.requests, o.target_count, percentile(samples, (size_t)o.requests, 50),
           percentile(samples, (size_t)o.requests, 90),
           percentile(samples, (size_t)o.requests, 99), samples[o.requests - 1],
           total_us / (double)o.requests, (double)total_bytes / (double)o.requests);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(in.data);
    free(samples);
    return rc;
}
