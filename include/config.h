/*
 * config.h - the daemon's configuration from flags and environment.
 *
 * Every option --foo-bar has an environment variable STRATA_FOO_BAR; a flag
 * wins over the environment, which wins over the default. The option table
 * in config.c is the one source for parsing, --help and the README.
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum log_format { LOG_TEXT, LOG_JSON };

struct config {
    char bind[256];         /* address to listen on */
    unsigned port;          /* 0 = ephemeral */
    char port_file[1024];   /* where to write the bound port, or "" */
    char data[1024];        /* model directory or model JSON file */
    char spec_dir[1024];    /* folder with openapi.yaml, openapi.json and docs */
    unsigned threads;       /* worker threads; 0 = four per core */
    char cors_origin[1024]; /* "*" or a comma list of allowed origins */
    unsigned cache_max_age; /* Cache-Control max-age seconds */
    size_t cache_size;      /* response cache bytes; 0 disables the cache */

    /* the response cache (cache.h): its entry cap, and the size from which bodies use sendfile */
    size_t cache_entries;
    size_t sendfile_min_bytes; /* 0: never */

    enum log_format log_format;
    bool access_log;                 /* one line per request on stderr */
    unsigned max_connections;        /* concurrent connections */
    unsigned max_connections_per_ip; /* from one client address; 0 = no limit */
    unsigned timeout;                /* idle connection timeout, seconds */
    unsigned header_timeout;         /* seconds to receive a whole request head */
    unsigned drain_timeout;          /* seconds to finish in-flight requests on SIGTERM */
    size_t max_url_length;           /* longer request targets get 414 */
    size_t max_header_bytes;         /* larger request headers get 431 */
    size_t max_params;               /* more query parameters get 400 */
    size_t max_response_bytes;       /* a larger body gets 400 response_too_large */
    unsigned request_timeout;        /* ms a request's database work may take; 0: no limit */
    unsigned search_min_prefix;      /* characters a prefix term (abc*) needs before its '*' */
    size_t max_export_rows;          /* rows a limit=all export may stream; more get 400 */
    unsigned export_timeout;         /* seconds a limit=all export may take; then it is cut */
    bool check;                      /* --check: validate the model and exit */
    char export_db[1024];            /* --export-db FILE: write the compiled model and exit */
    bool compile;                    /* --compile: compile into the cache folder and exit */
    char cache_dir[1024]; /* compile cache folder; "" the default (compile.h), "off" none */
};

enum config_result {
    CONFIG_RUN,   /* serve (or check/export) with the parsed configuration */
    CONFIG_EXIT,  /* --help or --version was printed: exit 0 */
    CONFIG_ERROR, /* a bad flag or value: the message is in err, exit 2 */
};

/* Fill cfg with the defaults. */
void config_defaults(struct config *cfg);

/*
 * Apply the environment (getenv) and then argv to cfg. --help and --version
 * print to out. Errors are written to err as one line naming the option, the
 * value and what is allowed.
 */
enum config_result config_parse(struct config *cfg, int argc, char **argv, struct buf *out,
                                struct buf *err);

/* Append the --help text (every option, its variable and default). */
void config_usage(struct buf *out);

#endif
