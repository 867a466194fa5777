/*
 * model.c - load data/model.json and data/article.txt and refuse anything
 * that is not exactly right.
 *
 * The load runs in stages and the first failure stops it: read both files
 * (UTF-8 only), parse the JSON, validate it against the schema compiled into
 * the binary (collecting the x-references fields on the way), then the
 * checks a schema cannot express, in this order: ids unique across the whole
 * model, references that resolve to a record of an allowed collection, and
 * one walk over the document for provenance bases, field notes (field_provenance
 * names a field the record has), dates and evidence spans.
 * Offsets count code points; a sparse index (one byte offset every
 * MODEL_INDEX_STRIDE code points) turns them into byte offsets quickly
 * without a table the size of the article.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "model.h"
#include "model_schema.h"
#include "schema.h"
#include "text.h"

#define MODEL_INDEX_STRIDE 64
#define MODEL_FILE_MAX ((size_t)1 << 30)
#define MODEL_SCHEMA_FILE "api-spec/model.schema.json (compiled in)"
#define MODEL_EXCERPT_CHARS 80

const char *const model_collections[] = {"actors", "organizations", "places", "events",
                                         "layers", "threats",       "claims", "relations"};
const size_t model_collection_count = sizeof(model_collections) / sizeof(model_collections[0]);

/* What model_load allocates: the public model and what only this file sees. */
struct model_state {
    struct model model; /* first, so that a struct model * is a struct model_state * */
    size_t *index;      /* index[k]: byte offset of code point k * MODEL_INDEX_STRIDE */
};

/* ---- errors ---- */

static int model_fail(struct model_error *err, int rc, const char *file, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int model_fail(struct model_error *err, int rc, const char *file, const char *path,
                      const char *fmt, ...)
{
    struct buf message;
    va_list ap;

    buf_init(&message, 8192);
    va_start(ap, fmt);
    buf_vprintf(&message, fmt, ap);
    va_end(ap);
    text_copy_truncated(err->file, sizeof(err->file), file != NULL ? file : "");
    text_copy_truncated(err->path, sizeof(err->path), path != NULL ? path : "");
    text_copy_truncated(err->message, sizeof(err->message),
                        message.failed ? "out of memory while describing an error"
                                       : buf_str(&message));
    buf_release(&message);
    return rc;
}

int model_error_format(const struct model_error *err, struct buf *out)
{
    if (err == NULL || out == NULL)
        return STRATA_EINVAL;
    if (err->path[0] != '\0')
        return buf_printf(out, "%s: %s: %s", err->file, err->path, err->message);
    return buf_printf(out, "%s: %s", err->file, err->message);
}

/* ---- text ---- */

/* Append at most max_chars code points of s (len bytes) as JSON string content, "..." if cut. */
static void model_put_excerpt(struct buf *out, const char *s, size_t len, size_t max_chars)
{
    size_t bytes = 0;
    size_t chars = 0;

    while (bytes < len) {
        if (((unsigned char)s[bytes] & 0xc0) != 0x80) {
            if (chars == max_chars)
                break;
            chars++;
        }
        bytes++;
    }
    buf_json_escape(out, s, bytes);
    if (bytes < len)
        buf_puts(out, "...");
}

/* Bytes of the UTF-8 sequence that starts with lead byte c (input already validated). */
static size_t model_sequence_length(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c < 0xe0)
        return 2;
    if (c < 0xf0)
        return 3;
    return 4;
}

/* Byte offset of the first byte that is not valid UTF-8 (or is NUL), or len when all is well. */
static size_t model_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        size_t k;

        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 2, cp = c & 0x1fu;
        else if (c >= 0xe0 && c <= 0xef)
            n = 3, cp = c & 0x0fu;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 4, cp = c & 0x07u;
        else
            return i;
        if (n > len - i)
            return i;
        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n;
    }
    return len;
}

static uint64_t model_fnv1a(uint64_t hash, const char *data, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        hash ^= (unsigned char)data[i];
        hash *= UINT64_C(0x100000001b3);
    }
    return hash;
}

/* ---- files ---- */

/* Read a whole file into a NUL-terminated buffer that the caller frees. */
static int model_read_file(const char *path, const char *what, char **out, size_t *out_len,
                           struct model_error *err)
{
    FILE *file;
    int fd;
    struct stat st;
    char *data = NULL;
    size_t size;
    size_t got;
    int rc = STRATA_OK;

    /*
     * O_NONBLOCK: opening a FIFO (or a device) must not block the loader, and
     * so the reload and the shutdown it runs in; the S_ISREG check below
     * refuses such a file. A regular file ignores the flag.
     */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    file = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (file == NULL) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return model_fail(err, STRATA_EIO, path, "",
                          "cannot open the %s: %s; expected a readable file", what,
                          strerror(saved));
    }
    if (fstat(fileno(file), &st) != 0) {
        rc = model_fail(err, STRATA_EIO, path, "",
                        "cannot read the %s: %s; expected a readable file", what, strerror(errno));
        goto close_file;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = model_fail(err, STRATA_EIO, path, "", "the %s is not a regular file; expected a file",
                        what);
        goto close_file;
    }
    if ((unsigned long long)st.st_size > MODEL_FILE_MAX) {
        rc = model_fail(err, STRATA_ELIMIT, path, "",
                        "the %s is %lld bytes; expected at most %zu bytes", what,
                        (long long)st.st_size, MODEL_FILE_MAX);
        goto close_file;
    }
    size = (size_t)st.st_size;
    data = malloc(size + 1);
    if (data == NULL) {
        rc = model_fail(err, STRATA_ENOMEM, path, "", "out of memory reading the %s", what);
        goto close_file;
    }
    got = fread(data, 1, size, file);
    if (got != size || ferror(file)) {
        rc = model_fail(err, STRATA_EIO, path, "",
                        "cannot read the %s (read %zu of %zu bytes); expected a readable file",
                        what, got, size);
        free(data);
        goto close_file;
    }
    data[size] = '\0';
    *out = data;
    *out_len = size;
close_file:
    fclose(file);
    return rc;
}

static int model_check_utf8(const char *path, const char *text, size_t len, struct model_error *err)
{
    size_t bad = model_utf8_check((const unsigned char *)text, len);
    char where[64];

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        return model_fail(err, STRATA_EPARSE, path, "line 1, column 1",
                          "byte-order mark (U+FEFF) at the start; expected UTF-8 without a "
                          "byte-order mark");
    if (bad == len)
        return STRATA_OK;
    text_line_column(text, bad, where, sizeof(where));
    if (text[bad] == '\0')
        return model_fail(err, STRATA_EPARSE, path, where,
                          "NUL byte at byte offset %zu; expected UTF-8 text without NUL bytes",
                          bad);
    return model_fail(err, STRATA_EPARSE, path, where,
                      "invalid UTF-8 (byte 0x%02x at byte offset %zu); expected UTF-8 text",
                      (unsigned char)text[bad], bad);
}

static int model_parse(struct model *m, const char *text, size_t len, struct model_error *err)
{
    const char *end = NULL;
    size_t pos;
    char where[64];
    struct buf near;
    int rc;

    /* len + 1: the NUL is part of the buffer, so trailing garbage is an error too */
    m->root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (m->root != NULL) {
        pos = text_find_escaped_nul(text, len);
        if (pos == len)
            return STRATA_OK;
        text_line_column(text, pos, where, sizeof(where));
        return model_fail(err, STRATA_EPARSE, m->model_path, where,
                          "escaped NUL (\\u0000) in a string, which would cut the string "
                          "there; expected text without NUL characters");
    }
    for (pos = 0; pos < len &&
                  (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r');
         pos++)
        ;
    if (pos == len)
        return model_fail(err, STRATA_EPARSE, m->model_path, "",
                          "the file is %s; expected a JSON document",
                          len == 0 ? "empty" : "blank (only white space)");
    pos = end != NULL && end >= text && end <= text + len ? (size_t)(end - text) : len;
    text_line_column(text, pos, where, sizeof(where));
    if (pos >= len)
        return model_fail(err, STRATA_EPARSE, m->model_path, where,
                          "invalid JSON: the parser stopped at the end of the text; expected "
                          "well-formed JSON (RFC 8259)");
    buf_init(&near, 1024);
    {
        size_t line_end = pos;
        while (line_end < len && text[line_end] != '\n')
            line_end++;
        model_put_excerpt(&near, text + pos, line_end - pos, 24);
    }
    rc = model_fail(err, STRATA_EPARSE, m->model_path, where,
                    "invalid JSON at \"%s\"; expected well-formed JSON (RFC 8259)", buf_str(&near));
    buf_release(&near);
    return rc;
}

/* Fill model_path from data: a directory holding model.json, or the model file itself. */
static int model_resolve_path(struct model *m, const char *data, struct model_error *err)
{
    struct stat st;
    int n;

    if (stat(data, &st) != 0)
        return model_fail(err, STRATA_EIO, data, "",
                          "cannot open: %s; expected a directory holding model.json or a model "
                          "JSON file",
                          strerror(errno));
    if (S_ISDIR(st.st_mode))
        n = snprintf(m->model_path, sizeof(m->model_path), "%s%smodel.json", data,
                     data[strlen(data) - 1] == '/' ? "" : "/");
    else
        n = snprintf(m->model_path, sizeof(m->model_path), "%s", data);
    if (n < 0 || (size_t)n >= sizeof(m->model_path))
        return model_fail(err, STRATA_ELIMIT, data, "", "path too long; expected at most %zu bytes",
                          sizeof(m->model_path) - 1);
    return STRATA_OK;
}

/*
 * Does the article path the model names stay inside the model's directory?
 * The model decides what the API says, never which files of the host it
 * serves: an absolute path, a ".." that climbs above the directory and a
 * symbolic link that resolves outside it are refused. A file that does not
 * exist is left to the reader, which reports it.
 */
static int model_contain_article(const struct model *m, const char *named, struct model_error *err)
{
    const char *json_path = "$.source.article_file";
    const char *slash = strrchr(m->model_path, '/');
    char dir[PATH_MAX], real_dir[PATH_MAX], real[PATH_MAX];
    int depth = 0;
    size_t len;

    if (named[0] == '/')
        return model_fail(err, STRATA_EINVAL, m->model_path, json_path,
                          "absolute path \"%s\"; expected a path relative to model.json, inside "
                          "its directory",
                          named);
    for (const char *c = named; *c; c += strcspn(c, "/"), c += *c == '/') {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.')
            depth--;
        else if (n > 0 && !(n == 1 && c[0] == '.'))
            depth++;
        if (depth < 0)
            return model_fail(err, STRATA_EINVAL, m->model_path, json_path,
                              "\"%s\" climbs out of the model directory with \"..\"; expected "
                              "a path inside the directory of model.json",
                              named);
    }
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - m->model_path) : 1,
             slash ? m->model_path : ".");
    if (!realpath(dir[0] ? dir : "/", real_dir) || !realpath(m->article_path, real))
        return STRATA_OK;
    len = strlen(real_dir);
    if (strncmp(real, real_dir, len) == 0 && (real[len] == '/' || (len == 1 && real[0] == '/')))
        return STRATA_OK;
    return model_fail(err, STRATA_EINVAL, m->model_path, json_path,
                      "\"%s\" leads out of the model directory through a symbolic link; "
                      "expected a file inside the directory of model.json",
                      named);
}

/* Fill article_path: source.article_file, relative to the directory of the model file. */
static int model_resolve_article(struct model *m, struct model_error *err)
{
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(m->root, "source");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(source, "article_file");
    const char *slash;
    int dir_len;
    int n;

    if (!cJSON_IsString(file) || file->valuestring[0] == '\0')
        return model_fail(err, STRATA_EINVAL, m->model_path, "$.source.article_file",
                          "no article file named; expected the article's file name, relative to "
                          "model.json");
    slash = strrchr(m->model_path, '/');
    if (file->valuestring[0] == '/' || slash == NULL)
        n = snprintf(m->article_path, sizeof(m->article_path), "%s", file->valuestring);
    else {
        dir_len = (int)(slash - m->model_path);
        n = snprintf(m->article_path, sizeof(m->article_path), "%.*s/%s", dir_len, m->model_path,
                     file->valuestring);
    }
    if (n < 0 || (size_t)n >= sizeof(m->article_path))
        return model_fail(err, STRATA_ELIMIT, m->model_path, "$.source.article_file",
                          "article path too long; expected at most %zu bytes",
                          sizeof(m->article_path) - 1);
    return model_contain_article(m, file->valuestring, err);
}

/* ---- the article: length, code-point index, paragraphs ---- */

static int model_index_article(struct model_state *state, struct model_error *err)
{
    struct model *m = &state->model;
    const unsigned char *s = (const unsigned char *)m->article;
    size_t bytes = m->article_bytes;
    size_t chars = 0;
    size_t i;
    size_t slots = 0;

    /* one pass: there are at most as many code points as bytes */
    state->index = malloc((bytes / MODEL_INDEX_STRIDE + 2) * sizeof(*state->index));
    if (state->index == NULL)
        return model_fail(err, STRATA_ENOMEM, m->article_path, "", "out of memory indexing");
    for (i = 0; i < bytes; i++) {
        if ((s[i] & 0xc0) == 0x80)
            continue;
        if (chars % MODEL_INDEX_STRIDE == 0)
            state->index[slots++] = i;
        chars++;
    }
    m->article_chars = chars;
    if (chars % MODEL_INDEX_STRIDE == 0)
        state->index[slots] = bytes; /* the end, when it falls on a stride */
    return STRATA_OK;
}

/* Paragraphs: maximal runs of lines that are not blank (blank: only spaces, tabs, CR). */
static int model_find_paragraphs(struct model *m, struct model_error *err)
{
    const unsigned char *s = (const unsigned char *)m->article;
    size_t pass;

    for (pass = 0; pass < 2; pass++) {
        size_t count = 0;
        size_t chars = 0;
        size_t i = 0;
        bool inside = false;

        while (i < m->article_bytes) {
            size_t line_start_chars = chars;
            size_t last_text_end = chars; /* one past the last character that is not a line end */
            bool blank = true;

            while (i < m->article_bytes && s[i] != '\n') {
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
                    blank = false;
                if ((s[i] & 0xc0) != 0x80)
                    chars++;
                i++;
                last_text_end = chars;
            }
            if (!blank) {
                if (!inside) {
                    if (pass == 1)
                        m->paragraphs[count].start = line_start_chars;
                    count++;
                    inside = true;
                }
                if (pass == 1)
                    m->paragraphs[count - 1].end = last_text_end;
            } else {
                inside = false;
            }
            if (i < m->article_bytes) {
                i++; /* the '\n' */
                chars++;
            }
        }
        if (pass == 0) {
            m->paragraphs = calloc(count == 0 ? 1 : count, sizeof(*m->paragraphs));
            if (m->paragraphs == NULL)
                return model_fail(err, STRATA_ENOMEM, m->article_path, "", "out of memory");
            m->paragraph_count = count;
        }
    }
    return STRATA_OK;
}

size_t model_byte_offset(const struct model *model, size_t chars)
{
    const struct model_state *state = (const struct model_state *)model;
    const unsigned char *s;
    size_t offset;
    size_t steps;

    if (model == NULL || model->article == NULL || chars > model->article_chars)
        return (size_t)-1;
    s = (const unsigned char *)model->article;
    offset = state->index[chars / MODEL_INDEX_STRIDE];
    for (steps = chars % MODEL_INDEX_STRIDE; steps > 0; steps--)
        offset += model_sequence_length(s[offset]);
    return offset;
}

/* ---- ids and references ---- */

struct model_id {
    const char *id; /* NULL: empty slot */
    size_t collection;
    size_t index;
};

struct model_ids {
    struct model_id *slots;
    size_t mask;
};

static uint64_t model_hash_string(const char *s)
{
    return model_fnv1a(UINT64_C(0xcbf29ce484222325), s, strlen(s));
}

static struct model_id *model_ids_find(const struct model_ids *ids, const char *id)
{
    size_t i = (size_t)model_hash_string(id) & ids->mask;

    while (ids->slots[i].id != NULL && strcmp(ids->slots[i].id, id) != 0)
        i = (i + 1) & ids->mask;
    return &ids->slots[i];
}

static void model_record_path(struct buf *path, size_t collection, size_t index, const char *field)
{
    buf_reset(path);
    buf_printf(path, "$.%s[%zu]", model_collections[collection], index);
    if (field != NULL)
        schema_path_member(path, field);
}

static int model_collect_ids(const struct model *m, struct model_ids *ids, struct model_error *err)
{
    struct buf path;
    struct buf first;
    size_t total = 0;
    size_t c;
    size_t capacity = 16;
    int rc = STRATA_OK;

    for (c = 0; c < model_collection_count; c++) {
        const cJSON *records = cJSON_GetObjectItemCaseSensitive(m->root, model_collections[c]);
        if (!cJSON_IsArray(records))
            return model_fail(err, STRATA_EINVAL, m->model_path, "$",
                              "collection \"%s\" is missing or not an array; expected an array "
                              "of records",
                              model_collections[c]);
        total += (size_t)cJSON_GetArraySize(records);
    }
    while (capacity < total * 2)
        capacity *= 2;
    ids->slots = calloc(capacity, sizeof(*ids->slots));
    if (ids->slots == NULL)
        return model_fail(err, STRATA_ENOMEM, m->model_path, "", "out of memory");
    ids->mask = capacity - 1;
    buf_init(&path, 4096);
    buf_init(&first, 4096);
    for (c = 0; c < model_collection_count && rc == STRATA_OK; c++) {
        const cJSON *record;
        size_t index = 0;
        cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(m->root, model_collections[c]))
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(record, "id");
            struct model_id *slot;

            if (!cJSON_IsString(id)) {
                model_record_path(&path, c, index, NULL);
                rc = model_fail(err, STRATA_EINVAL, m->model_path, buf_str(&path),
                                "record without a string id; expected every record to have one");
                break;
            }
            slot = model_ids_find(ids, id->valuestring);
            if (slot->id != NULL) {
                model_record_path(&path, c, index, "id");
                model_record_path(&first, slot->collection, slot->index, "id");
                rc = model_fail(err, STRATA_EINVAL, m->model_path, buf_str(&path),
                                "duplicate id \"%s\" (first at %s); expected ids unique across "
                                "the model",
                                id->valuestring, buf_str(&first));
                break;
            }
            slot->id = id->valuestring;
            slot->collection = c;
            slot->index = index;
            index++;
        }
    }
    buf_release(&path);
    buf_release(&first);
    return rc;
}

static bool model_collection_known(const char *name)
{
    size_t c;

    for (c = 0; c < model_collection_count; c++)
        if (strcmp(model_collections[c], name) == 0)
            return true;
    return false;
}

static void model_put_collections(struct buf *out, const struct schema_reference *ref)
{
    size_t i;

    for (i = 0; i < ref->collection_count; i++) {
        if (i > 0)
            buf_puts(out, i + 1 == ref->collection_count ? " or " : ", ");
        buf_puts(out, ref->collections[i]);
    }
}

static int model_check_references(const struct model *m, const struct model_ids *ids,
                                  const struct schema_references *refs, struct model_error *err)
{
    struct buf allowed;
    size_t r;
    int rc = STRATA_OK;

    buf_init(&allowed, 4096);
    for (r = 0; r < refs->count && rc == STRATA_OK; r++) {
        const struct schema_reference *ref = &refs->items[r];
        const char *path = schema_reference_path(refs, r);
        const struct model_id *found = model_ids_find(ids, ref->value->valuestring);
        size_t i;
        bool ok = false;

        for (i = 0; i < ref->collection_count; i++) {
            if (!model_collection_known(ref->collections[i]))
                return model_fail(err, STRATA_EINVAL, MODEL_SCHEMA_FILE, path,
                                  "x-references names \"%s\", which is not a collection; "
                                  "expected names of model collections",
                                  ref->collections[i]);
            if (found->id != NULL &&
                strcmp(model_collections[found->collection], ref->collections[i]) == 0)
                ok = true;
        }
        if (ok)
            continue;
        buf_reset(&allowed);
        model_put_collections(&allowed, ref);
        if (found->id == NULL)
            rc = model_fail(err, STRATA_EINVAL, m->model_path, path,
                            "unknown id \"%s\"; expected the id of a record in %s",
                            ref->value->valuestring, buf_str(&allowed));
        else
            rc = model_fail(err, STRATA_EINVAL, m->model_path, path,
                            "id \"%s\" is a record in %s; expected the id of a record in %s",
                            ref->value->valuestring, model_collections[found->collection],
                            buf_str(&allowed));
    }
    buf_release(&allowed);
    return rc;
}

/* ---- the walk: bases, dates, evidence ---- */

struct model_walk {
    const struct model *model;
    struct model_error *err;
    struct buf path;
};

static int walk_fail(struct model_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int walk_fail(struct model_walk *w, const char *fmt, ...)
{
    struct buf message;
    va_list ap;
    int rc;

    buf_init(&message, 8192);
    va_start(ap, fmt);
    buf_vprintf(&message, fmt, ap);
    va_end(ap);
    rc = model_fail(w->err, STRATA_EINVAL, w->model->model_path, buf_str(&w->path), "%s",
                    buf_str(&message));
    buf_release(&message);
    return rc;
}

static void walk_pop(struct model_walk *w, size_t len)
{
    w->path.len = len;
    if (w->path.data != NULL)
        w->path.data[len] = '\0';
}

static bool model_has_text(const cJSON *object, const char *name)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, name);
    const char *s;

    if (!cJSON_IsString(value))
        return false;
    for (s = value->valuestring; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}

static int walk_check_basis(struct model_walk *w, const cJSON *object)
{
    const cJSON *provenance = cJSON_GetObjectItemCaseSensitive(object, "provenance");

    const cJSON *basis = cJSON_GetObjectItemCaseSensitive(object, "basis");

    if (!cJSON_IsString(provenance))
        return STRATA_OK;
    if (strcmp(provenance->valuestring, "article") == 0) {
        /* a basis on an article record would hide an inference behind the article's authority */
        if (basis == NULL || cJSON_IsNull(basis))
            return STRATA_OK;
        return walk_fail(w, "provenance \"article\" with a basis; expected no basis when the "
                            "article itself says it (or provenance \"inferred\" with the basis)");
    }
    if (model_has_text(object, "basis"))
        return STRATA_OK;
    return walk_fail(w,
                     "provenance \"%s\" without a basis; expected a non-empty \"basis\" saying "
                     "why",
                     provenance->valuestring);
}

struct model_date {
    int year;
    int month;
    int day;
};

static const char *const model_month_names[] = {"January",   "February", "March",    "April",
                                                "May",       "June",     "July",     "August",
                                                "September", "October",  "November", "December"};

static int model_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

static int model_two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Check the date string at member name of date (null is fine); fills *out and *present. */
static int walk_parse_date(struct model_walk *w, const cJSON *date, const char *name,
                           struct model_date *out, bool *present)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(date, name);
    size_t path_len = w->path.len;
    const char *s;
    size_t i;
    int rc = STRATA_OK;

    *present = false;
    if (value == NULL || cJSON_IsNull(value))
        return STRATA_OK;
    schema_path_member(&w->path, name);
    s = cJSON_IsString(value) ? value->valuestring : "";
    for (i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (s[i] == '\0' || (dash ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9')))
            break;
    }
    if (!cJSON_IsString(value) || i < 10 || s[10] != '\0') {
        rc = walk_fail(w, "not a date; expected a string YYYY-MM-DD or null");
        goto done;
    }
    out->year = model_two_digits(s) * 100 + model_two_digits(s + 2);
    out->month = model_two_digits(s + 5);
    out->day = model_two_digits(s + 8);
    if (out->month < 1 || out->month > 12)
        rc = walk_fail(w,
                       "impossible date \"%s\": there is no month %d; expected a real calendar "
                       "date YYYY-MM-DD",
                       s, out->month);
    else if (out->day < 1)
        rc = walk_fail(w,
                       "impossible date \"%s\": there is no day 0; expected a real calendar date "
                       "YYYY-MM-DD",
                       s);
    else if (out->day > model_days_in_month(out->year, out->month))
        rc = walk_fail(w,
                       "impossible date \"%s\": %s %d has %d days; expected a real calendar date "
                       "YYYY-MM-DD",
                       s, model_month_names[out->month - 1], out->year,
                       model_days_in_month(out->year, out->month));
    *present = rc == STRATA_OK;
done:
    walk_pop(w, path_len);
    return rc;
}

static int model_date_compare(const struct model_date *a, const struct model_date *b)
{
    long x = (long)a->year * 10000 + a->month * 100 + a->day;
    long y = (long)b->year * 10000 + b->month * 100 + b->day;

    return x < y ? -1 : x > y;
}

/* The rules of a date's interval and precision (docs/MODEL.md, "Dates"). */
static int walk_check_precision(struct model_walk *w, const cJSON *date, bool has_dates,
                                const struct model_date *start, const struct model_date *end)
{
    const cJSON *precision = cJSON_GetObjectItemCaseSensitive(date, "precision");
    const char *p = cJSON_IsString(precision) ? precision->valuestring : NULL;
    size_t path_len = w->path.len;
    int rc = STRATA_OK;

    if (p == NULL)
        return STRATA_OK; /* the schema decides whether precision is required */
    schema_path_member(&w->path, "precision");
    if (strcmp(p, "unknown") == 0 && has_dates)
        rc = walk_fail(w,
                       "precision \"unknown\" with dates %04d-%02d-%02d..%04d-%02d-%02d; expected "
                       "start and end null when the precision is unknown",
                       start->year, start->month, start->day, end->year, end->month, end->day);
    else if (strcmp(p, "unknown") != 0 && !has_dates)
        rc = walk_fail(w,
                       "precision \"%s\" without dates; expected start and end dates, or "
                       "precision \"unknown\"",
                       p);
    else if (strcmp(p, "day") == 0 && model_date_compare(start, end) != 0)
        rc = walk_fail(w,
                       "precision \"day\" but the dates span %04d-%02d-%02d..%04d-%02d-%02d; "
                       "expected start equal to end",
                       start->year, start->month, start->day, end->year, end->month, end->day);
    else if (strcmp(p, "month") == 0 &&
             (start->day != 1 || end->day != model_days_in_month(end->year, end->month)))
        rc = walk_fail(w,
                       "precision \"month\" but the dates %04d-%02d-%02d..%04d-%02d-%02d are not "
                       "whole months; expected start on the 1st and end on the last day of a "
                       "month",
                       start->year, start->month, start->day, end->year, end->month, end->day);
    else if (strcmp(p, "year") == 0 &&
             (start->month != 1 || start->day != 1 || end->month != 12 || end->day != 31))
        rc = walk_fail(w,
                       "precision \"year\" but the dates %04d-%02d-%02d..%04d-%02d-%02d are not "
                       "whole years; expected start on January 1 and end on December 31",
                       start->year, start->month, start->day, end->year, end->month, end->day);
    walk_pop(w, path_len);
    return rc;
}

static int walk_check_date(struct model_walk *w, const cJSON *date)
{
    const cJSON *inferred = cJSON_GetObjectItemCaseSensitive(date, "inferred");
    struct model_date start = {0, 0, 0};
    struct model_date end = {0, 0, 0};
    bool has_start;
    bool has_end;
    size_t path_len = w->path.len;
    int rc;

    if (!cJSON_IsObject(date))
        return STRATA_OK; /* the schema decides what a date may be */
    rc = walk_parse_date(w, date, "start", &start, &has_start);
    if (rc == STRATA_OK)
        rc = walk_parse_date(w, date, "end", &end, &has_end);
    if (rc != STRATA_OK)
        return rc;
    if (has_start != has_end) {
        schema_path_member(&w->path, has_start ? "end" : "start");
        rc = walk_fail(w, "%s is null but %s is a date; expected both dates or neither",
                       has_start ? "end" : "start", has_start ? "start" : "end");
        walk_pop(w, path_len);
        return rc;
    }
    if (has_start && model_date_compare(&end, &start) < 0) {
        schema_path_member(&w->path, "end");
        rc = walk_fail(w,
                       "end %04d-%02d-%02d is before start %04d-%02d-%02d; expected end on or "
                       "after start",
                       end.year, end.month, end.day, start.year, start.month, start.day);
        walk_pop(w, path_len);
        return rc;
    }
    rc = walk_check_precision(w, date, has_start, &start, &end);
    if (rc != STRATA_OK)
        return rc;
    if (cJSON_IsArray(inferred) && inferred->child != NULL && !model_has_text(date, "basis")) {
        char *list = cJSON_PrintUnformatted(inferred);
        rc = walk_fail(w,
                       "inferred %s without a basis; expected a non-empty \"basis\" saying how "
                       "the inferred parts were found",
                       list != NULL ? list : "(parts)");
        free(list);
    }
    return rc;
}

/* The paragraph (1-based) that holds [start, end), or 0; *first gets the one holding start. */
static size_t model_paragraph_of(const struct model *m, size_t start, size_t end, size_t *first)
{
    size_t low = 0;
    size_t high = m->paragraph_count;

    while (low < high) { /* the first paragraph whose end is past start */
        size_t mid = low + (high - low) / 2;
        if (m->paragraphs[mid].end <= start)
            low = mid + 1;
        else
            high = mid;
    }
    *first = 0;
    if (low == m->paragraph_count || m->paragraphs[low].start > start)
        return 0;
    *first = low + 1;
    return end <= m->paragraphs[low].end ? low + 1 : 0;
}

/* Code points that s and t share at their start; *common_bytes gets their length in bytes. */
static size_t model_common_chars(const char *s, size_t s_len, const char *t, size_t t_len,
                                 size_t *common_bytes)
{
    size_t i = 0;
    size_t chars = 0;

    for (;;) {
        size_t n;
        if (i >= s_len || i >= t_len)
            break;
        n = model_sequence_length((unsigned char)s[i]);
        if (n > s_len - i || n > t_len - i || memcmp(s + i, t + i, n) != 0)
            break;
        i += n;
        chars++;
    }
    *common_bytes = i;
    return chars;
}

static int walk_check_quote(struct model_walk *w, const cJSON *quote, size_t start, size_t end)
{
    const struct model *m = w->model;
    size_t from = model_byte_offset(m, start);
    size_t to = model_byte_offset(m, end);
    const char *expected = m->article + from;
    size_t expected_len = to - from;
    const char *q;
    size_t q_len;
    size_t common_bytes;
    size_t common;
    size_t skip;
    struct buf found;
    struct buf wanted;
    int rc;

    if (!cJSON_IsString(quote))
        return STRATA_OK; /* the schema decides what a quote may be */
    q = quote->valuestring;
    q_len = strlen(q);
    if (q_len == expected_len && memcmp(q, expected, q_len) == 0)
        return STRATA_OK;
    common = model_common_chars(q, q_len, expected, expected_len, &common_bytes);
    /* show both texts from a little before the first difference */
    skip = common_bytes;
    {
        size_t back = 0;
        while (skip > 0 && back < 20) {
            skip--;
            if (((unsigned char)q[skip] & 0xc0) != 0x80)
                back++;
        }
    }
    buf_init(&found, 2048);
    buf_init(&wanted, 2048);
    if (skip > 0) {
        buf_puts(&found, "...");
        buf_puts(&wanted, "...");
    }
    model_put_excerpt(&found, q + skip, q_len - skip, MODEL_EXCERPT_CHARS);
    model_put_excerpt(&wanted, expected + skip, expected_len - skip, MODEL_EXCERPT_CHARS);
    rc = walk_fail(w,
                   "quote differs from the article at [%zu, %zu) (first difference at code point "
                   "%zu of the quote): \"%s\"; expected the article text \"%s\"",
                   start, end, common, buf_str(&found), buf_str(&wanted));
    buf_release(&found);
    buf_release(&wanted);
    return rc;
}

static bool model_offset_value(const cJSON *value, size_t *out)
{
    if (!cJSON_IsNumber(value) || value->valuedouble < 0 || value->valuedouble > 9e15 ||
        value->valuedouble != (double)(long long)value->valuedouble)
        return false;
    *out = (size_t)value->valuedouble;
    return true;
}

static int walk_check_span(struct model_walk *w, const cJSON *span)
{
    const struct model *m = w->model;
    const cJSON *paragraph = cJSON_GetObjectItemCaseSensitive(span, "paragraph");
    size_t path_len = w->path.len;
    size_t start;
    size_t end;
    size_t holder;
    size_t first;
    int rc = STRATA_OK;

    if (!cJSON_IsObject(span) ||
        !model_offset_value(cJSON_GetObjectItemCaseSensitive(span, "start"), &start) ||
        !model_offset_value(cJSON_GetObjectItemCaseSensitive(span, "end"), &end))
        return walk_fail(w, "not an evidence span; expected {\"start\", \"end\", \"quote\", "
                            "\"paragraph\"} with non-negative integer offsets");
    if (start >= end) {
        schema_path_member(&w->path, "end");
        rc = walk_fail(w, "end %zu is not after start %zu; expected end > start (end is exclusive)",
                       end, start);
    } else if (end > m->article_chars) {
        schema_path_member(&w->path, "end");
        rc = walk_fail(w,
                       "end %zu is past the end of the article; expected at most %zu (its length "
                       "in code points)",
                       end, m->article_chars);
    } else {
        schema_path_member(&w->path, "quote");
        rc = walk_check_quote(w, cJSON_GetObjectItemCaseSensitive(span, "quote"), start, end);
    }
    walk_pop(w, path_len);
    if (rc != STRATA_OK)
        return rc;
    holder = model_paragraph_of(m, start, end, &first);
    if (holder == 0) {
        if (first == 0)
            return walk_fail(w,
                             "span [%zu, %zu) starts between paragraphs; expected a span inside "
                             "one paragraph",
                             start, end);
        return walk_fail(w,
                         "span [%zu, %zu) starts in paragraph %zu and runs past its end; expected "
                         "a span inside one paragraph",
                         start, end, first);
    }
    if (cJSON_IsNumber(paragraph) && paragraph->valuedouble == (double)holder)
        return STRATA_OK;
    schema_path_member(&w->path, "paragraph");
    if (cJSON_IsNumber(paragraph))
        rc = walk_fail(w, "paragraph %.17g does not hold [%zu, %zu); expected %zu",
                       paragraph->valuedouble, start, end, holder);
    else
        rc = walk_fail(w, "no paragraph number; expected %zu", holder);
    walk_pop(w, path_len);
    return rc;
}

static int walk_value(struct model_walk *w, const cJSON *value);

/* Members a field note cannot name: the record's identity and its own provenance. */
static bool model_note_field_allowed(const char *field)
{
    static const char *const not_fields[] = {"id",    "summary",  "explicit",        "provenance",
                                             "basis", "evidence", "field_provenance"};
    size_t i;

    for (i = 0; i < sizeof(not_fields) / sizeof(not_fields[0]); i++)
        if (strcmp(field, not_fields[i]) == 0)
            return false;
    return true;
}

static bool model_array_holds(const cJSON *array, const char *value)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, array) if (cJSON_IsString(item) &&
                                        strcmp(item->valuestring, value) == 0) return true;
    return false;
}

/*
 * A field note (field_provenance[i]) must name a member of the object that
 * holds it, and with "value" an item of that member (an array); one note per
 * field, or per item.
 */
static int walk_check_note(struct model_walk *w, const cJSON *object, const cJSON *notes,
                           const cJSON *note)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(note, "field");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(note, "value");
    const cJSON *member;
    const cJSON *earlier;

    if (!cJSON_IsString(field))
        return STRATA_OK; /* the schema decides */
    member = cJSON_GetObjectItemCaseSensitive(object, field->valuestring);
    if (!model_note_field_allowed(field->valuestring))
        return walk_fail(w,
                         "field_provenance names \"%s\"; expected a field of the record (not id, "
                         "summary, explicit, provenance, basis, evidence or field_provenance: the "
                         "record's own provenance covers those)",
                         field->valuestring);
    if (member == NULL)
        return walk_fail(w,
                         "field_provenance names \"%s\", which the record does not have; "
                         "expected the name of one of its fields",
                         field->valuestring);
    if (cJSON_IsString(value) &&
        !(cJSON_IsArray(member) && model_array_holds(member, value->valuestring)))
        return walk_fail(w,
                         "field_provenance is about \"%s\" of \"%s\", which does not hold it; "
                         "expected an item of that array field (or no \"value\")",
                         value->valuestring, field->valuestring);
    for (earlier = notes->child; earlier != note; earlier = earlier->next) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(earlier, "field");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(earlier, "value");
        if (cJSON_IsString(f) && strcmp(f->valuestring, field->valuestring) == 0 &&
            (v == NULL) == (value == NULL) &&
            (v == NULL || (cJSON_IsString(v) && cJSON_IsString(value) &&
                           strcmp(v->valuestring, value->valuestring) == 0)))
            return walk_fail(w,
                             "a second note about \"%s\"%s%s; expected one note per field or "
                             "per item",
                             field->valuestring, value ? " item " : "",
                             cJSON_IsString(value) ? value->valuestring : "");
    }
    return STRATA_OK;
}

static int walk_check_notes(struct model_walk *w, const cJSON *object)
{
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(object, "field_provenance");
    const cJSON *note;
    size_t path_len = w->path.len;
    size_t index = 0;
    int rc = STRATA_OK;

    if (!cJSON_IsArray(notes))
        return STRATA_OK;
    schema_path_member(&w->path, "field_provenance");
    cJSON_ArrayForEach(note, notes)
    {
        size_t item_len = w->path.len;
        schema_path_index(&w->path, index++);
        rc = walk_check_note(w, object, notes, note);
        walk_pop(w, item_len);
        if (rc != STRATA_OK)
            break;
    }
    walk_pop(w, path_len);
    return rc;
}

static int walk_member(struct model_walk *w, const cJSON *member)
{
    const cJSON *item;
    size_t index = 0;
    size_t path_len = w->path.len;
    int rc = STRATA_OK;

    schema_path_member(&w->path, member->string);
    if (strcmp(member->string, "evidence") == 0 && cJSON_IsArray(member)) {
        cJSON_ArrayForEach(item, member)
        {
            size_t item_len = w->path.len;
            schema_path_index(&w->path, index++);
            rc = walk_check_span(w, item);
            walk_pop(w, item_len);
            if (rc != STRATA_OK)
                break;
        }
    } else {
        if (strcmp(member->string, "date") == 0)
            rc = walk_check_date(w, member);
        if (rc == STRATA_OK)
            rc = walk_value(w, member);
    }
    walk_pop(w, path_len);
    return rc;
}

static int walk_value(struct model_walk *w, const cJSON *value)
{
    const cJSON *child;
    size_t index = 0;
    size_t path_len = w->path.len;
    int rc = STRATA_OK;

    if (cJSON_IsObject(value)) {
        rc = walk_check_basis(w, value);
        if (rc == STRATA_OK)
            rc = walk_check_notes(w, value);
        for (child = value->child; child != NULL && rc == STRATA_OK; child = child->next)
            rc = walk_member(w, child);
    } else if (cJSON_IsArray(value)) {
        for (child = value->child; child != NULL && rc == STRATA_OK; child = child->next) {
            schema_path_index(&w->path, index++);
            rc = walk_value(w, child);
            walk_pop(w, path_len);
        }
    }
    return rc;
}

static int model_check_content(const struct model *m, struct model_error *err)
{
    struct model_walk w;
    int rc;

    w.model = m;
    w.err = err;
    buf_init(&w.path, 64 * 1024);
    buf_putc(&w.path, '$');
    rc = walk_value(&w, m->root);
    if (rc == STRATA_OK && w.path.failed)
        rc = model_fail(err, STRATA_ENOMEM, m->model_path, "", "out of memory");
    buf_release(&w.path);
    return rc;
}

/* ---- the load ---- */

/* Read, check and index the article named by the model. */
static int model_load_article(struct model_state *state, struct model_error *err)
{
    struct model *m = &state->model;
    int rc;

    rc = model_resolve_article(m, err);
    if (rc == STRATA_OK)
        rc = model_read_file(m->article_path, "article (source.article_file)", &m->article,
                             &m->article_bytes, err);
    if (rc == STRATA_OK)
        rc = model_check_utf8(m->article_path, m->article, m->article_bytes, err);
    if (rc == STRATA_OK)
        rc = model_index_article(state, err);
    if (rc == STRATA_OK)
        rc = model_find_paragraphs(m, err);
    return rc;
}

/*
 * Everything checked once model.json is parsed: the schema, the article, ids,
 * references, quotes and dates; then the record counts and the version (a
 * hash of text, the model file, and the article).
 */
static int model_check_all(struct model_state *state, const char *text, size_t text_len,
                           struct model_error *err)
{
    struct model *m = &state->model;
    struct schema *schema = NULL;
    struct schema_error schema_err;
    struct schema_references refs;
    struct model_ids ids = {NULL, 0};
    uint64_t hash;
    int rc;

    schema_references_init(&refs);
    rc = schema_compile(model_schema_text, model_schema_length, &schema, &schema_err);
    if (rc != STRATA_OK)
        rc = model_fail(err, rc, MODEL_SCHEMA_FILE, schema_err.path, "%s", schema_err.message);
    if (rc == STRATA_OK) {
        rc = schema_validate(schema, m->root, &refs, &schema_err);
        if (rc != STRATA_OK)
            rc = model_fail(err, rc, m->model_path, schema_err.path, "%s", schema_err.message);
    }
    if (rc == STRATA_OK)
        rc = model_load_article(state, err);
    if (rc == STRATA_OK)
        rc = model_collect_ids(m, &ids, err);
    if (rc == STRATA_OK)
        rc = model_check_references(m, &ids, &refs, err);
    if (rc == STRATA_OK)
        rc = model_check_content(m, err);
    if (rc == STRATA_OK) {
        for (size_t i = 0; i < model_collection_count && i < MODEL_MAX_COLLECTIONS; i++)
            m->record_counts[i] = (size_t)cJSON_GetArraySize(
                cJSON_GetObjectItemCaseSensitive(m->root, model_collections[i]));
        hash = model_fnv1a(MODEL_HASH_SEED, text, text_len);
        m->file_hash = hash;
        hash = model_fnv1a(hash, m->article, m->article_bytes);
        snprintf(m->version, sizeof(m->version), "%016llx", (unsigned long long)hash);
    }
    free(ids.slots);
    schema_references_release(&refs);
    schema_free(schema);
    return rc;
}

/* The checks run on a thread of their own (model_load_with). */
struct model_checks {
    struct model_state *state;
    const char *text;
    size_t text_len;
    struct model_error err;
    int rc;
};

static void *model_check_thread(void *arg)
{
    struct model_checks *c = arg;
    c->rc = model_check_all(c->state, c->text, c->text_len, &c->err);
    return NULL;
}

static int model_load_files(struct model_state *state, const char *data, model_work work, void *arg,
                            struct model_error *err)
{
    struct model *m = &state->model;
    struct model_checks checks;
    struct model_error work_err;
    pthread_t thread;
    char *text = NULL;
    size_t text_len = 0;
    int rc, work_rc;

    rc = model_resolve_path(m, data, err);
    if (rc == STRATA_OK)
        rc = model_read_file(m->model_path, "model", &text, &text_len, err);
    if (rc == STRATA_OK)
        rc = model_check_utf8(m->model_path, text, text_len, err);
    if (rc == STRATA_OK)
        rc = model_parse(m, text, text_len, err);
    if (rc != STRATA_OK || work == NULL) {
        if (rc == STRATA_OK)
            rc = model_check_all(state, text, text_len, err);
        free(text);
        return rc;
    }
    /* the checks on a second thread, the caller's work on this one */
    memset(&checks, 0, sizeof(checks));
    memset(&work_err, 0, sizeof(work_err));
    checks.state = state;
    checks.text = text;
    checks.text_len = text_len;
    if (pthread_create(&thread, NULL, model_check_thread, &checks) == 0) {
        work_rc = work(m, arg, &work_err);
        pthread_join(thread, NULL);
    } else {
        model_check_thread(&checks);
        work_rc = checks.rc == STRATA_OK ? work(m, arg, &work_err) : STRATA_OK;
    }
    free(text);
    if (checks.rc != STRATA_OK) {
        *err = checks.err;
        return checks.rc;
    }
    if (work_rc != STRATA_OK)
        *err = work_err;
    return work_rc;
}

static int model_load_state(const char *data, model_work work, void *arg, struct model **out,
                            struct model_error *err)
{
    struct model_error ignored;
    struct model_state *state;
    int rc;

    if (err == NULL)
        err = &ignored;
    if (data == NULL || data[0] == '\0' || out == NULL)
        return model_fail(err, STRATA_EINVAL, "", "",
                          "no model path given; expected a directory holding model.json or a "
                          "model JSON file");
    state = calloc(1, sizeof(*state));
    if (state == NULL)
        return model_fail(err, STRATA_ENOMEM, data, "", "out of memory");
    rc = model_load_files(state, data, work, arg, err);
    if (rc != STRATA_OK) {
        model_free(&state->model);
        return rc;
    }
    *out = &state->model;
    return STRATA_OK;
}

int model_load(const char *data, struct model **out, struct model_error *err)
{
    return model_load_state(data, NULL, NULL, out, err);
}

int model_load_with(const char *data, model_work work, void *arg, struct model **out,
                    struct model_error *err)
{
    return model_load_state(data, work, arg, out, err);
}

int model_release_tree(struct model *model)
{
    cJSON *root, *source;

    if (model == NULL || model->root == NULL)
        return STRATA_EINVAL;
    root = cJSON_CreateObject();
    if (root == NULL)
        return STRATA_ENOMEM;
    source = cJSON_DetachItemFromObjectCaseSensitive(model->root, "source");
    if (source != NULL)
        cJSON_AddItemToObject(root, "source", source);
    cJSON_Delete(model->root);
    model->root = root;
    return STRATA_OK;
}

void model_free(struct model *model)
{
    struct model_state *state = (struct model_state *)model;

    if (model == NULL)
        return;
    cJSON_Delete(model->root);
    free(model->article);
    free(model->paragraphs);
    free(state->index);
    free(state);
}

/* ---- for other loaders (the compiled model file) ---- */

struct model *model_new(void)
{
    struct model_state *state = calloc(1, sizeof(*state));
    return state ? &state->model : NULL;
}

uint64_t model_hash(uint64_t hash, const void *data, size_t len)
{
    return model_fnv1a(hash, data, len);
}

int model_file_hash(const char *data, uint64_t *hash, char *path, size_t path_size,
                    struct model_error *err)
{
    struct model_state *state = calloc(1, sizeof(*state));
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (state == NULL)
        return model_fail(err, STRATA_ENOMEM, data, "", "out of memory");
    rc = model_resolve_path(&state->model, data, err);
    if (rc == STRATA_OK)
        rc = model_read_file(state->model.model_path, "model", &text, &len, err);
    if (rc == STRATA_OK) {
        *hash = model_fnv1a(MODEL_HASH_SEED, text, len);
        snprintf(path, path_size, "%s", state->model.model_path);
    }
    free(text);
    free(state);
    return rc;
}

int model_adopt_article(struct model *model, char *article, size_t bytes, struct model_error *err)
{
    struct model_state *state = (struct model_state *)model;

    free(model->article);
    free(state->index);
    state->index = NULL;
    model->article = article;
    model->article_bytes = bytes;
    return model_index_article(state, err);
}

int model_locate_article(struct model *model, struct model_error *err)
{
    return model_resolve_article(model, err);
}
