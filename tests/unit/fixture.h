/*
 * fixture.h - what several unit tests share to reach the repository's files:
 * paths under STRATA_ROOT, whole files read into memory, the valid fixture
 * loaded into a model and a store. Header-only (static inline) because the
 * Makefile builds each tests/unit/test_X.c alone against libstrata.a.
 * Include it after <cmocka.h> (fixture_read fails the running test).
 */
#ifndef STRATA_TEST_FIXTURE_H
#define STRATA_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "model.h"
#include "store.h"

/*
 * $STRATA_ROOT (set by the Makefile; "." when unset or empty), "/", relative
 * into out (size bytes, cut when too long).
 */
static inline void fixture_path(char *out, size_t size, const char *relative)
{
    const char *root = getenv("STRATA_ROOT");

    snprintf(out, size, "%s/%s", root != NULL && root[0] != '\0' ? root : ".", relative);
}

/*
 * The whole file at relative (see fixture_path), NUL-terminated, its length
 * in *len (caller frees). Fails the running test when it cannot be read.
 */
static inline char *fixture_read(const char *relative, size_t *len)
{
    char path[1024];
    FILE *file;
    char *data;
    long size;

    fixture_path(path, sizeof(path), relative);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s (set STRATA_ROOT to the repository)", path);
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    fseek(file, 0, SEEK_SET);
    data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    data[size] = '\0';
    fclose(file);
    *len = (size_t)size;
    return data;
}

/*
 * Load tests/fixtures/valid into *model and open a store on it into *store
 * (caller frees both with store_free and model_free). Returns 0, or -1 after
 * printing the load error on stderr.
 */
static inline int fixture_open_valid(struct model **model, struct store **store)
{
    struct model_error err;
    char path[1024];

    fixture_path(path, sizeof(path), "tests/fixtures/valid");
    if (model_load(path, model, &err) != 0) {
        fprintf(stderr, "%s: %s: %s\n", err.file, err.path, err.message);
        return -1;
    }
    return store_open(*model, store, &err) == 0 ? 0 : -1;
}

#endif
