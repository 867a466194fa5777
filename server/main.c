/*
 * main.c - start, serve, reload and stop.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait(): SIGHUP reloads the model (a bad one is refused and
 * the old one keeps serving), SIGTERM and SIGINT drain and exit 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api_spec.h"
#include "config.h"
#include "error.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "snapshot.h"
#include "store.h"

#define CACHE_MAX_ENTRIES 200000

static void snapshot_options_from(const struct config *cfg, struct snapshot_options *options)
{
    options->cache_max_bytes = cfg->cache_size;
    options->cache_max_entries = CACHE_MAX_ENTRIES;
}

static void report_model_error(const struct model_error *err)
{
    struct buf text;

    buf_init(&text, 8192);
    model_error_format(err, &text);
    log_message(LOG_ERROR, "model rejected: %s", buf_str(&text));
    buf_release(&text);
}

/* --check and --export-db: load, report, exit. */
static int run_offline(const struct config *cfg)
{
    struct snapshot_options options = {0, 0};
    struct model_error err;
    struct snapshot *snap = NULL;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = snapshot_create(cfg->data, &options, 1, &snap, &err);
    if (rc) {
        struct buf text;
        buf_init(&text, 8192);
        model_error_format(&err, &text);
        fprintf(stderr, "strata: %s\n", buf_str(&text));
        buf_release(&text);
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

static void reload(const struct config *cfg, unsigned long *generation)
{
    struct snapshot_options options;
    struct model_error err;
    struct snapshot *snap = NULL;

    memset(&err, 0, sizeof(err));
    snapshot_options_from(cfg, &options);
    if (snapshot_create(cfg->data, &options, *generation + 1, &snap, &err)) {
        metrics_reload(false);
        report_model_error(&err);
        log_message(LOG_WARN, "reload refused; still serving generation %lu", *generation);
        return;
    }
    (*generation)++;
    metrics_reload(true);
    snapshot_publish(snap);
    log_message(LOG_INFO, "reloaded model %s (generation %lu)", snap->model->version, *generation);
}

/* Serve until SIGTERM/SIGINT; returns the exit status. */
static int serve(const struct config *cfg)
{
    struct snapshot_options options;
    struct model_error err;
    struct snapshot *snap = NULL;
    struct http_server *server = NULL;
    unsigned long generation = 1;
    unsigned port = 0;
    sigset_t signals;
    int sig = 0;

    memset(&err, 0, sizeof(err));
    snapshot_options_from(cfg, &options);
    if (snapshot_create(cfg->data, &options, generation, &snap, &err)) {
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
        reload(cfg, &generation);
    }
    log_message(LOG_INFO, "%s: draining in-flight requests (at most %u s)",
                sig == SIGINT ? "SIGINT" : "SIGTERM", cfg->drain_timeout);
    http_begin_drain(server);
    if (!http_wait_idle(server, cfg->drain_timeout))
        log_message(LOG_WARN, "drain timeout: closing connections with requests in flight");
    http_stop(server);
    snapshot_retire();
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
