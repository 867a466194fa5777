/*
 * model.h - load and validate the article model (data/model.json + article.txt).
 *
 * The loader parses model.json with cJSON, validates it against the JSON
 * Schema api-spec/model.schema.json (compiled into the binary), then checks
 * what a schema cannot: ids unique across the model, every reference
 * resolving to a record of an allowed collection, every evidence quote equal
 * to the article text at its code-point offsets and inside its paragraph,
 * dates that exist and do not end before they start. The first failure stops
 * the load with a precise error (file, JSON path, what is wrong, what was
 * expected). A loaded model is immutable.
 */
#ifndef STRATA_MODEL_H
#define STRATA_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct model_error {
    char file[512];     /* the file at fault: ".../model.json", ".../article.txt" */
    char path[512];     /* JSON path ("$.events[3].date.end"), "line 4, column 7", or "" */
    char message[1024]; /* what is wrong, then "; expected ..." */
};

struct model_paragraph {
    size_t start; /* code-point offset of the first character */
    size_t end;   /* code-point offset one past the last character */
};

#define MODEL_MAX_COLLECTIONS 16

struct model {
    /*
     * The validated model.json (owned). After model_release_tree() only its
     * "source" object is left.
     */
    cJSON *root;
    size_t record_counts[MODEL_MAX_COLLECTIONS]; /* records of model_collections[i] */
    char *article;                               /* article.txt, NUL-terminated (owned) */
    size_t article_bytes;                        /* its length in bytes */
    size_t article_chars;                        /* its length in code points */
    struct model_paragraph *paragraphs;          /* owned */
    size_t paragraph_count;
    char version[17];   /* 16 hex digits: hash of both files */
    uint64_t file_hash; /* model_hash(MODEL_HASH_SEED, the model file): the compile cache key */
    char model_path[512];
    char article_path[512];
};

/*
 * Load a model. data is a directory holding model.json, or the path of a
 * model JSON file; the article is source.article_file relative to the model
 * file. On success stores a new model in *out (free with model_free) and
 * returns 0. On failure fills *err and returns an error code; *out untouched.
 */
int model_load(const char *data, struct model **out, struct model_error *err);

/*
 * Work on a parsed model while it is being validated (model_load_with): it
 * may read model->root and model->model_path only, and reports a failure in
 * err with an error code.
 */
typedef int (*model_work)(const struct model *model, void *arg, struct model_error *err);

/*
 * model_load() that overlaps the caller's work with the validation: once
 * model.json is parsed, work(model, arg, err) runs on the calling thread
 * while the schema and content checks run on another (both only read the
 * tree). Returns the validation's error when the model is invalid (then
 * whatever work built from it is the caller's to discard), otherwise work's
 * error, otherwise 0 with *out as model_load() sets it. A model that fails
 * to parse never reaches work.
 */
int model_load_with(const char *data, model_work work, void *arg, struct model **out,
                    struct model_error *err);

/*
 * Free the parsed records of model->root once nothing reads them any more
 * (the store has copied them): root keeps only its "source" object, and
 * record_counts still tells how many records each collection had. Returns
 * STRATA_EINVAL for NULL, STRATA_ENOMEM (model unchanged) when memory ran
 * out.
 */
int model_release_tree(struct model *model);

/* An empty model (every field zero) for another loader (a compiled file); model_free frees it. */
struct model *model_new(void);

/*
 * Give model the article text (bytes long, NUL-terminated, malloc'ed: model
 * owns it from here): its length in code points and the offset index that
 * model_byte_offset() reads. STRATA_ENOMEM leaves article owned by model.
 */
int model_adopt_article(struct model *model, char *article, size_t bytes, struct model_error *err);

/*
 * Fill model->article_path from source.article_file (model->root) beside
 * model->model_path, refusing what model_load refuses: an absolute path, a
 * ".." above the model directory, a symbolic link out of it.
 */
int model_locate_article(struct model *model, struct model_error *err);

/* FNV-1a over len bytes, from hash; a model's version is model_hash(model_hash(MODEL_HASH_SEED,
 * model file), article) as 16 hex digits. */
#define MODEL_HASH_SEED UINT64_C(0xcbf29ce484222325)
uint64_t model_hash(uint64_t hash, const void *data, size_t len);

/*
 * The hash of the model file of data (a directory holding model.json, or the
 * file) without parsing it: *hash and the file's path. For the compile cache.
 */
int model_file_hash(const char *data, uint64_t *hash, char *path, size_t path_size,
                    struct model_error *err);

/* Free a model; NULL is a no-op. */
void model_free(struct model *model);

/* Append "FILE: PATH: MESSAGE" (PATH omitted when empty) to out. */
int model_error_format(const struct model_error *err, struct buf *out);

/*
 * Byte offset of code-point offset chars in the article (chars may equal
 * article_chars). Returns (size_t)-1 when chars is out of range.
 */
size_t model_byte_offset(const struct model *model, size_t chars);

/* The collection names of the model, in the article's order of importance. */
extern const char *const model_collections[];
extern const size_t model_collection_count;

#endif
