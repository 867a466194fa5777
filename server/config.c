/*
 * config.c - parse flags and environment variables through one option table.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_text.h"

enum option_kind { OPT_STRING, OPT_UINT, OPT_SIZE, OPT_BOOL, OPT_FLAG, OPT_LOG_FORMAT };

struct option {
    const char *name; /* without the leading -- */
    enum option_kind kind;
    size_t offset; /* into struct config */
    size_t size;   /* of the field, for strings */
    unsigned long long min, max;
    const char *value_name;
    const char *help;
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct option options[] = {
    {"bind", OPT_STRING, FIELD(bind), 0, 0, "ADDR", "address to listen on (IPv4 or IPv6)"},
    {"port", OPT_UINT, FIELD(port), 0, 65535, "N", "TCP port; 0 picks a free one"},
    {"port-file", OPT_STRING, FIELD(port_file), 0, 0, "FILE", "write the bound port here"},
    {"data", OPT_STRING, FIELD(data), 0, 0, "PATH", "model directory or model JSON file"},
    {"spec-dir", OPT_STRING, FIELD(spec_dir), 0, 0, "DIR",
     "folder with openapi.yaml, openapi.json and the API reference"},
    {"threads", OPT_UINT, FIELD(threads), 0, 256, "N", "worker threads; 0 = four per core"},
    {"cors-origin", OPT_STRING, FIELD(cors_origin), 0, 0, "LIST",
     "allowed CORS origins: * or a comma list"},
    {"cache-max-age", OPT_UINT, FIELD(cache_max_age), 0, 31536000, "SECONDS",
     "Cache-Control max-age of successful responses"},
    {"cache-size", OPT_SIZE, FIELD(cache_size), 0, (unsigned long long)1 << 40, "BYTES",
     "response cache memory budget (keys and overhead counted); 0 disables the cache"},
    {"cache-entries", OPT_SIZE, FIELD(cache_entries), 16, 10000000, "N",
     "most responses the cache holds"},
    {"sendfile-min-bytes", OPT_SIZE, FIELD(sendfile_min_bytes), 0, (unsigned long long)1 << 40,
     "BYTES", "cached bodies this long are kept in a memfd and sent with sendfile; 0: never"},
    {"log-format", OPT_LOG_FORMAT, FIELD(log_format), 0, 0, "text|json", "log line format"},
    {"access-log", OPT_BOOL, FIELD(access_log), 0, 1, "true|false", "one stderr line per request"},
    {"max-connections", OPT_UINT, FIELD(max_connections), 1, 1000000, "N",
     "concurrent connections; more are refused"},
    {"max-connections-per-ip", OPT_UINT, FIELD(max_connections_per_ip), 0, 1000000, "N",
     "concurrent connections from one client address; more are refused; 0 = no limit"},
    {"timeout", OPT_UINT, FIELD(timeout), 1, 86400, "SECONDS", "idle connection timeout"},
    {"header-timeout", OPT_UINT, FIELD(header_timeout), 1, 86400, "SECONDS",
     "time to receive a whole request head, however slowly it trickles in"},
    {"drain-timeout", OPT_UINT, FIELD(drain_timeout), 0, 3600, "SECONDS",
     "time to finish in-flight requests on SIGTERM"},
    {"max-url-length", OPT_SIZE, FIELD(max_url_length), 64, 65536, "BYTES",
     "longer request targets get 414"},
    {"max-header-bytes", OPT_SIZE, FIELD(max_header_bytes), 256, 65536, "BYTES",
     "larger request headers get 431"},
    {"max-params", OPT_SIZE, FIELD(max_params), 1, 10000, "N", "more query parameters get 400"},
    {"max-response-bytes", OPT_SIZE, FIELD(max_response_bytes), 16384, (unsigned long long)1 << 30,
     "BYTES", "a larger response body is refused with 400 response_too_large"},
    {"request-timeout", OPT_UINT, FIELD(request_timeout), 0, 3600000, "MS",
     "time a request may spend in the database; 0 = no limit"},
    {"search-min-prefix", OPT_UINT, FIELD(search_min_prefix), 1, 64, "N",
     "letters a full-text prefix (abc*) needs before the *"},
    {"max-export-rows", OPT_SIZE, FIELD(max_export_rows), 1, (unsigned long long)1 << 40, "N",
     "rows a limit=all export may stream; a larger export is refused with 400"},
    {"export-timeout", OPT_UINT, FIELD(export_timeout), 1, 86400, "SECONDS",
     "time a limit=all export may take; a longer one is cut (the chunked body never ends)"},
    {"check", OPT_FLAG, FIELD(check), 0, 1, NULL, "validate the model, print the result, exit"},
    {"export-db", OPT_STRING, FIELD(export_db), 0, 0, "FILE",
     "compile the model into a SQLite file (serve it with --data FILE) and exit"},
    {"compile", OPT_FLAG, FIELD(compile), 0, 1, NULL,
     "compile the model into --cache-dir (what a start would open) and exit"},
    {"cache-dir", OPT_STRING, FIELD(cache_dir), 0, 0, "DIR",
     "where a model directory is compiled once (default $XDG_CACHE_HOME/strata, else "
     "~/.cache/strata); off: compile into memory at every start"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->bind, sizeof(cfg->bind), "127.0.0.1");
    cfg->port = 8080;
    snprintf(cfg->data, sizeof(cfg->data), "data");
    snprintf(cfg->spec_dir, sizeof(cfg->spec_dir), "api-spec");
    snprintf(cfg->cors_origin, sizeof(cfg->cors_origin), "*");
    cfg->cache_max_age = 60;
    cfg->cache_size = (size_t)64 << 20;
    cfg->cache_entries = 65536;
    cfg->sendfile_min_bytes = 65536;
    cfg->log_format = LOG_TEXT;
    cfg->access_log = true;
    cfg->max_connections = 4096;
    cfg->max_connections_per_ip = 256;
    cfg->timeout = 30;
    cfg->header_timeout = 10;
    cfg->drain_timeout = 10;
    cfg->max_url_length = 8192;
    cfg->max_header_bytes = 16384;
    cfg->max_params = 64;
    cfg->max_response_bytes = (size_t)16 << 20;
    cfg->request_timeout = 300;
    cfg->search_min_prefix = SEARCH_MIN_PREFIX_DEFAULT;
    cfg->max_export_rows = 1000000;
    cfg->export_timeout = 300;
}

/* "cache-max-age" -> "STRATA_CACHE_MAX_AGE" */
static void env_name(const char *option, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "STRATA_");
    for (const char *p = option; *p && n + 1 < size; p++)
        out[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    out[n] = '\0';
}

static int parse_number(const char *value, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (!value[0] || value[0] == '-' || value[0] == '+' || value[0] == ' ')
        return -1;
    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Store value into the field of opt; on failure write a message naming source. */
static int apply(struct config *cfg, const struct option *opt, const char *value,
                 const char *source, struct buf *err)
{
    char *field = (char *)cfg + opt->offset;
    unsigned long long n;

    switch (opt->kind) {
    case OPT_STRING:
        if (strlen(value) >= opt->size) {
            buf_printf(err, "%s: value is %zu bytes long; expected at most %zu\n", source,
                       strlen(value), opt->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case OPT_UINT:
    case OPT_SIZE:
        if (parse_number(value, &n) || n < opt->min || n > opt->max) {
            buf_printf(err, "%s: invalid value '%s'; expected a whole number from %llu to %llu\n",
                       source, value, opt->min, opt->max);
            return -1;
        }
        if (opt->kind == OPT_UINT)
            *(unsigned *)(void *)field = (unsigned)n;
        else
            *(size_t *)(void *)field = (size_t)n;
        return 0;
    case OPT_BOOL:
    case OPT_FLAG:
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0) {
            *(bool *)(void *)field = true;
        } else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0) {
            *(bool *)(void *)field = false;
        } else {
            buf_printf(err, "%s: invalid value '%s'; expected true or false\n", source, value);
            return -1;
        }
        return 0;
    case OPT_LOG_FORMAT:
        if (strcmp(value, "text") == 0) {
            cfg->log_format = LOG_TEXT;
        } else if (strcmp(value, "json") == 0) {
            cfg->log_format = LOG_JSON;
        } else {
            buf_printf(err, "%s: invalid value '%s'; expected text or json\n", source, value);
            return -1;
        }
        return 0;
    }
    return -1;
}

static const struct option *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static int apply_environment(struct config *cfg, struct buf *err)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char name[64];
        const char *value;

        env_name(options[i].name, name, sizeof(name));
        value = getenv(name);
        if (value && apply(cfg, &options[i], value, name, err))
            return -1;
    }
    return 0;
}

void config_usage(struct buf *out)
{
    buf_puts(out, "usage: strata [OPTION]...\n"
                  "Serve the Strata article model as a read-only JSON API.\n\n"
                  "Every option --foo-bar can also be set by the environment variable\n"
                  "STRATA_FOO_BAR; a flag wins over the environment.\n\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char env[64], left[64];
        const struct option *o = &options[i];

        env_name(o->name, env, sizeof(env));
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->value_name ? " " : "",
                 o->value_name ? o->value_name : "");
        buf_printf(out, "  %-30s %s\n  %-30s (env %s)\n", left, o->help, "", env);
    }
    buf_puts(out, "  --help                         print this help and exit\n"
                  "  --version                      print the version and exit\n\n"
                  "Signals: SIGHUP reloads the model (a bad model is refused and the old one\n"
                  "keeps serving); SIGTERM and SIGINT finish in-flight requests and exit 0.\n");
}

enum config_result config_parse(struct config *cfg, int argc, char **argv, struct buf *out,
                                struct buf *err)
{
    if (apply_environment(cfg, err))
        return CONFIG_ERROR;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq, *value;
        const struct option *opt;
        char source[96];

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config_usage(out);
            return CONFIG_EXIT;
        }
        if (strcmp(arg, "--version") == 0) {
            buf_printf(out, "strata %s\n", STRATA_VERSION);
            return CONFIG_EXIT;
        }
        if (strncmp(arg, "--", 2) != 0) {
            buf_printf(err, "unexpected argument '%s'; expected options (see --help)\n", arg);
            return CONFIG_ERROR;
        }
        eq = strchr(arg + 2, '=');
        opt = find_option(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
        if (!opt) {
            buf_printf(err, "unknown option '%s' (see --help)\n", arg);
            return CONFIG_ERROR;
        }
        snprintf(source, sizeof(source), "--%s", opt->name);
        if (eq) {
            value = eq + 1;
        } else if (opt->kind == OPT_FLAG) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            buf_printf(err, "%s: missing value; expected %s\n", source, opt->value_name);
            return CONFIG_ERROR;
        }
        if (apply(cfg, opt, value, source, err))
            return CONFIG_ERROR;
    }
    return CONFIG_RUN;
}
