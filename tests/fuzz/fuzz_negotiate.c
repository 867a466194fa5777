/*
 * fuzz_negotiate.c - libFuzzer target for the header-value parsers of
 * negotiate.h (Accept and ?format=, Accept-Encoding, If-None-Match, CORS
 * origins, request ids, the 406 description).
 *
 * The input is split on '\n' into the header values (a missing line is an
 * absent header); the first byte is the route's representation mask. Each
 * value is copied into a buffer of exactly its size, so ASan reports any
 * read past its NUL. Besides "no crash" the target checks the contracts:
 * the chosen representation is offered, a CORS answer is "*" or the origin,
 * an accepted request id is 1-128 safe characters, the description fits.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate.h"

#include "fuzz.h"

enum field { FORMAT, ACCEPT, ACCEPT_ENCODING, IF_NONE_MATCH, ETAG, ALLOWED, ORIGIN, ID, FIELDS };

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("._:/+=@-", c) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value[FIELDS] = {NULL};
    unsigned mask;
    const uint8_t *p, *end;
    enum representation chosen = REPR_COUNT;
    const char *cors;
    char *described;
    size_t describe_size;

    if (size < 2 || size > 16384)
        return 0;
    mask = data[0] & (REPR_BIT(REPR_COUNT) - 1u);
    describe_size = 1 + data[1];
    p = data + 2;
    end = data + size;
    for (int f = 0; f < FIELDS && p <= end; f++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* an empty line means "header absent" (NULL), except for the etag */
        if (n > 0 || f == ETAG) {
            value[f] = malloc(n + 1);
            CHECK(value[f] != NULL);
            memcpy(value[f], p, n);
            value[f][n] = '\0';
        }
        if (!nl)
            break;
        p = nl + 1;
    }

    if (negotiate_format(value[FORMAT], value[ACCEPT], mask, &chosen)) {
        CHECK(chosen < REPR_COUNT);
        CHECK(mask & REPR_BIT(chosen));
    }
    if (mask == 0)
        CHECK(!negotiate_format(value[FORMAT], value[ACCEPT], mask, &chosen));

    (void)negotiate_gzip(value[ACCEPT_ENCODING]);
    if (value[IF_NONE_MATCH] && value[ETAG] && strcmp(value[IF_NONE_MATCH], "*") == 0)
        CHECK(negotiate_etag_match(value[IF_NONE_MATCH], value[ETAG]));
    if (value[ETAG] && value[ETAG][0] == '"' && !strpbrk(value[ETAG], " \t,") &&
        value[IF_NONE_MATCH] == NULL)
        CHECK(negotiate_etag_match(value[ETAG], value[ETAG]));

    cors = negotiate_cors_origin(value[ALLOWED], value[ORIGIN]);
    if (cors) {
        CHECK(strcmp(cors, "*") == 0 || cors == value[ORIGIN]);
        if (cors == value[ORIGIN])
            CHECK(strstr(value[ALLOWED], value[ORIGIN]) != NULL);
    }

    if (negotiate_request_id_valid(value[ID])) {
        size_t n = strlen(value[ID]);
        CHECK(n >= 1 && n <= 128);
        for (size_t i = 0; i < n; i++)
            CHECK(id_char(value[ID][i]));
    }

    described = malloc(describe_size);
    CHECK(described != NULL);
    negotiate_describe(mask, described, describe_size);
    CHECK(memchr(described, '\0', describe_size) != NULL);
    free(described);

    for (int f = 0; f < FIELDS; f++)
        free(value[f]);
    return 0;
}
