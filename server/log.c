/*
 * log.c - service messages and access log lines on stderr, text or JSON.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static enum log_format current_format = LOG_TEXT;

static const char *const level_names[] = {"info", "warn", "error"};

void log_set_format(enum log_format format)
{
    current_format = format;
}

static void timestamp(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

static void emit(struct buf *line)
{
    const char *p = buf_str(line);
    size_t left = line->len;

    while (left > 0) {
        ssize_t n = write(STDERR_FILENO, p, left);
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
}

/* Append a string for a text log line: control characters and quotes escaped. */
static void put_text(struct buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : "-"); *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
            buf_printf(b, "\\x%02x", *p);
        else
            buf_putc(b, (char)*p);
    }
}

static void put_json(struct buf *b, const char *name, const char *s, int comma)
{
    buf_printf(b, "%s\"%s\":\"", comma ? "," : "", name);
    if (s)
        buf_json_escape(b, s, strlen(s));
    buf_putc(b, '"');
}

void log_message(enum log_level level, const char *fmt, ...)
{
    char when[96], text[2048];
    struct buf line;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    timestamp(when, sizeof(when));
    buf_init(&line, 8192);
    if (current_format == LOG_JSON) {
        buf_putc(&line, '{');
        put_json(&line, "time", when, 0);
        put_json(&line, "level", level_names[level], 1);
        put_json(&line, "message", text, 1);
        buf_puts(&line, "}\n");
    } else {
        buf_printf(&line, "%s %s: %s\n", when, level_names[level], text);
    }
    emit(&line);
    buf_release(&line);
}

void log_access(const struct access_record *r)
{
    char when[96];
    struct buf line;

    timestamp(when, sizeof(when));
    buf_init(&line, 16384);
    if (current_format == LOG_JSON) {
        buf_putc(&line, '{');
        put_json(&line, "time", when, 0);
        put_json(&line, "level", "info", 1);
        put_json(&line, "client", r->client, 1);
        put_json(&line, "method", r->method, 1);
        put_json(&line, "target", r->target, 1);
        put_json(&line, "version", r->version, 1);
        buf_printf(&line, ",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%.3f", r->status, r->bytes,
                   r->seconds * 1000.0);
        put_json(&line, "request_id", r->request_id, 1);
        put_json(&line, "cache", r->cache, 1);
        put_json(&line, "user_agent", r->user_agent, 1);
        buf_puts(&line, "}\n");
    } else {
        buf_printf(&line, "%s %s \"", when, r->client ? r->client : "-");
        put_text(&line, r->method);
        buf_putc(&line, ' ');
        put_text(&line, r->target);
        buf_putc(&line, ' ');
        put_text(&line, r->version);
        buf_printf(&line, "\" %d %zu %.3fms id=", r->status, r->bytes, r->seconds * 1000.0);
        put_text(&line, r->request_id);
        buf_printf(&line, " cache=%s \"", r->cache ? r->cache : "-");
        put_text(&line, r->user_agent);
        buf_puts(&line, "\"\n");
    }
    emit(&line);
    buf_release(&line);
}
