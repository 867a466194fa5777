/*
 * fuzz_url.c - libFuzzer target for the strict request-target decoder
 * (url_decode, url_parse).
 *
 * Besides "no crash, no sanitizer report" it checks the decoder's promises:
 * a decoded string never grows, never holds a control character, is valid
 * UTF-8, and percent-encoding it again decodes to the same bytes; url_parse
 * never returns more parameters than allowed, never an empty name, and
 * fails with a problem code set.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

#include "fuzz.h"

/* Independent UTF-8 check (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t extra;
        unsigned long cp, min;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            extra = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

/* Properties of one successful decode of len input bytes into out[0..n). */
static void check_decoded(const char *out, long n, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *encoded, *again;
    size_t e = 0;
    long m;

    CHECK(n >= 0 && (size_t)n <= len);
    CHECK(out[n] == '\0');
    for (long i = 0; i < n; i++)
        CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
    CHECK(utf8_ok((const unsigned char *)out, (size_t)n));
    /* round trip: %XX every byte, decode again, same bytes */
    encoded = malloc((size_t)n * 3 + 1);
    again = malloc((size_t)n * 3 + 1);
    CHECK(encoded && again);
    for (long i = 0; i < n; i++) {
        encoded[e++] = '%';
        encoded[e++] = hex[(unsigned char)out[i] >> 4];
        encoded[e++] = hex[(unsigned char)out[i] & 15];
    }
    m = url_decode(encoded, e, 0, again);
    CHECK(m == n);
    CHECK(memcmp(again, out, (size_t)n) == 0);
    free(encoded);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct url u, u2;
    struct problem p, p2;
    size_t max_params;
    char *target, *out;
    long n;
    int rc;

    if (size == 0 || size > 65536)
        return 0;
    /* the first byte picks the parameter cap (0-63, like --max-params); the rest is the input */
    max_params = data[0] & 63u;
    data++;
    size--;

    /* url_decode sees exactly len bytes (no NUL): ASan catches any read past them */
    out = malloc(size + 1);
    CHECK(out != NULL);
    for (int plus = 0; plus <= 1; plus++) {
        char *exact = malloc(size ? size : 1);
        CHECK(exact != NULL);
        memcpy(exact, data, size);
        n = url_decode(exact, size, plus, out);
        if (n >= 0) {
            check_decoded(out, n, size);
            if (plus)
                CHECK(memchr(out, '+', (size_t)n) == NULL || memchr(exact, '%', size) != NULL);
        }
        free(exact);
    }
    free(out);

    /* url_parse takes a C string: the target ends at the first NUL, like on the wire */
    target = malloc(size + 1);
    CHECK(target != NULL);
    memcpy(target, data, size);
    target[size] = '\0';
    memset(&p, 0, sizeof(p));
    rc = url_parse(target, max_params, &u, &p);
    if (rc == 0) {
        CHECK(u.path != NULL && u.path[0] == '/');
        CHECK(u.param_count <= max_params);
        CHECK(u.params != NULL);
        check_decoded(u.path, (long)strlen(u.path), strlen(target));
        for (size_t i = 0; i < u.param_count; i++) {
            CHECK(u.params[i].name && u.params[i].name[0] != '\0');
            CHECK(u.params[i].value != NULL);
            check_decoded(u.params[i].name, (long)strlen(u.params[i].name), strlen(target));
            check_decoded(u.params[i].value, (long)strlen(u.params[i].value), strlen(target));
        }
        /* deterministic: a second parse gives the same result */
        memset(&p2, 0, sizeof(p2));
        CHECK(url_parse(target, max_params, &u2, &p2) == 0);
        CHECK(u2.param_count == u.param_count && strcmp(u2.path, u.path) == 0);
        for (size_t i = 0; i < u.param_count; i++)
            CHECK(strcmp(u.params[i].name, u2.params[i].name) == 0 &&
                  strcmp(u.params[i].value, u2.params[i].value) == 0);
        url_release(&u2);
    } else {
        CHECK(p.code != PROBLEM_NONE);
        CHECK(p.detail[0] != '\0');
        CHECK(u.path == NULL && u.params == NULL && u.storage == NULL && u.param_count == 0);
        for (size_t i = 0; i < p.error_count; i++)
            CHECK(memchr(p.errors[i].value, '\0', sizeof(p.errors[i].value)) != NULL);
    }
    url_release(&u);
    url_release(&u); /* releasing twice is allowed by the contract */
    free(target);
    return 0;
}
