/*
 * snapshot.h - one loaded model version and everything derived from it.
 *
 * The model is immutable between reloads, so a snapshot bundles the model,
 * its SQLite store and its response cache with a reference count. Requests
 * acquire the current snapshot and release it when their response is sent;
 * a reload publishes a new snapshot atomically and the old one is freed when
 * its last request completes. A bad model never replaces a good one.
 */
#ifndef STRATA_SNAPSHOT_H
#define STRATA_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model.h"

struct store;
struct cache;

struct snapshot {
    struct model *model;      /* owned */
    struct store *store;      /* owned */
    struct cache *cache;      /* owned; NULL when caching is disabled */
    unsigned long generation; /* 1 for the first load, +1 per successful reload */
    time_t loaded_at;         /* Last-Modified */
    char last_modified[40];   /* loaded_at as an HTTP date */
    atomic_long refs;
};

struct snapshot_options {
    size_t cache_max_bytes; /* 0 disables the response cache */
    size_t cache_max_entries;
    size_t cache_file_min_bytes; /* see struct cache_limits */
    const char *cache_dir; /* compile cache folder (compile.h); NULL or "": compile into memory */
    bool full_check;       /* every check of a compiled file (--check) */
};

/*
 * Open data (compile_open: a compiled file, or a model compiled through the
 * cache folder or into memory) and make an empty cache. On success
 * *out holds a snapshot with one reference (the caller's) and 0 is returned.
 * On failure err says why.
 */
int snapshot_create(const char *data, const struct snapshot_options *options,
                    unsigned long generation, struct snapshot **out, struct model_error *err);

/* The snapshot being served with a new reference, or NULL before the first publish. */
struct snapshot *snapshot_acquire(void);

/* Drop a reference; the last one frees the snapshot. NULL is a no-op. */
void snapshot_release(struct snapshot *snap);

/* Make snap the one served (takes over the caller's reference). */
void snapshot_publish(struct snapshot *snap);

/* Unpublish and release the served snapshot (at shutdown). */
void snapshot_retire(void);

#endif
