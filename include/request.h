/*
 * request.h - what a route handler sees and what it gives back.
 *
 * Handlers never see libmicrohttpd or SQLite: http.c parses the wire request
 * into a struct request (decoded path, decoded query parameters in their
 * order, the negotiated representation, the model snapshot being served) and
 * turns the struct response a handler fills into HTTP (status, ETag, gzip,
 * CORS, caching). A handler either writes a body (res->body, the problem's
 * code left PROBLEM_NONE) or describes a problem with problem_set() (problem.h).
 */
#ifndef STRATA_REQUEST_H
#define STRATA_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "problem.h"

struct snapshot;
struct config;
struct budget;

enum representation {
    REPR_JSON = 0, /* application/json; the default */
    REPR_CSV,      /* text/csv; collections */
    REPR_NDJSON,   /* application/x-ndjson; collections */
    REPR_GEOJSON,  /* application/geo+json; places */
    REPR_YAML,     /* application/yaml; the OpenAPI document */
    REPR_HTML,     /* text/html; the API reference */
    REPR_TEXT,     /* text/plain; metrics */
    REPR_COUNT
};

/* Bit for a representation in a route's `representations` mask. */
#define REPR_BIT(r) (1u << (r))

struct param {
    const char *name;  /* decoded, never NULL */
    const char *value; /* decoded; "" for a bare `?name` */
};

struct request {
    const char *path;            /* decoded path, without the query */
    const char *raw_target;      /* the request target as sent: path?query */
    const char *id;              /* the {id} path segment, or NULL */
    const struct param *params;  /* query parameters, in the order sent */
    size_t param_count;          /* repeated names appear repeatedly */
    enum representation format;  /* negotiated from ?format= or Accept */
    bool pretty;                 /* ?pretty=true */
    struct snapshot *snapshot;   /* the model being served; never NULL in handlers */
    const struct config *config; /* the daemon's flags (limits); NULL in unit tests */
    struct budget *budget;       /* this request's deadline (budget.h); NULL: none */
    bool draining;               /* the server is draining (SIGTERM): /readyz answers 503 */
};

/*
 * A body produced piece by piece after the handler has returned (the
 * limit=all exports, export.h): http.c sends it chunked as the client reads,
 * never caches it, and frees it when the response is done.
 */
struct response_stream {
    /*
     * Append the next piece of the body to out and set *done when it was the
     * last. Returns 0, or an error code (error.h): the body is then cut
     * short (the chunked encoding is not ended, so that the client sees an
     * incomplete answer, never a complete-looking wrong one).
     */
    int (*next)(struct response_stream *stream, struct buf *out, bool *done);
    /* Free the stream and whatever it holds. */
    void (*free)(struct response_stream *stream);
};

struct response {
    struct problem problem;         /* set by problem_set(); code PROBLEM_NONE on success */
    struct response_stream *stream; /* owned: the body comes from it instead of body */
    char disposition[160];          /* Content-Disposition value, "" for none */
    struct buf body;                /* the representation, when there is no problem */
    const char *content_type;       /* static string; NULL means the format's default */
    struct buf link;                /* RFC 8288 Link header value, empty if none */
    long long total_count;          /* X-Total-Count, or -1 */
    bool no_store;                  /* true: dynamic (metrics, health); never cached */
};

/* Prepare a response for a handler (caller storage). */
void response_init(struct response *res);
/* Free what the response owns. */
void response_release(struct response *res);

/* The MIME type of a representation ("application/json; charset=utf-8", ...). */
const char *representation_content_type(enum representation r);
/* The ?format= name of a representation ("json", "csv", ...). */
const char *representation_name(enum representation r);

/* The value of the first parameter called name, or NULL. */
const char *request_param(const struct request *req, const char *name);

#endif
