/*
 * fake_request.h - header-only test helper: a struct request from a plain
 * "a=1&b=2" query (no decoding: the tests use plain values), for the unit
 * tests of the parameter parsers (test_query, test_params).
 */
#ifndef STRATA_TEST_FAKE_REQUEST_H
#define STRATA_TEST_FAKE_REQUEST_H

#include <stdio.h>
#include <string.h>

#include "request.h"

/* A request from "a=1&b=2" (no decoding: the tests use plain values). */
struct fake {
    struct request req;
    struct param params[80];
    char text[4096];
};

static inline void fake_init(struct fake *f, const char *query)
{
    char *p;
    memset(f, 0, sizeof(*f));
    snprintf(f->text, sizeof(f->text), "%s", query);
    f->req.path = "/v1/test";
    f->req.params = f->params;
    p = f->text;
    while (*p) {
        char *amp = strchr(p, '&'), *eq;
        if (amp)
            *amp = '\0';
        eq = strchr(p, '=');
        f->params[f->req.param_count].name = p;
        f->params[f->req.param_count].value = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        f->req.param_count++;
        if (!amp)
            break;
        p = amp + 1;
    }
}

#endif
