/*
 * url.c - strict request-target decoding (see url.h for the rules).
 */
#include "url.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int url_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Is s[0..len) well-formed UTF-8 (no overlongs, no surrogates)? */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned long cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + n >= len)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

long url_decode(const char *src, size_t len, int plus_is_space, char *dst)
{
    size_t out = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return -1;
            hi = url_hex_value(src[i + 1]);
            lo = url_hex_value(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            return -1;
        dst[out++] = (char)c;
    }
    dst[out] = '\0';
    if (!utf8_valid((const unsigned char *)dst, out))
        return -1;
    return (long)out;
}

/* Count the non-empty pieces of a query string. */
static size_t count_pieces(const char *query)
{
    size_t count = 0;
    const char *p = query;

    while (*p) {
        size_t n = strcspn(p, "&");
        if (n > 0)
            count++;
        p += n;
        if (*p == '&')
            p++;
    }
    return count;
}

int url_parse(const char *target, size_t max_params, struct url *u, struct problem *problem)
{
    size_t len, path_len, pieces;
    const char *query, *p;
    char *dst;
    long n;

    memset(u, 0, sizeof(*u));
    if (!target || target[0] != '/') {
        problem_set(problem, PROBLEM_INVALID_ENCODING,
                    "the request target must be an absolute path starting with '/'");
        return STRATA_EPARSE;
    }
    len = strlen(target);
    query = strchr(target, '?');
    path_len = query ? (size_t)(query - target) : len;
    pieces = query ? count_pieces(query + 1) : 0;
    if (pieces > max_params) {
        problem_set(problem, PROBLEM_TOO_MANY_PARAMETERS,
                    "the query has %zu parameters; at most %zu are allowed", pieces, max_params);
        return STRATA_ELIMIT;
    }
    /* decoded strings never grow: one block of len + one NUL per piece suffices */
    u->storage = malloc(len + 2 * pieces + 2);
    u->params = calloc(pieces ? pieces : 1, sizeof(*u->params));
    if (!u->storage || !u->params) {
        url_release(u);
        problem_set(problem, PROBLEM_INTERNAL, "out of memory decoding the request target");
        return STRATA_ENOMEM;
    }
    dst = u->storage;
    n = url_decode(target, path_len, 0, dst);
    if (n < 0) {
        url_release(u);
        problem_set(problem, PROBLEM_INVALID_ENCODING,
                    "the path has invalid percent-encoding, a control character or invalid "
                    "UTF-8; expected RFC 3986 percent-encoded UTF-8");
        return STRATA_EPARSE;
    }
    u->path = dst;
    dst += n + 1;
    for (p = query ? query + 1 : ""; *p;) {
        size_t piece = strcspn(p, "&");
        size_t name_len = strcspn(p, "=&");
        struct param *param = &u->params[u->param_count];
        long vn;

        if (piece == 0) {
            p++;
            continue;
        }
        n = url_decode(p, name_len, 1, dst);
        if (n <= 0) {
            char shown[PROBLEM_TEXT_MAX];
            size_t show = piece < sizeof(shown) - 1 ? piece : sizeof(shown) - 1;
            memcpy(shown, p, show);
            shown[show] = '\0';
            url_release(u);
            problem_set(problem, PROBLEM_INVALID_ENCODING,
                        n == 0 ? "a query parameter has no name"
                               : "a query parameter name has invalid percent-encoding, a control "
                                 "character or invalid UTF-8");
            problem_add_error(problem, "", shown,
                              "expected name=value with RFC 3986 percent-encoded UTF-8");
            return STRATA_EPARSE;
        }
        param->name = dst;
        dst += n + 1;
        vn = name_len < piece ? url_decode(p + name_len + 1, piece - name_len - 1, 1, dst)
                              : url_decode("", 0, 1, dst);
        if (vn < 0) {
            char name[64];
            size_t show = (size_t)n < sizeof(name) - 1 ? (size_t)n : sizeof(name) - 1;
            memcpy(name, param->name, show);
            name[show] = '\0';
            url_release(u);
            problem_set(problem, PROBLEM_INVALID_ENCODING,
                        "the value of parameter '%s' has invalid percent-encoding, a control "
                        "character or invalid UTF-8",
                        name);
            problem_add_error(problem, name, "", "expected RFC 3986 percent-encoded UTF-8");
            return STRATA_EPARSE;
        }
        param->value = dst;
        dst += vn + 1;
        u->param_count++;
        p += piece;
        if (*p == '&')
            p++;
    }
    return STRATA_OK;
}

void url_release(struct url *u)
{
    if (!u)
        return;
    free(u->storage);
    free(u->params);
    memset(u, 0, sizeof(*u));
}

int url_encode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~,:", *p))
            buf_putc(out, (char)*p);
        else
            buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    return out->failed ? STRATA_ENOMEM : 0;
}

int url_encode_path(struct buf *out, const char *path)
{
    for (const char *p = path; *p; p++) {
        char one[2] = {*p, '\0'};
        if (*p == '/')
            buf_putc(out, '/');
        else
            url_encode(out, one);
    }
    return out->failed ? STRATA_ENOMEM : 0;
}
