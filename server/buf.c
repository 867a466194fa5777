/*
 * buf.c - a growable, NUL-terminated byte buffer with a size cap.
 *
 * Failure is sticky: once an append fails (cap reached or allocation
 * failed) every later append fails too until buf_reset() or buf_release(),
 * so a caller can issue a long sequence of appends and test `failed` (or the
 * last return value) once, and never ships content with a hole in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

void buf_init(struct buf *b, size_t max)
{
    if (b == NULL)
        return;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max == 0 ? BUF_DEFAULT_MAX : max;
    b->failed = 0;
}

void buf_release(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    if (b == NULL)
        return;
    b->len = 0;
    b->failed = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static int buf_fail(struct buf *b)
{
    b->failed = 1;
    return STRATA_ENOMEM;
}

/* Make room for extra more bytes plus the NUL; checks the cap. */
static int buf_grow(struct buf *b, size_t extra)
{
    size_t need;
    size_t new_alloc;
    char *grown;

    if (b->failed)
        return STRATA_ENOMEM;
    if (extra > b->max - b->len) {
        buf_fail(b);
        b->failed = BUF_OVER_CAP;
        return STRATA_ENOMEM;
    }
    need = b->len + extra + 1;
    if (need <= b->alloc)
        return STRATA_OK;
    new_alloc = b->alloc < 64 ? 64 : b->alloc;
    while (new_alloc < need)
        new_alloc = new_alloc > ((size_t)-1) / 2 ? need : new_alloc * 2;
    if (new_alloc > b->max + 1)
        new_alloc = b->max + 1;
    grown = realloc(b->data, new_alloc);
    if (grown == NULL)
        return buf_fail(b);
    if (b->data == NULL)
        grown[0] = '\0';
    b->data = grown;
    b->alloc = new_alloc;
    return STRATA_OK;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
    int rc;

    if (b == NULL || (data == NULL && len > 0))
        return STRATA_EINVAL;
    rc = buf_grow(b, len);
    if (rc != STRATA_OK)
        return rc;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return STRATA_OK;
}

int buf_puts(struct buf *b, const char *s)
{
    if (s == NULL)
        return STRATA_EINVAL;
    return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list again;
    int n;
    int rc;

    if (b == NULL || fmt == NULL)
        return STRATA_EINVAL;
    if (b->failed)
        return STRATA_ENOMEM;
    rc = buf_grow(b, 0);
    if (rc != STRATA_OK)
        return rc;
    va_copy(again, ap);
    n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
    if (n < 0) {
        va_end(again);
        b->data[b->len] = '\0';
        return STRATA_EINVAL;
    }
    if ((size_t)n >= b->alloc - b->len) {
        rc = buf_grow(b, (size_t)n);
        if (rc != STRATA_OK) {
            va_end(again);
            b->data[b->len] = '\0';
            return rc;
        }
        vsnprintf(b->data + b->len, b->alloc - b->len, fmt, again);
    }
    va_end(again);
    b->len += (size_t)n;
    return STRATA_OK;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), 0 when invalid. */
static size_t buf_utf8_length(const unsigned char *s, size_t avail)
{
    size_t n;
    unsigned long cp;
    size_t i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (n > avail)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int buf_json_escape(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    int rc = STRATA_OK;

    if (b == NULL || (s == NULL && len > 0))
        return STRATA_EINVAL;
    if (len == 0)
        return buf_add(b, "", 0);
    while (i < len && rc == STRATA_OK) {
        unsigned char c = p[i];
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t esc_len = 2;
        size_t seq;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            seq = buf_utf8_length(p + i, len - i);
            if (seq > 0) {
                i += seq;
                continue;
            }
        }
        rc = buf_add(b, p + run, i - run);
        if (rc != STRATA_OK)
            break;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            /* a control character, or a byte that is not valid UTF-8 (U+FFFD) */
            esc[1] = 'u';
            esc[2] = c < 0x80 ? '0' : 'f';
            esc[3] = c < 0x80 ? '0' : 'f';
            esc[4] = c < 0x80 ? hex[c >> 4] : 'f';
            esc[5] = c < 0x80 ? hex[c & 0xf] : 'd';
            esc_len = 6;
            break;
        }
        rc = buf_add(b, esc, esc_len);
        i++;
        run = i;
    }
    if (rc == STRATA_OK)
        rc = buf_add(b, p + run, i - run);
    return rc;
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *data;

    if (b == NULL)
        return NULL;
    data = b->data;
    if (data == NULL) {
        data = malloc(1);
        if (data == NULL)
            return NULL;
        data[0] = '\0';
    }
    if (len != NULL)
        *len = b->len;
    buf_init(b, b->max);
    return data;
}

const char *buf_str(const struct buf *b)
{
    if (b == NULL || b->data == NULL)
        return "";
    return b->data;
}
