/*
 * canon.c - canonical requests (see canon.h for the rules), and the rules of
 * the collection routes derived from the catalog.
 */
#include "canon.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "error.h"
#include "query.h"
#include "url.h"

#define CANON_KEY_MAX ((size_t)64 * 1024)

/* ---- rules from the catalog ------------------------------------------------ */

/*
 * limit, offset, q_mode, bom, date_mode (dated collections), then every filter
 * (a filter is an OR list)
 */
struct collection_rules {
    struct canon_param_rule params[5 + 64];
    struct canon_rules rules;
};

static struct collection_rules collection_rules[32];
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;
static const struct canon_rules no_rules = {NULL, 0};
static struct canon_param_rule search_params[3];
static struct canon_rules search_rules = {search_params, 3};

static void build_rules(void)
{
    static char limit_default[24];

    snprintf(limit_default, sizeof(limit_default), "%d", QUERY_LIMIT_DEFAULT);
    for (size_t i = 0; i < catalog_collection_count && i < 32; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        struct collection_rules *r = &collection_rules[i];
        size_t n = 0;
        r->params[n++] = (struct canon_param_rule){"limit", limit_default, false};
        r->params[n++] = (struct canon_param_rule){"offset", "0", false};
        r->params[n++] = (struct canon_param_rule){"q_mode", "plain", false};
        r->params[n++] = (struct canon_param_rule){"bom", "false", false};
        if (c->dates) /* from/to match overlapping events unless date_mode=within */
            r->params[n++] = (struct canon_param_rule){"date_mode", "overlap", false};
        for (size_t f = 0; f < c->filter_count && n < sizeof(r->params) / sizeof(r->params[0]); f++)
            r->params[n++] = (struct canon_param_rule){c->filters[f].name, NULL, true};
        r->rules.params = r->params;
        r->rules.count = n;
    }
    /* /v1/search: the same page defaults and plain search */
    search_params[0] = (struct canon_param_rule){"limit", limit_default, false};
    search_params[1] = (struct canon_param_rule){"offset", "0", false};
    search_params[2] = (struct canon_param_rule){"q_mode", "plain", false};
}

/* The collection a paged list route serves: /v1/<c> or /v1/<parent>/{id}/<c>. */
static const struct catalog_collection *listed_collection(const char *pattern)
{
    const char *last;
    const struct catalog_collection *c;

    if (strncmp(pattern, "/v1/", 4) != 0)
        return NULL;
    last = strrchr(pattern, '/') + 1;
    c = catalog_find(last);
    if (!c)
        return NULL;
    if (last == pattern + 4)
        return c;
    /* /v1/<parent>/{id}/<c> */
    if (last - pattern > 10 && strncmp(last - 6, "/{id}/", 6) == 0)
        return c;
    return NULL;
}

const struct canon_rules *canon_rules_for(const char *pattern)
{
    const struct catalog_collection *c = pattern ? listed_collection(pattern) : NULL;
    size_t index;

    if (pattern && strcmp(pattern, "/v1/search") == 0) {
        pthread_once(&rules_once, build_rules);
        return &search_rules;
    }
    if (!c)
        return &no_rules;
    pthread_once(&rules_once, build_rules);
    index = catalog_index(c);
    return index < 32 ? &collection_rules[index].rules : &no_rules;
}

/* ---- canonical form ---------------------------------------------------------- */

static const struct canon_param_rule *rule_of(const struct canon_rules *rules, const char *name)
{
    for (size_t i = 0; rules && i < rules->count; i++)
        if (strcmp(rules->params[i].name, name) == 0)
            return &rules->params[i];
    return NULL;
}

static size_t occurrences(const struct param *params, size_t count, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < count; i++)
        n += strcmp(params[i].name, name) == 0;
    return n;
}

/* A parameter and where it was sent: the order among equal names is kept. */
struct slot {
    struct param param;
    size_t position;
};

static int by_name(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    int c = strcmp(x->param.name, y->param.name);

    if (c)
        return c;
    return x->position < y->position ? -1 : x->position > y->position;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every value of name merged into one sorted comma list, written at *out
 * (room for the values and their commas). Returns the list, or NULL on ENOMEM.
 */
static char *merge_list(const struct param *params, size_t count, const char *name, char **out)
{
    char *start = *out, *p = start, **items;
    size_t pieces = 0, n = 0;

    for (size_t i = 0; i < count; i++)
        if (strcmp(params[i].name, name) == 0) {
            size_t len = strlen(params[i].value);
            if (p != start)
                *p++ = ',';
            memcpy(p, params[i].value, len);
            p += len;
        }
    *p = '\0';
    for (char *q = start; *q; q++)
        pieces += *q == ',';
    items = malloc((pieces + 1) * sizeof(*items));
    if (!items)
        return NULL;
    for (char *q = start;; q++) {
        items[n++] = q;
        q = strchr(q, ',');
        if (!q)
            break;
        *q = '\0';
    }
    qsort(items, n, sizeof(*items), by_string);
    /* join behind the merged text, then move the result to start */
    {
        char *joined = p + 1, *j = joined;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(items[i]);
            if (i)
                *j++ = ',';
            memcpy(j, items[i], len);
            j += len;
        }
        *j = '\0';
        memmove(start, joined, (size_t)(j - joined) + 1);
        *out = start + (j - joined) + 1;
    }
    free(items);
    return start;
}

/* Keep params[i] in the canonical form? (Only its first occurrence for a merged list.) */
static bool kept(const struct canon_rules *rules, const struct param *params, size_t count,
                 size_t i, enum representation default_format, bool *merge)
{
    const struct param *p = &params[i];
    const struct canon_param_rule *rule = rule_of(rules, p->name);

    *merge = false;
    if (strcmp(p->name, "pretty") == 0)
        return strcmp(p->value, "false") != 0;
    if (strcmp(p->name, "format") == 0)
        return strcmp(p->value, representation_name(default_format)) != 0;
    if (!rule)
        return true;
    if (rule->default_value && strcmp(p->value, rule->default_value) == 0 &&
        occurrences(params, count, p->name) == 1)
        return false;
    if (rule->unordered_list) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[j].name, p->name) == 0)
                return false; /* merged into the first */
        *merge = true;
    }
    return true;
}

static int write_key(struct canon *c, const char *path, enum representation format,
                     const struct slot *slots, size_t n)
{
    struct buf key;
    size_t target_at;

    buf_init(&key, CANON_KEY_MAX);
    buf_puts(&key, representation_name(format));
    buf_putc(&key, ' ');
    target_at = key.len;
    for (const char *segment = path; *segment;) {
        const char *slash = strchr(segment + 1, '/');
        size_t len = slash ? (size_t)(slash - segment) : strlen(segment);
        char part[1024];
        if (*segment == '/') {
            buf_putc(&key, '/');
            segment++;
            len--;
        }
        while (len > 0) {
            size_t take = len < sizeof(part) - 1 ? len : sizeof(part) - 1;
            memcpy(part, segment, take);
            part[take] = '\0';
            url_encode(&key, part);
            segment += take;
            len -= take;
        }
    }
    for (size_t i = 0; i < n; i++) {
        buf_putc(&key, i ? '&' : '?');
        url_encode(&key, slots[i].param.name);
        buf_putc(&key, '=');
        url_encode(&key, slots[i].param.value);
    }
    if (key.failed) {
        buf_release(&key);
        return STRATA_ENOMEM;
    }
    c->key = buf_detach(&key, NULL);
    if (!c->key)
        return STRATA_ENOMEM;
    c->target = c->key + target_at;
    return 0;
}

int canon_build(struct canon *c, const struct canon_rules *rules, const char *path,
                const struct param *params, size_t param_count, enum representation format,
                enum representation default_format, bool pretty)
{
    struct slot *slots;
    size_t n = 0, room = 1;
    char *next;
    int rc;

    (void)pretty; /* pretty=true is a parameter of the canonical target */
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < param_count; i++)
        room += 2 * (strlen(params[i].value) + 1);
    slots = malloc((param_count + 1) * sizeof(*slots));
    c->storage = malloc(2 * room);
    if (!slots || !c->storage)
        goto fail;
    next = c->storage;
    for (size_t i = 0; i < param_count; i++) {
        bool merge;
        if (!kept(rules, params, param_count, i, default_format, &merge))
            continue;
        slots[n].param = params[i];
        slots[n].position = i;
        if (merge &&
            !(slots[n].param.value = merge_list(params, param_count, params[i].name, &next)))
            goto fail;
        n++;
    }
    qsort(slots, n, sizeof(*slots), by_name);
    rc = write_key(c, path, format, slots, n);
    if (rc)
        goto fail;
    c->params = malloc((n + 1) * sizeof(*c->params));
    if (!c->params)
        goto fail;
    for (size_t i = 0; i < n; i++)
        c->params[i] = slots[i].param;
    c->param_count = n;
    free(slots);
    return 0;
fail:
    free(slots);
    canon_release(c);
    return STRATA_ENOMEM;
}

void canon_release(struct canon *c)
{
    free(c->key);
    free(c->params);
    free(c->storage);
    memset(c, 0, sizeof(*c));
}
