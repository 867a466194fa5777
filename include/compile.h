/*
 * compile.h - from --data to a served store.
 *
 * --data is a compiled model file (store_open_file: opened read-only, no
 * JSON read), or a model directory / model JSON file. A model is compiled
 * once into a cache folder, to a file named by the hash of its model file
 * (<cache_dir>/<hash>.strata), and served from that file; a later start or
 * reload with the same model file opens it without compiling (after checking
 * that the article still hashes to the recorded model version). Where the
 * cache folder cannot be created or written the model is served from memory,
 * as it is with no cache folder at all. A folder keeps the four newest
 * compiled files; older ones are removed when a new one is written.
 */
#ifndef STRATA_COMPILE_H
#define STRATA_COMPILE_H

#include <stdbool.h>

#include "model.h"

struct store;

/* How a store came to be (for the log). */
enum compile_how {
    COMPILE_FILE,     /* --data is a compiled model file */
    COMPILE_CACHED,   /* opened the cache's file without compiling */
    COMPILE_COMPILED, /* compiled into the cache, served from the new file */
    COMPILE_MEMORY,   /* compiled into memory (no cache folder, or it is not writable) */
};

struct compile_result {
    struct store *store;
    struct model *model;
    enum compile_how how;
    char cache_file[1100]; /* the cache's file (CACHED, COMPILED) or the one not written (MEMORY) */
    char note[300];        /* why MEMORY or why the cached file was compiled again, or "" */
};

/*
 * Open data: cache_dir NULL or "" compiles into memory. full runs every
 * check of a compiled file (--check). On failure err says why.
 */
int compile_open(const char *data, const char *cache_dir, bool full, struct compile_result *out,
                 struct model_error *err);

/*
 * True when data still holds the model current was loaded from (same model
 * file hash and article, or a compiled file of the same version): a reload
 * has nothing to do.
 */
bool compile_unchanged(const char *data, const struct model *current);

/* The default cache folder: $XDG_CACHE_HOME/strata, else $HOME/.cache/strata, else "". */
void compile_default_cache_dir(char *out, size_t size);

#endif
