/*
 * fuzz_model.c - libFuzzer target for the model loader: JSON parsing, the
 * JSON Schema validation, the semantic checks (ids, references, quotes,
 * offsets, dates) and, for a model that passes, the SQLite store built
 * from it (snapshot_create's path).
 *
 * The input is model.json; when it contains the line "----8<----" the part
 * after it is article.txt, otherwise the article of tests/fixtures/valid is
 * used (so that mutations of the valid fixture reach the offset and quote
 * checks). Both are written to a scratch directory in /dev/shm and loaded
 * with model_load() exactly as the daemon loads --data.
 *
 * Checks: a refused model names the file at fault and says what is wrong; an
 * accepted one has a 16-hex-digit version, paragraphs inside the article and
 * a consistent code-point index, and its store opens and frees cleanly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "model.h"
#include "store.h"

#include "fuzz.h"

#define SEPARATOR "\n----8<----\n"

static char scratch[64];
static char model_path[128], article_path[128];
static char *fixture_article;
static size_t fixture_article_len;

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[4096];
    size_t n;

    if (!f)
        return NULL;
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return buf_detach(&b, len);
}

static void write_whole(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    CHECK(f != NULL);
    CHECK(len == 0 || fwrite(data, 1, len, f) == len);
    CHECK(fclose(f) == 0);
}

static void remove_scratch(void)
{
    unlink(model_path);
    unlink(article_path);
    rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *root = getenv("STRATA_ROOT");
    char path[1024];

    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "%s/tests/fixtures/valid/article.txt", root && *root ? root : ".");
    fixture_article = read_whole(path, &fixture_article_len);
    if (!fixture_article) {
        fprintf(stderr,
                "fuzz_model: cannot read %s: %s (run from the repository root or set "
                "STRATA_ROOT)\n",
                path, strerror(errno));
        exit(1);
    }
    snprintf(scratch, sizeof(scratch), "/dev/shm/strata-fuzz-model-XXXXXX");
    if (!mkdtemp(scratch)) {
        snprintf(scratch, sizeof(scratch), "/tmp/strata-fuzz-model-XXXXXX");
        CHECK(mkdtemp(scratch) != NULL);
    }
    snprintf(model_path, sizeof(model_path), "%s/model.json", scratch);
    snprintf(article_path, sizeof(article_path), "%s/article.txt", scratch);
    atexit(remove_scratch);
    return 0;
}

static void check_loaded(const struct model *m)
{
    struct store *store = NULL;
    struct model_error err;

    CHECK(strlen(m->version) == 16 && strspn(m->version, "0123456789abcdef") == 16);
    CHECK(m->root != NULL && m->article != NULL);
    CHECK(m->article_chars <= m->article_bytes);
    CHECK(m->article[m->article_bytes] == '\0');
    CHECK(model_byte_offset(m, 0) == 0);
    CHECK(model_byte_offset(m, m->article_chars) == m->article_bytes);
    CHECK(model_byte_offset(m, m->article_chars + 1) == (size_t)-1);
    for (size_t i = 0; i < m->paragraph_count; i++) {
        CHECK(m->paragraphs[i].start <= m->paragraphs[i].end);
        CHECK(m->paragraphs[i].end <= m->article_chars);
        if (i > 0)
            CHECK(m->paragraphs[i - 1].end <= m->paragraphs[i].start);
    }
    memset(&err, 0, sizeof(err));
    if (store_open(m, &store, &err) == 0)
        store_free(store);
    else
        CHECK(err.message[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *cut = NULL;
    size_t model_len = size;
    struct model *m = NULL;
    struct model_error err;
    struct buf text;
    int rc;

    if (size > (1u << 20))
        return 0;
    for (size_t i = 0; size >= sizeof(SEPARATOR) - 1 && i <= size - (sizeof(SEPARATOR) - 1); i++)
        if (data[i] == '\n' && memcmp(data + i, SEPARATOR, sizeof(SEPARATOR) - 1) == 0) {
            cut = data + i;
            model_len = i;
            break;
        }
    write_whole(model_path, data, model_len);
    if (cut)
        write_whole(article_path, cut + sizeof(SEPARATOR) - 1,
                    size - model_len - (sizeof(SEPARATOR) - 1));
    else
        write_whole(article_path, fixture_article, fixture_article_len);

    memset(&err, 0, sizeof(err));
    rc = model_load(scratch, &m, &err);
    if (rc == 0) {
        CHECK(m != NULL);
        check_loaded(m);
        model_free(m);
    } else {
        CHECK(m == NULL);
        /* a precise error: the file at fault and what is wrong */
        CHECK(err.file[0] != '\0');
        CHECK(err.message[0] != '\0');
        CHECK(memchr(err.file, '\0', sizeof(err.file)) &&
              memchr(err.path, '\0', sizeof(err.path)) &&
              memchr(err.message, '\0', sizeof(err.message)));
        buf_init(&text, 0);
        CHECK(model_error_format(&err, &text) == 0);
        CHECK(strstr(buf_str(&text), err.message) != NULL);
        buf_release(&text);
    }
    return 0;
}
