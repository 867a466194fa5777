/*
 * negotiate.c - header-value parsing for content negotiation, gzip,
 * conditional requests, CORS and request ids (RFC 9110 sections 12 and 13).
 */
#include "negotiate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The MIME types that select each representation in Accept. */
static const char *const media_types[REPR_COUNT] = {
    [REPR_JSON] = "application/json",
    [REPR_CSV] = "text/csv",
    [REPR_NDJSON] = "application/x-ndjson",
    [REPR_GEOJSON] = "application/geo+json",
    [REPR_YAML] = "application/yaml",
    [REPR_HTML] = "text/html",
    [REPR_TEXT] = "text/plain",
};

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Length of the token at p, ended by one of stop, space or the end. */
static size_t token_length(const char *p, const char *stop)
{
    size_t n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\t' && !strchr(stop, p[n]))
        n++;
    return n;
}

/*
 * Parse the parameters after a list element up to the next ',' and return
 * its q value (1.0 when absent; -1 for a malformed q). *next receives the
 * position after the element.
 */
static double element_quality(const char *p, const char **next)
{
    double q = 1.0;

    while (*p && *p != ',') {
        if (*p == ';') {
            p = skip_space(p + 1);
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                char *end;
                q = strtod(p + 2, &end);
                if (end == p + 2 || q < 0 || q > 1)
                    q = -1;
                p = end;
                continue;
            }
            /* p may now be at ',' or the end: look at it again, never step past it */
            continue;
        }
        p++;
    }
    *next = *p == ',' ? p + 1 : p;
    return q;
}

/* The q the Accept header gives media type `type`: most specific range wins. */
static double accept_quality(const char *accept, const char *type)
{
    const char *slash = strchr(type, '/');
    size_t major = (size_t)(slash - type);
    double best = -1;
    int best_specificity = -1;

    for (const char *p = accept; *p;) {
        const char *range, *next;
        size_t n;
        double q;
        int specificity = -1;

        p = skip_space(p);
        range = p;
        n = token_length(p, ",;");
        q = element_quality(p + n, &next);
        if (n == 3 && strncmp(range, "*/*", 3) == 0)
            specificity = 0;
        else if (n == major + 2 && strncasecmp(range, type, major + 1) == 0 && range[n - 1] == '*')
            specificity = 1;
        else if (n == strlen(type) && strncasecmp(range, type, n) == 0)
            specificity = 2;
        if (specificity > best_specificity) {
            best_specificity = specificity;
            best = q;
        }
        p = next;
    }
    return best;
}

bool negotiate_format(const char *format, const char *accept, unsigned mask,
                      enum representation *out)
{
    double best_q = 0;
    int best = -1;

    if (format) {
        for (int r = 0; r < REPR_COUNT; r++)
            if ((mask & REPR_BIT(r)) &&
                strcmp(format, representation_name((enum representation)r)) == 0) {
                *out = (enum representation)r;
                return true;
            }
        return false;
    }
    for (int r = 0; r < REPR_COUNT; r++) {
        double q;
        if (!(mask & REPR_BIT(r)))
            continue;
        if (!accept || !*skip_space(accept)) {
            *out = (enum representation)r;
            return true;
        }
        q = accept_quality(accept, media_types[r]);
        if (q > best_q) {
            best_q = q;
            best = r;
        }
    }
    if (best < 0)
        return false;
    *out = (enum representation)best;
    return true;
}

bool negotiate_gzip(const char *accept_encoding)
{
    double gzip = -1, star = -1, identity = -1;

    if (!accept_encoding)
        return false;
    for (const char *p = accept_encoding; *p;) {
        const char *coding, *next;
        size_t n;
        double q;

        p = skip_space(p);
        coding = p;
        n = token_length(p, ",;");
        q = element_quality(p + n, &next);
        if ((n == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
            (n == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
            gzip = q;
        else if (n == 1 && coding[0] == '*')
            star = q;
        else if (n == 8 && strncasecmp(coding, "identity", 8) == 0)
            identity = q;
        p = next;
    }
    if (gzip < 0)
        gzip = star;
    /* gzip unless the client prefers identity by q-value (a tie goes to gzip) */
    return gzip > 0 && gzip >= identity;
}

bool negotiate_etag_match(const char *if_none_match, const char *etag)
{
    size_t etag_len;

    if (!if_none_match || !etag)
        return false;
    etag_len = strlen(etag);
    for (const char *p = if_none_match; *p;) {
        size_t n;
        p = skip_space(p);
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        n = token_length(p, ",");
        if (n == etag_len && strncmp(p, etag, n) == 0)
            return true;
        p += n;
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
    }
    return false;
}

const char *negotiate_cors_origin(const char *allowed, const char *origin)
{
    size_t origin_len;

    if (!allowed || !*allowed)
        return NULL;
    if (strcmp(allowed, "*") == 0)
        return "*";
    if (!origin)
        return NULL;
    origin_len = strlen(origin);
    for (const char *p = allowed; *p;) {
        size_t n;
        p = skip_space(p);
        n = token_length(p, ",");
        if (n == origin_len && n > 0 && strncmp(p, origin, n) == 0)
            return origin;
        p += n;
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
    }
    return NULL;
}

bool negotiate_request_id_valid(const char *id)
{
    size_t n = 0;

    if (!id)
        return false;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= 128 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || strchr("._:/+=@-", c)))
            return false;
    }
    return n > 0;
}

void negotiate_describe(unsigned mask, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (int r = 0; r < REPR_COUNT && used < size; r++)
        if (mask & REPR_BIT(r))
            used += (size_t)snprintf(out + used, size - used, "%s%s (format=%s)", used ? ", " : "",
                                     media_types[r], representation_name((enum representation)r));
}
