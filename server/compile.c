/*
 * compile.c - from --data to a served store (see compile.h).
 */
#include "compile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "store.h"

/* compiled files a cache folder keeps (the newest), of at most this many looked at */
#define COMPILE_CACHE_KEEP 4
#define COMPILE_CACHE_SCAN 256

/* The version data would have: model_hash(file hash, the article at path). false: unreadable. */
static bool version_of(uint64_t file_hash, const char *path, char version[17])
{
    char chunk[65536];
    uint64_t hash = file_hash;
    struct stat st;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    while ((got = read(fd, chunk, sizeof(chunk))) > 0)
        hash = model_hash(hash, chunk, (size_t)got);
    close(fd);
    snprintf(version, 17, "%016llx", (unsigned long long)hash);
    return got == 0;
}

/* The cache's file for data, if it is there and still data's model. */
static bool open_cached(const char *cache_file, uint64_t file_hash, const char *model_path,
                        struct compile_result *out)
{
    struct model_error err;
    char version[17];

    if (access(cache_file, F_OK) != 0)
        return false;
    if (store_open_file(cache_file, false, &out->store, &out->model, &err) != 0) {
        snprintf(out->note, sizeof(out->note), "the cached file was refused (%.200s)", err.message);
        return false;
    }
    /* the model file is the one compiled; its article must still be the one compiled too */
    snprintf(out->model->model_path, sizeof(out->model->model_path), "%s", model_path);
    if (out->model->file_hash != file_hash)
        snprintf(out->note, sizeof(out->note), "the cached file is of another model");
    else if (model_locate_article(out->model, &err) != 0)
        snprintf(out->note, sizeof(out->note), "the article is not where the model says");
    else if (!version_of(file_hash, out->model->article_path, version) ||
             strcmp(version, out->model->version) != 0)
        snprintf(out->note, sizeof(out->note), "the cached file is stale (the article changed)");
    else
        return true;
    store_free(out->store);
    model_free(out->model);
    out->store = NULL;
    out->model = NULL;
    return false;
}

static int build_store(const struct model *model, void *arg, struct model_error *err)
{
    return store_open(model, (struct store **)arg, err);
}

/* Load and validate the JSON, build the store in memory. */
static int compile_memory(const char *data, struct compile_result *out, struct model_error *err)
{
    int rc = model_load_with(data, build_store, &out->store, &out->model, err);

    if (rc) {
        store_free(out->store);
        out->store = NULL;
        return rc;
    }
    /*
     * The store holds its own copy of every record: keep only what the
     * handlers read (source, the counts) and give the parsed tree's pages
     * back to the system, so that a large model does not stay resident twice.
     */
    rc = model_release_tree(out->model);
    if (rc)
        snprintf(err->message, sizeof(err->message), "out of memory releasing the model tree");
    malloc_trim(0);
    return rc;
}

/* mkdir -p of the cache folder (0700: it is one user's cache). */
static int make_dirs(const char *dir)
{
    char path[1024];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(path))
        return -1;
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* A file the cache wrote: 16 hex digits and ".strata". */
static bool is_cache_name(const char *name)
{
    return strlen(name) == 16 + strlen(".strata") && strspn(name, "0123456789abcdef") == 16 &&
           strcmp(name + 16, ".strata") == 0;
}

/*
 * Keep the COMPILE_CACHE_KEEP newest compiled files of the folder (by
 * modification time), so that a cache folder does not grow with every model
 * ever served. A process still serving a removed file keeps its open file.
 */
static void prune_cache(const char *cache_dir)
{
    struct {
        char name[32];
        time_t mtime;
    } files[COMPILE_CACHE_SCAN];
    size_t count = 0;
    struct dirent *e;
    DIR *dir = opendir(cache_dir);
    char path[1200];

    while (dir && (e = readdir(dir)) != NULL && count < COMPILE_CACHE_SCAN) {
        struct stat st;
        if (!is_cache_name(e->d_name))
            continue;
        snprintf(path, sizeof(path), "%.1100s/%.32s", cache_dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        snprintf(files[count].name, sizeof(files[count].name), "%s", e->d_name);
        files[count++].mtime = st.st_mtime;
    }
    if (dir)
        closedir(dir);
    while (count > COMPILE_CACHE_KEEP) {
        size_t oldest = 0;
        for (size_t i = 1; i < count; i++)
            if (files[i].mtime < files[oldest].mtime)
                oldest = i;
        snprintf(path, sizeof(path), "%.1100s/%.31s", cache_dir, files[oldest].name);
        unlink(path);
        files[oldest] = files[--count];
    }
}

/* Write the memory store to the cache and serve the file instead; false keeps memory. */
static bool write_cache(const char *cache_dir, struct compile_result *out)
{
    struct store_error error = {{0}};
    struct model_error err;
    struct store *store = NULL;
    struct model *model = NULL;

    if (make_dirs(cache_dir) != 0) {
        snprintf(out->note, sizeof(out->note), "cannot create the cache folder %.200s: %s",
                 cache_dir, strerror(errno));
        return false;
    }
    if (store_export(out->store, out->cache_file, &error) != 0) {
        snprintf(out->note, sizeof(out->note), "cannot write %.150s: %.120s", out->cache_file,
                 error.message);
        return false;
    }
    if (store_open_file(out->cache_file, false, &store, &model, &err) != 0) {
        snprintf(out->note, sizeof(out->note), "the new cached file was refused (%.200s)",
                 err.message);
        return false;
    }
    snprintf(model->model_path, sizeof(model->model_path), "%s", out->model->model_path);
    snprintf(model->article_path, sizeof(model->article_path), "%s", out->model->article_path);
    store_free(out->store);
    model_free(out->model);
    out->store = store;
    out->model = model;
    malloc_trim(0); /* the compile's memory goes back to the system: the file serves now */
    prune_cache(cache_dir);
    return true;
}

int compile_open(const char *data, const char *cache_dir, bool full, struct compile_result *out,
                 struct model_error *err)
{
    char model_path[sizeof(((struct model *)0)->model_path)];
    uint64_t file_hash = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    if (data && store_is_file(data)) {
        out->how = COMPILE_FILE;
        return store_open_file(data, full, &out->store, &out->model, err);
    }
    if (cache_dir && cache_dir[0]) {
        rc = model_file_hash(data, &file_hash, model_path, sizeof(model_path), err);
        if (rc)
            return rc;
        snprintf(out->cache_file, sizeof(out->cache_file), "%s/%016llx.strata", cache_dir,
                 (unsigned long long)file_hash);
        if (open_cached(out->cache_file, file_hash, model_path, out)) {
            out->how = COMPILE_CACHED;
            return 0;
        }
    }
    rc = compile_memory(data, out, err);
    if (rc)
        return rc;
    out->how = COMPILE_MEMORY;
    if (cache_dir && cache_dir[0] && write_cache(cache_dir, out))
        out->how = COMPILE_COMPILED;
    return 0;
}

bool compile_unchanged(const char *data, const struct model *current)
{
    struct model_error err;
    char model_path[sizeof(((struct model *)0)->model_path)], version[17];
    struct model *located;
    uint64_t file_hash;
    bool same;

    if (!current || !data)
        return false;
    if (store_is_file(data)) {
        struct store *store = NULL;
        struct model *model = NULL;
        same = store_open_file(data, false, &store, &model, &err) == 0 &&
               strcmp(model->version, current->version) == 0;
        store_free(store);
        model_free(model);
        return same;
    }
    if (model_file_hash(data, &file_hash, model_path, sizeof(model_path), &err) != 0 ||
        file_hash != current->file_hash)
        return false;
    /* the same model file: is its article still inside the folder, and the same? */
    located = model_new();
    if (!located)
        return false;
    located->root = cJSON_Duplicate(current->root, true);
    snprintf(located->model_path, sizeof(located->model_path), "%s", model_path);
    same = located->root && model_locate_article(located, &err) == 0 &&
           version_of(file_hash, located->article_path, version) &&
           strcmp(version, current->version) == 0;
    model_free(located);
    return same;
}

void compile_default_cache_dir(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0] == '/')
        snprintf(out, size, "%s/strata", xdg);
    else if (home && home[0] == '/')
        snprintf(out, size, "%s/.cache/strata", home);
    else
        snprintf(out, size, "%s", "");
}
