/*
 * metrics.c - request, latency, cache and reload counters, rendered in the
 * Prometheus text exposition format (version 0.0.4).
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "cache.h"
#include "error.h"
#include "router.h"
#include "snapshot.h"

#define MAX_ROUTES 64

static const int statuses[] = {200, 204, 304, 400, 404, 405, 406, 413, 414, 431, 500, 503};
#define STATUS_COUNT (sizeof(statuses) / sizeof(statuses[0]))

static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                 0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
#define BUCKET_COUNT (sizeof(buckets) / sizeof(buckets[0]))

/* requests[route][status]; the last route row counts unmatched requests, the
 * last status column any status not listed */
static atomic_ulong requests[MAX_ROUTES + 1][STATUS_COUNT + 1];
static atomic_ulong latency_buckets[BUCKET_COUNT];
static atomic_ulong latency_count;
static atomic_ullong latency_sum_ns;
static atomic_ulong cache_hits, cache_misses;
static atomic_ulong reloads_ok, reloads_failed;
static atomic_long connections_open;

static size_t status_index(int status)
{
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (statuses[i] == status)
            return i;
    return STATUS_COUNT;
}

void metrics_request(size_t route_index, int status, double seconds)
{
    size_t row = route_index < MAX_ROUTES && route_index < route_count ? route_index : MAX_ROUTES;

    atomic_fetch_add_explicit(&requests[row][status_index(status)], 1, memory_order_relaxed);
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        if (seconds <= buckets[i])
            atomic_fetch_add_explicit(&latency_buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_ns, (unsigned long long)(seconds * 1e9),
                              memory_order_relaxed);
}

void metrics_cache(bool hit)
{
    atomic_fetch_add_explicit(hit ? &cache_hits : &cache_misses, 1, memory_order_relaxed);
}

void metrics_reload(bool ok)
{
    atomic_fetch_add_explicit(ok ? &reloads_ok : &reloads_failed, 1, memory_order_relaxed);
}

void metrics_connections(long open)
{
    atomic_store_explicit(&connections_open, open, memory_order_relaxed);
}

static void render_requests(struct buf *out)
{
    buf_puts(out, "# HELP strata_http_requests_total HTTP requests answered, by route and "
                  "status.\n# TYPE strata_http_requests_total counter\n");
    for (size_t r = 0; r <= MAX_ROUTES; r++) {
        const char *route = r < route_count && r < MAX_ROUTES ? routes[r].pattern : "unmatched";
        if (r < MAX_ROUTES && r >= route_count)
            continue;
        for (size_t s = 0; s <= STATUS_COUNT; s++) {
            unsigned long n = atomic_load_explicit(&requests[r][s], memory_order_relaxed);
            if (n == 0)
                continue;
            if (s < STATUS_COUNT)
                buf_printf(out, "strata_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                           route, statuses[s], n);
            else
                buf_printf(out, "strata_http_requests_total{route=\"%s\",status=\"other\"} %lu\n",
                           route, n);
        }
    }
}

static void render_latency(struct buf *out)
{
    unsigned long count = atomic_load(&latency_count);

    buf_puts(out, "# HELP strata_http_request_duration_seconds Time from request to response "
                  "queued.\n# TYPE strata_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < BUCKET_COUNT; i++)
        buf_printf(out, "strata_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[i],
                   atomic_load(&latency_buckets[i]));
    buf_printf(out, "strata_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", count);
    buf_printf(out, "strata_http_request_duration_seconds_sum %.9f\n",
               (double)atomic_load(&latency_sum_ns) / 1e9);
    buf_printf(out, "strata_http_request_duration_seconds_count %lu\n", count);
}

static void render_model(struct buf *out, struct snapshot *snap)
{
    buf_puts(out, "# HELP strata_model_records Records in the served model, by collection.\n"
                  "# TYPE strata_model_records gauge\n");
    for (size_t i = 0; snap && i < model_collection_count && i < MODEL_MAX_COLLECTIONS; i++)
        buf_printf(out, "strata_model_records{collection=\"%s\"} %zu\n", model_collections[i],
                   snap->model->record_counts[i]);
    buf_puts(out, "# HELP strata_model_info The served model version.\n"
                  "# TYPE strata_model_info gauge\n");
    if (snap) {
        buf_printf(out, "strata_model_info{version=\"%s\",generation=\"%lu\"} 1\n",
                   snap->model->version, snap->generation);
        buf_printf(out,
                   "# HELP strata_model_loaded_timestamp_seconds When the served model "
                   "was loaded.\n# TYPE strata_model_loaded_timestamp_seconds gauge\n"
                   "strata_model_loaded_timestamp_seconds %lld\n",
                   (long long)snap->loaded_at);
    }
    buf_printf(out,
               "# HELP strata_model_reloads_total Model reloads (SIGHUP), by result.\n"
               "# TYPE strata_model_reloads_total counter\n"
               "strata_model_reloads_total{result=\"success\"} %lu\n"
               "strata_model_reloads_total{result=\"failure\"} %lu\n",
               atomic_load(&reloads_ok), atomic_load(&reloads_failed));
}

static void render_cache(struct buf *out, struct snapshot *snap)
{
    struct cache_stats stats;

    if (snap && snap->cache)
        cache_stats(snap->cache, &stats);
    buf_printf(out,
               "# HELP strata_cache_lookups_total Response cache lookups, by result.\n"
               "# TYPE strata_cache_lookups_total counter\n"
               "strata_cache_lookups_total{result=\"hit\"} %lu\n"
               "strata_cache_lookups_total{result=\"miss\"} %lu\n"
               "# HELP strata_cache_entries Responses held in the cache.\n"
               "# TYPE strata_cache_entries gauge\nstrata_cache_entries %zu\n"
               "# HELP strata_cache_bytes Memory of the cache: entries, keys, bodies (heap and "
               "memfd), tables.\n"
               "# TYPE strata_cache_bytes gauge\nstrata_cache_bytes %zu\n"
               "# HELP strata_cache_evictions_total Entries evicted since the model was loaded.\n"
               "# TYPE strata_cache_evictions_total counter\nstrata_cache_evictions_total %lu\n"
               "# HELP strata_cache_rejected_admissions_total Responses too big to admit "
               "(shared while sent, then freed) since the model was loaded.\n"
               "# TYPE strata_cache_rejected_admissions_total counter\n"
               "strata_cache_rejected_admissions_total %lu\n"
               "# HELP strata_cache_shared_bytes Memory of responses too big to admit, held by "
               "connections sending them.\n"
               "# TYPE strata_cache_shared_bytes gauge\nstrata_cache_shared_bytes %zu\n"
               "# HELP strata_cache_file_entries Entries whose bodies are in a memfd (sendfile).\n"
               "# TYPE strata_cache_file_entries gauge\nstrata_cache_file_entries %zu\n",
               atomic_load(&cache_hits), atomic_load(&cache_misses), stats.entries, stats.bytes,
               stats.evictions, stats.rejected, stats.shared_bytes, stats.file_entries);
}

static void render_process(struct buf *out)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    buf_printf(out,
               "# HELP strata_build_info The running build.\n"
               "# TYPE strata_build_info gauge\nstrata_build_info{version=\"%s\"} 1\n"
               "# HELP strata_connections_open Open client connections.\n"
               "# TYPE strata_connections_open gauge\nstrata_connections_open %ld\n"
               "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
               "# TYPE process_resident_memory_bytes gauge\n"
               "process_resident_memory_bytes %ld\n",
               STRATA_VERSION, atomic_load(&connections_open), resident * sysconf(_SC_PAGESIZE));
}

int metrics_render(struct buf *out, struct snapshot *snap)
{
    render_requests(out);
    render_latency(out);
    render_cache(out, snap);
    render_model(out, snap);
    render_process(out);
    return out->failed ? STRATA_ENOMEM : STRATA_OK;
}
