/*
 * fuzz_canon.c - libFuzzer target for the canonical request (canon.c), the
 * response cache's key.
 *
 * The input is a request target. Besides "no crash, no sanitizer report" it
 * checks the canonicaliser's promises: the key names the representation;
 * the canonical form is a fixed point (the canonical target, parsed and
 * canonicalised again, gives the same key); and sending the parameters in
 * another order that keeps the order of each name's values gives the same
 * key.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "router.h"
#include "url.h"

#include "fuzz.h"

#define MAX_PARAMS 64

static const struct canon_rules *rules_of(const char *path)
{
    char id_buf[256];
    const char *id;
    const struct route *route = router_match(path, id_buf, sizeof(id_buf), &id);

    return canon_rules_for(route ? route->pattern : NULL);
}

/* The parameters grouped by name (the first occurrence's place), each name's order kept. */
static void group_by_name(const struct param *in, size_t n, struct param *out)
{
    size_t k = 0;
    bool *taken = calloc(n ? n : 1, sizeof(*taken));

    CHECK(taken != NULL);
    for (size_t i = n; i-- > 0;) { /* names in reverse order of first appearance */
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(in[j].name, in[i].name) == 0)
                first = false;
        if (!first)
            continue;
        for (size_t j = i; j < n; j++)
            if (!taken[j] && strcmp(in[j].name, in[i].name) == 0) {
                out[k++] = in[j];
                taken[j] = true;
            }
    }
    CHECK(k == n);
    free(taken);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *target;
    struct url u, again;
    struct problem p;
    struct canon c, c2, c3;
    struct param *grouped;
    enum representation format;
    bool pretty;

    if (size < 2 || size > 8192)
        return 0;
    /* the first byte picks the representation and pretty */
    format = (enum representation)((data[0] & 7u) % REPR_COUNT);
    pretty = (data[0] & 8u) != 0;
    target = malloc(size);
    CHECK(target != NULL);
    memcpy(target, data + 1, size - 1);
    target[size - 1] = '\0';
    if (strlen(target) != size - 1 || url_parse(target, MAX_PARAMS, &u, &p) != 0) {
        free(target);
        return 0;
    }
    CHECK(canon_build(&c, rules_of(u.path), u.path, u.params, u.param_count, format, REPR_JSON,
                      pretty) == 0);
    CHECK(strncmp(c.key, representation_name(format), strlen(representation_name(format))) == 0);
    CHECK(c.target > c.key && c.target[0] == '/');
    CHECK(c.param_count <= u.param_count);

    /* a fixed point */
    CHECK(url_parse(c.target, MAX_PARAMS, &again, &p) == 0);
    CHECK(strcmp(again.path, u.path) == 0);
    CHECK(canon_build(&c2, rules_of(again.path), again.path, again.params, again.param_count,
                      format, REPR_JSON, pretty) == 0);
    if (strcmp(c.key, c2.key) != 0) {
        fprintf(stderr, "fuzz_canon: not a fixed point:\n  %s\n  %s\n", c.key, c2.key);
        abort();
    }

    /* the order of different names does not matter */
    grouped = malloc((u.param_count + 1) * sizeof(*grouped));
    CHECK(grouped != NULL);
    group_by_name(u.params, u.param_count, grouped);
    CHECK(canon_build(&c3, rules_of(u.path), u.path, grouped, u.param_count, format, REPR_JSON,
                      pretty) == 0);
    CHECK(strcmp(c.key, c3.key) == 0);

    free(grouped);
    canon_release(&c3);
    canon_release(&c2);
    canon_release(&c);
    url_release(&again);
    url_release(&u);
    free(target);
    return 0;
}
