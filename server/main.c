/*
 * main.c - start, serve, reload and stop.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait(): SIGHUP reloads the model (a bad one is refused and
 * the old one keeps serving), SIGTERM and SIGINT drain and exit 0.
 *
 * A reload runs on a thread of its own, so that the main thread keeps taking
 * signals: SIGTERM during a reload abandons it (the new model is never
 * published, and the process does not wait for the build to finish). At the
 * drain deadline every running statement is cancelled (budget.h); should a
 * request still not let go, a watchdog ends the process one second after
 * the deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api_spec.h"
#include "budget.h"
#include "compile.h"
#include "config.h"
#include "error.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"
#include "store.h"

/* after the drain deadline: how long cancelled requests get to answer */
#define CANCEL_WAIT_MS 300
/* the watchdog fires this long after the drain deadline */
#define WATCHDOG_GRACE_MS 800

static char cache_dir[1024];

static void snapshot_options_from(const struct config *cfg, struct snapshot_options *options)
{
    memset(options, 0, sizeof(*options));
    options->cache_max_bytes = cfg->cache_size;
    options->cache_max_entries = cfg->cache_entries;
    options->cache_file_min_bytes = cfg->sendfile_min_bytes;
    if (strcmp(cfg->cache_dir, "off") == 0)
        cache_dir[0] = '\0';
    else if (cfg->cache_dir[0])
        snprintf(cache_dir, sizeof(cache_dir), "%s", cfg->cache_dir);
    else
        compile_default_cache_dir(cache_dir, sizeof(cache_dir));
    options->cache_dir = cache_dir;
}

static void report_model_error(const struct model_error *err)
{
    struct buf text;

    buf_init(&text, 8192);
    model_error_format(err, &text);
    log_message(LOG_ERROR, "model rejected: %s", buf_str(&text));
    buf_release(&text);
}

/* A refused model on stderr, for the offline modes. */
static void print_model_error(const struct model_error *err)
{
    struct buf text;

    buf_init(&text, 8192);
    model_error_format(err, &text);
    fprintf(stderr, "strata: %s\n", buf_str(&text));
    buf_release(&text);
}

/*
 * --check and --export-db: load, report, exit. Both compile into memory (no
 * cache folder is written); --check runs every check of a compiled file.
 */
static int run_offline(const struct config *cfg)
{
    struct snapshot_options options = {.cache_max_bytes = 0};
    struct model_error err;
    struct snapshot *snap = NULL;
    int rc;

    memset(&err, 0, sizeof(err));
    options.full_check = cfg->check;
    if (cfg->export_db[0] && store_is_file(cfg->data)) {
        fprintf(stderr,
                "strata: --export-db: %s is already a compiled model; copy the file instead\n",
                cfg->data);
        return 1;
    }
    rc = snapshot_create(cfg->data, &options, 1, &snap, &err);
    if (rc) {
        print_model_error(&err);
        return 1;
    }
    if (cfg->export_db[0]) {
        struct store_error store_err = {{0}};
        rc = store_export(snap->store, cfg->export_db, &store_err);
        if (rc)
            fprintf(stderr, "strata: --export-db: cannot write %s: %s\n", cfg->export_db,
                    store_err.message[0] ? store_err.message : strata_strerror(rc));
        else
            printf("exported model %s to %s\n", snap->model->version, cfg->export_db);
    } else {
        printf("model %s is valid: %s\n", snap->model->version, snap->model->model_path);
    }
    snapshot_release(snap);
    return rc ? 1 : 0;
}

/* --compile: what a start would do to --data, then exit (0 only when a compiled file serves). */
static int run_compile(const struct config *cfg)
{
    struct snapshot_options options;
    struct compile_result r;
    struct model_error err;

    snapshot_options_from(cfg, &options);
    if (!options.cache_dir[0]) {
        fprintf(stderr, "strata: --compile: no cache folder (--cache-dir is off, and neither "
                        "XDG_CACHE_HOME nor HOME is set)\n");
        return 1;
    }
    if (compile_open(cfg->data, options.cache_dir, false, &r, &err) != 0) {
        print_model_error(&err);
        return 1;
    }
    if (r.how == COMPILE_MEMORY)
        fprintf(stderr, "strata: --compile: %s\n", r.note);
    else if (r.how == COMPILE_FILE)
        printf("%s is a compiled model already (model %s)\n", cfg->data, r.model->version);
    else
        printf("model %s %s: %s\n", r.model->version,
               r.how == COMPILE_CACHED ? "was compiled already" : "compiled", r.cache_file);
    store_free(r.store);
    model_free(r.model);
    return r.how == COMPILE_MEMORY ? 1 : 0;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[1100];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        log_message(LOG_ERROR, "--port-file: cannot write %s: %s", path, strerror(errno));
        return STRATA_EIO;
    }
    return STRATA_OK;
}

/*
 * The reload thread. lock guards everything below it: a reload publishes
 * its snapshot only if SIGTERM has not abandoned it, and a SIGHUP that comes
 * while one runs makes it reload once more when it is done.
 */
struct reloader {
    const struct config *cfg;
    pthread_mutex_t lock;
    bool running;
    bool pending;
    bool abandoned;
    unsigned long generation;
};

/* Build the model once more and publish it (lock held on entry and on return). */
static void reload_once(struct reloader *r)
{
    struct snapshot_options options;
    struct model_error err;
    struct snapshot *snap = NULL;
    unsigned long generation = r->generation;
    int rc;

    pthread_mutex_unlock(&r->lock);
    memset(&err, 0, sizeof(err));
    snapshot_options_from(r->cfg, &options);
    snap = snapshot_acquire();
    if (snap && compile_unchanged(r->cfg->data, snap->model)) {
        log_message(LOG_INFO, "reload: model %s is unchanged; still serving generation %lu",
                    snap->model->version, generation);
        snapshot_release(snap);
        pthread_mutex_lock(&r->lock);
        return;
    }
    snapshot_release(snap);
    snap = NULL;
    rc = snapshot_create(r->cfg->data, &options, generation + 1, &snap, &err);
    pthread_mutex_lock(&r->lock);
    if (r->abandoned) {
        snapshot_release(snap);
        return;
    }
    if (rc) {
        metrics_reload(false);
        report_model_error(&err);
        log_message(LOG_WARN, "reload refused; still serving generation %lu", r->generation);
        return;
    }
    r->generation++;
    metrics_reload(true);
    log_message(LOG_INFO, "reloaded model %s (generation %lu)", snap->model->version,
                r->generation);
    snapshot_publish(snap);
}

static void *reload_thread(void *arg)
{
    struct reloader *r = arg;

    pthread_mutex_lock(&r->lock);
    do {
        r->pending = false;
        reload_once(r);
    } while (r->pending && !r->abandoned);
    r->running = false;
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* SIGHUP: start a reload, or ask the running one for another. */
static void reload_start(struct reloader *r)
{
    pthread_t thread;
    pthread_attr_t attr;
    bool start;

    pthread_mutex_lock(&r->lock);
    start = !r->running;
    r->running = true;
    r->pending = !start;
    pthread_mutex_unlock(&r->lock);
    log_message(LOG_INFO,
                start ? "SIGHUP: reloading the model from %s"
                      : "SIGHUP: a reload is running; %s is read again after it",
                r->cfg->data);
    if (!start)
        return;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, reload_thread, r) != 0) {
        pthread_mutex_lock(&r->lock);
        r->running = false;
        pthread_mutex_unlock(&r->lock);
        log_message(LOG_ERROR, "SIGHUP: cannot start the reload thread; still serving");
    }
    pthread_attr_destroy(&attr);
}

/* SIGTERM: a running reload will not publish; true when one was running. */
static bool reload_abandon(struct reloader *r)
{
    bool running;

    pthread_mutex_lock(&r->lock);
    r->abandoned = true;
    running = r->running;
    pthread_mutex_unlock(&r->lock);
    if (running)
        log_message(LOG_WARN, "abandoning the reload in progress");
    return running;
}

/*
 * The last resort of SIGTERM: exit one second after the drain deadline
 * (a little before, so that the exit itself fits in the second).
 */
static atomic_bool shutdown_done; /* the server is stopped; only exit() is left */

static void *watchdog_thread(void *arg)
{
    const struct config *cfg = arg;
    struct timespec wait = {(time_t)cfg->drain_timeout, WATCHDOG_GRACE_MS * 1000000L};

    while (nanosleep(&wait, &wait) != 0)
        ;
    if (atomic_load(&shutdown_done))
        return NULL;
    log_message(LOG_WARN, "requests still running 1 s after the drain deadline: exiting now");
    _exit(0);
    return NULL;
}

static void watchdog_start(const struct config *cfg)
{
    pthread_t thread;

    if (pthread_create(&thread, NULL, watchdog_thread, (void *)(uintptr_t)cfg) == 0)
        pthread_detach(thread);
}

/* SIGTERM/SIGINT: stop accepting, let in-flight requests finish, cancel the rest. */
static void drain(const struct config *cfg, struct http_server *server, int sig)
{
    log_message(LOG_INFO, "%s: draining in-flight requests (at most %u s)",
                sig == SIGINT ? "SIGINT" : "SIGTERM", cfg->drain_timeout);
    watchdog_start(cfg);
    http_begin_drain(server);
    if (!http_wait_idle(server, cfg->drain_timeout * 1000)) {
        log_message(LOG_WARN, "drain timeout: cancelling the requests in flight");
        budget_cancel_all();
        if (!http_wait_idle(server, CANCEL_WAIT_MS))
            log_message(LOG_WARN, "closing connections with requests in flight");
    }
}

/* Serve until SIGTERM/SIGINT; returns the exit status. */
static int serve(const struct config *cfg)
{
    struct snapshot_options options;
    struct model_error err;
    struct snapshot *snap = NULL;
    struct http_server *server = NULL;
    static struct reloader reloader = {.lock = PTHREAD_MUTEX_INITIALIZER, .generation = 1};
    unsigned port = 0;
    sigset_t signals;
    int sig = 0;

    memset(&err, 0, sizeof(err));
    snapshot_options_from(cfg, &options);
    reloader.cfg = cfg;
    if (snapshot_create(cfg->data, &options, 1, &snap, &err)) {
        report_model_error(&err);
        return 1;
    }
    snapshot_publish(snap);
    if (api_spec_load(cfg->spec_dir))
        log_message(LOG_WARN, "--spec-dir: %s; /openapi.yaml, /openapi.json and /docs answer 500",
                    api_spec_error());
    if (http_start(cfg, &server, &port)) {
        snapshot_retire();
        return 1;
    }
    if (cfg->port_file[0] && write_port_file(cfg->port_file, port)) {
        http_stop(server);
        snapshot_retire();
        return 1;
    }
    log_message(LOG_INFO, "strata %s serving model %s on %s port %u (cache %s)", STRATA_VERSION,
                snap->model->version, cfg->bind, port, cfg->cache_size ? "on" : "off");
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    for (;;) {
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        reload_start(&reloader);
    }
    reload_abandon(&reloader);
    drain(cfg, server, sig);
    http_stop(server);
    snapshot_retire();
    atomic_store(&shutdown_done, true);
    log_message(LOG_INFO, "stopped");
    return 0;
}

/* Let the connection cap be reached before the descriptor limit. */
static void raise_file_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct buf out, err;
    sigset_t signals;
    enum config_result parsed;

    config_defaults(&cfg);
    buf_init(&out, 0);
    buf_init(&err, 0);
    parsed = config_parse(&cfg, argc, argv, &out, &err);
    fputs(buf_str(&out), stdout);
    if (parsed == CONFIG_ERROR)
        fprintf(stderr, "strata: %s", buf_str(&err));
    buf_release(&out);
    buf_release(&err);
    if (parsed != CONFIG_RUN)
        return parsed == CONFIG_EXIT ? 0 : 2;
    log_set_format(cfg.log_format);
    if (cfg.compile)
        return run_compile(&cfg);
    if (cfg.check || cfg.export_db[0])
        return run_offline(&cfg);
    /* block before any thread starts, so that only sigwait() sees them */
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    raise_file_limit();
    return serve(&cfg);
}
