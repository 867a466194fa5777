/*
 * client.c - start the real daemon and talk HTTP to it (see client.h).
 */
#include "client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>

const char *client_root(void)
{
    const char *root = getenv("STRATA_ROOT");
    return root && *root ? root : ".";
}

double client_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_port(const char *path, unsigned *port)
{
    FILE *f = fopen(path, "r");
    int ok;

    if (!f)
        return -1;
    ok = fscanf(f, "%u", port) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

int client_start(struct daemon_proc *d, const char *const args[])
{
    const char *bin = getenv("STRATA_BIN");
    char port_file[600], data[600], bin_default[600], cache_dir[600];
    const char *argv[64];
    size_t argc = 0;
    bool has_data = false, has_cache_dir = false;
    double deadline;

    memset(d, 0, sizeof(*d));
    snprintf(d->dir, sizeof(d->dir), "/tmp/strata-test-XXXXXX");
    if (!mkdtemp(d->dir))
        return -1;
    snprintf(port_file, sizeof(port_file), "%s/port", d->dir);
    snprintf(d->log_path, sizeof(d->log_path), "%s/stderr.log", d->dir);
    snprintf(data, sizeof(data), "%s/data", client_root());
    snprintf(bin_default, sizeof(bin_default), "%s/build/strata", client_root());
    argv[argc++] = bin && *bin ? bin : bin_default;
    argv[argc++] = "--port";
    argv[argc++] = "0";
    argv[argc++] = "--port-file";
    argv[argc++] = port_file;
    for (size_t i = 0; args && args[i] && argc < 60; i++) {
        if (strcmp(args[i], "--data") == 0)
            has_data = true;
        if (strcmp(args[i], "--cache-dir") == 0)
            has_cache_dir = true;
        argv[argc++] = args[i];
    }
    if (!has_data) {
        argv[argc++] = "--data";
        argv[argc++] = data;
    }
    /* the compile cache in the daemon's own folder, never the user's (~/.cache) */
    if (!has_cache_dir) {
        snprintf(cache_dir, sizeof(cache_dir), "%s/cache", d->dir);
        argv[argc++] = "--cache-dir";
        argv[argc++] = cache_dir;
    }
    argv[argc] = NULL;
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        int fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execv(argv[0], (char *const *)(void *)argv);
        _exit(127);
    }
    deadline = client_now() + 30;
    while (client_now() < deadline) {
        int status;
        if (read_port(port_file, &d->port) == 0 && d->port > 0)
            return 0;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            return -1;
        }
        usleep(10000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = 0;
    return -1;
}

int client_start_data(struct daemon_proc *d, const char *relative)
{
    char data[700];
    const char *args[] = {"--data", data, NULL};

    snprintf(data, sizeof(data), "%s/%s", client_root(), relative);
    return client_start(d, args);
}

/* The daemon's compile cache (its compiled models) once it has exited. */
static void remove_cache(const struct daemon_proc *d)
{
    char path[1200];
    struct dirent *e;
    DIR *dir;

    snprintf(path, sizeof(path), "%s/cache", d->dir);
    dir = opendir(path);
    while (dir && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/cache/%s", d->dir, e->d_name);
        unlink(path);
    }
    if (dir)
        closedir(dir);
    snprintf(path, sizeof(path), "%s/cache", d->dir);
    rmdir(path);
}

int client_stop(struct daemon_proc *d, int sig, double seconds)
{
    double deadline = client_now() + seconds;
    int status;

    if (d->pid <= 0)
        return -1;
    kill(d->pid, sig);
    while (client_now() < deadline) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            remove_cache(d);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(5000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = 0;
    remove_cache(d);
    return -1;
}

char *client_log(const struct daemon_proc *d)
{
    FILE *f = fopen(d->log_path, "r");
    struct buf b;
    char chunk[4096];
    size_t n;

    buf_init(&b, 0);
    while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    if (f)
        fclose(f);
    return buf_detach(&b, NULL);
}

bool client_log_has(const struct daemon_proc *d, const char *text, double seconds)
{
    double deadline = client_now() + seconds;

    do {
        char *log = client_log(d);
        bool found = log && strstr(log, text);
        free(log);
        if (found)
            return true;
        usleep(20000);
    } while (client_now() < deadline);
    return false;
}

size_t client_on_body(char *data, size_t size, size_t count, void *user)
{
    struct buf *b = user;
    return buf_add(b, data, size * count) == 0 ? size * count : 0;
}

size_t client_on_header(char *data, size_t size, size_t count, void *user)
{
    struct buf *b = user;
    /* a new status line starts a new (final) header block */
    if (size * count > 5 && strncmp(data, "HTTP/", 5) == 0)
        buf_reset(b);
    return buf_add(b, data, size * count) == 0 ? size * count : 0;
}

int client_request(const struct daemon_proc *d, const char *method, const char *target,
                   const char *const headers[], struct reply *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *list = NULL;
    char url[70000];
    CURLcode rc;

    buf_init(&r->headers, 0);
    buf_init(&r->body, 0);
    r->status = 0;
    if (!curl)
        return -1;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", d->port, target);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, client_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, client_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r->headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    for (size_t i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    /* curl sends its default Accept header unless a test sets one */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

int client_get(const struct daemon_proc *d, const char *target, struct reply *r)
{
    return client_request(d, "GET", target, NULL, r);
}

const char *reply_header(const struct reply *r, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    const char *p = buf_str(&r->headers);

    while (*p) {
        const char *eol = strstr(p, "\r\n");
        size_t line_len = eol ? (size_t)(eol - p) : strlen(p);
        if (line_len > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1;
            size_t n;
            while (*v == ' ')
                v++;
            n = line_len - (size_t)(v - p);
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p += line_len;
        if (*p)
            p += 2;
    }
    return NULL;
}

const char *reply_header_str(const struct reply *r, const char *name)
{
    static char value[8192];
    return reply_header(r, name, value, sizeof(value));
}

cJSON *client_get_json(const struct daemon_proc *d, const char *target, long status)
{
    struct reply r;
    cJSON *doc;
    assert_int_equal(client_get(d, target, &r), 0);
    if (r.status != status)
        fail_msg("GET %s: %ld, expected %ld: %s", target, r.status, status, buf_str(&r.body));
    doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
    assert_non_null(doc);
    reply_release(&r);
    return doc;
}

cJSON *client_get_problem(const struct daemon_proc *d, const char *target, long status,
                          const char *code, const char *parameter)
{
    struct reply r;
    cJSON *doc, *error;

    assert_int_equal(client_get(d, target, &r), 0);
    if (r.status != status)
        fail_msg("GET %s: %ld, expected %ld: %s", target, r.status, status, buf_str(&r.body));
    assert_string_equal(reply_header_str(&r, "Content-Type"),
                        "application/problem+json; charset=utf-8");
    doc = cJSON_ParseWithLength(buf_str(&r.body), r.body.len);
    reply_release(&r);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "code")->valuestring, code);
    if (parameter) {
        error = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
        if (!error)
            fail_msg("GET %s: no errors[], expected one naming '%s'", target, parameter);
        assert_string_equal(cJSON_GetObjectItem(error, "parameter")->valuestring, parameter);
        assert_true(strlen(cJSON_GetObjectItem(error, "reason")->valuestring) > 0);
    }
    return doc;
}

void client_expect_problem(const struct daemon_proc *d, const char *target, long status,
                           const char *code, const char *parameter)
{
    cJSON_Delete(client_get_problem(d, target, status, code, parameter));
}

cJSON *client_expect_reason(const struct daemon_proc *d, const char *target, const char *code,
                            const char *text)
{
    cJSON *doc = client_get_problem(d, target, 400, code, NULL);
    cJSON *error = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
    const char *reason = error ? cJSON_GetObjectItem(error, "reason")->valuestring : "";

    if (!strstr(reason, text))
        fail_msg("GET %s: reason '%s' lacks '%s'", target, reason, text);
    return doc;
}

const char *client_ids(const cJSON *data)
{
    static char out[8192];
    const cJSON *r;
    size_t len = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(r, data) len +=
        (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "," : "",
                         cJSON_GetObjectItem(r, "id")->valuestring);
    return out;
}

double client_time_scale(void)
{
    const char *env = getenv("STRATA_TIME_SCALE");
    double v = env ? strtod(env, NULL) : 1;
    return v >= 1 ? v : 1;
}

void reply_release(struct reply *r)
{
    buf_release(&r->headers);
    buf_release(&r->body);
}

int client_raw(const struct daemon_proc *d, const char *bytes, size_t len, double timeout,
               struct buf *out)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    double deadline = client_now() + timeout;
    size_t sent = 0;

    if (fd < 0)
        return -1;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)d->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    while (sent < len) {
        ssize_t n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char chunk[4096];
        ssize_t n;
        double left = deadline - client_now();
        if (left <= 0 || poll(&pfd, 1, (int)(left * 1000)) <= 0)
            break;
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0)
            break;
        buf_add(out, chunk, (size_t)n);
    }
    close(fd);
    return 0;
}

int client_shell(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int status;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
