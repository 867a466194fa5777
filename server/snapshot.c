/*
 * snapshot.c - the served model version, swapped atomically on reload.
 *
 * The current snapshot pointer is guarded by a read-write lock that is held
 * only long enough to take a reference; the reference count decides when an
 * old snapshot (its model, store and cache) is freed.
 */
#include "snapshot.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "compile.h"
#include "error.h"
#include "log.h"
#include "store.h"

static pthread_rwlock_t current_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct snapshot *current;

static void snapshot_free(struct snapshot *snap)
{
    cache_free(snap->cache);
    store_free(snap->store);
    model_free(snap->model);
    free(snap);
}

/* One log line: where the store came from. */
static void snapshot_log(const struct compile_result *r)
{
    switch (r->how) {
    case COMPILE_FILE:
        log_message(LOG_INFO, "opened the compiled model %s (model %s) in %.1f ms",
                    r->model->model_path, r->model->version, store_load_seconds(r->store) * 1e3);
        break;
    case COMPILE_CACHED:
        log_message(LOG_INFO, "opened the cached compile %s of %s (model %s) in %.1f ms",
                    r->cache_file, r->model->model_path, r->model->version,
                    store_load_seconds(r->store) * 1e3);
        break;
    case COMPILE_COMPILED:
        log_message(LOG_INFO, "compiled %s (model %s) into the cache: %s%s%s", r->model->model_path,
                    r->model->version, r->cache_file, r->note[0] ? "; " : "", r->note);
        break;
    case COMPILE_MEMORY:
        if (r->note[0])
            log_message(LOG_WARN, "compiled %s (model %s) into memory: %s", r->model->model_path,
                        r->model->version, r->note);
        break;
    }
}

int snapshot_create(const char *data, const struct snapshot_options *options,
                    unsigned long generation, struct snapshot **out, struct model_error *err)
{
    struct snapshot *snap = calloc(1, sizeof(*snap));
    struct compile_result opened;
    struct tm tm;
    int rc;

    if (!snap) {
        snprintf(err->message, sizeof(err->message), "out of memory creating a snapshot");
        return STRATA_ENOMEM;
    }
    rc = compile_open(data, options ? options->cache_dir : NULL, options && options->full_check,
                      &opened, err);
    snap->model = opened.model;
    snap->store = opened.store;
    if (rc)
        goto fail;
    snapshot_log(&opened);
    if (options && options->cache_max_bytes > 0) {
        struct cache_limits limits = {
            .max_bytes = options->cache_max_bytes,
            .max_entries = options->cache_max_entries,
            .file_min_bytes = options->cache_file_min_bytes,
        };
        snap->cache = cache_new(&limits);
        if (!snap->cache) {
            snprintf(err->message, sizeof(err->message),
                     "cannot create the cache (out of memory, or --cache-size too small for "
                     "the tables of --cache-entries)");
            rc = STRATA_ENOMEM;
            goto fail;
        }
    }
    snap->generation = generation;
    snap->loaded_at = time(NULL);
    gmtime_r(&snap->loaded_at, &tm);
    strftime(snap->last_modified, sizeof(snap->last_modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    atomic_init(&snap->refs, 1);
    *out = snap;
    return STRATA_OK;

fail:
    snapshot_free(snap);
    return rc;
}

struct snapshot *snapshot_acquire(void)
{
    struct snapshot *snap;

    pthread_rwlock_rdlock(&current_lock);
    snap = current;
    if (snap)
        atomic_fetch_add(&snap->refs, 1);
    pthread_rwlock_unlock(&current_lock);
    return snap;
}

void snapshot_release(struct snapshot *snap)
{
    if (snap && atomic_fetch_sub(&snap->refs, 1) == 1)
        snapshot_free(snap);
}

void snapshot_publish(struct snapshot *snap)
{
    struct snapshot *old;

    pthread_rwlock_wrlock(&current_lock);
    old = current;
    current = snap;
    pthread_rwlock_unlock(&current_lock);
    snapshot_release(old);
}

void snapshot_retire(void)
{
    snapshot_publish(NULL);
}
