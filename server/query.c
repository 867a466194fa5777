/*
 * query.c - validate the query parameters of a request against the catalog.
 *
 * Every parameter is looked at; each one at fault adds an entry to the
 * problem (parameter, value, what is allowed), so a client learns about all
 * its mistakes at once. The first mistake sets the problem's code and detail.
 */
#include "query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "params.h"
#include "search_text.h"

#define ID_MAX 200

/* A slug: lower-case letters and digits in groups joined by single hyphens. */
static bool is_id(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > ID_MAX || s[0] == '-' || s[len - 1] == '-' || strstr(s, "--"))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

void query_init(struct query *q, const struct catalog_collection *c)
{
    memset(q, 0, sizeof(*q));
    q->collection = c;
    q->limit = QUERY_LIMIT_DEFAULT;
}

void query_release(struct query *q)
{
    if (!q)
        return;
    free(q->storage);
    q->storage = NULL;
    free(q->text_expression);
    q->text_expression = NULL;
}

int query_add_filter(struct query *q, const char *filter, const char *value)
{
    const struct catalog_filter *f = catalog_filter_find(q->collection, filter);
    if (!f || !value || q->filter_count >= QUERY_MAX_FILTERS)
        return STRATA_EINVAL;
    q->filters[q->filter_count].filter = f;
    q->filters[q->filter_count].values[0] = value;
    q->filters[q->filter_count].value_count = 1;
    q->filter_count++;
    return 0;
}

bool query_keeps_field(const struct query *q, const char *field)
{
    if (q->field_count == 0)
        return true;
    for (size_t i = 0; i < q->field_count; i++)
        if (strcmp(q->fields[i]->name, field) == 0)
            return true;
    return false;
}

bool query_keeps_key(const struct query *q, const char *field, const char *key)
{
    if (q->field_count == 0)
        return true;
    for (size_t i = 0; i < q->field_count; i++) {
        if (strcmp(q->fields[i]->name, field) != 0)
            continue;
        if (!q->field_keys[i][0])
            return true;
        for (size_t k = 0; k < 8 && q->field_keys[i][k]; k++)
            if (strcmp(q->field_keys[i][k], key) == 0)
                return true;
        return false;
    }
    return false;
}

/* The names a collection route takes, for the unknown_parameter message. */
static void allowed_names(const struct catalog_collection *c, unsigned flags, struct buf *out)
{
    for (size_t i = 0; i < c->filter_count; i++)
        buf_printf(out, "%s%s", i ? ", " : "", c->filters[i].name);
    if (c->dates)
        buf_puts(out, ", from, to, date_mode");
    for (size_t i = 0; catalog_common_parameters[i]; i++) {
        const char *name = catalog_common_parameters[i];
        if (!(flags & QUERY_PAGED) && (strcmp(name, "sort") == 0 || strcmp(name, "limit") == 0 ||
                                       strcmp(name, "offset") == 0 || strcmp(name, "bom") == 0))
            continue;
        if ((flags & QUERY_NO_TEXT) && (strcmp(name, "q") == 0 || strcmp(name, "q_mode") == 0))
            continue;
        buf_printf(out, ", %s", name);
    }
}

/* How an id filter value must look and what it must name. */
static void check_id(struct query_filter *f, const char *value, const struct query_ids *ids,
                     struct problem *problem)
{
    const char *const *wanted = f->filter->collections;
    const char *type = NULL;
    char hint[160] = "";
    struct buf list;

    /* the first bad id of a request only: one bounded lookup (forgive.h) per request */
    if (problem->code == PROBLEM_NONE && ids && ids->suggest && wanted &&
        (!is_id(value) || !ids->collection_of(ids->context, value))) {
        char id[128];
        if (ids->suggest(ids->context, wanted, value, id, sizeof(id)))
            snprintf(hint, sizeof(hint), "; did you mean %s", id);
    }
    if (!is_id(value)) {
        params_fail(problem, PROBLEM_INVALID_PARAMETER, f->filter->name, value,
                    "must be a record id (lower-case letters and digits in groups joined by "
                    "single hyphens)%s",
                    hint);
        return;
    }
    if (!ids || !ids->collection_of || !wanted)
        return;
    buf_init(&list, PROBLEM_REASON_MAX);
    params_join_list(&list, wanted);
    type = ids->collection_of(ids->context, value);
    if (!type)
        params_fail(problem, PROBLEM_INVALID_PARAMETER, f->filter->name, value,
                    "no record has this id%s; expected the id of one of: %s", hint, buf_str(&list));
    else if (!params_in_list(wanted, type))
        params_fail(problem, PROBLEM_INVALID_PARAMETER, f->filter->name, value,
                    "names a record of %s; expected the id of one of: %s", type, buf_str(&list));
    buf_release(&list);
}

static void check_value(struct query_filter *f, const char *value, const struct query_ids *ids,
                        struct problem *problem)
{
    const struct catalog_filter *filter = f->filter;
    long long number;
    struct buf list;

    switch (filter->value) {
    case CATALOG_VALUE_ENUM:
        if (!params_in_list(filter->values, value)) {
            buf_init(&list, PROBLEM_REASON_MAX);
            params_join_list(&list, filter->values);
            params_fail(problem, PROBLEM_INVALID_PARAMETER, filter->name, value,
                        "must be one of: %s", buf_str(&list));
            buf_release(&list);
        }
        break;
    case CATALOG_VALUE_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            params_fail(problem, PROBLEM_INVALID_PARAMETER, filter->name, value,
                        "must be true or false");
        break;
    case CATALOG_VALUE_INTEGER:
        params_integer(filter->name, value, filter->minimum, filter->maximum, &number, problem);
        break;
    case CATALOG_VALUE_ID:
        check_id(f, value, ids, problem);
        break;
    }
}

/* Split a list value in place; reports empty items. Returns the item count. */
static size_t split(char *value, const char *name, const char *original, char **items, size_t max,
                    struct problem *problem)
{
    size_t n = 0;
    char *p = value;

    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0') {
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, original,
                        "an empty item in the list");
            return 0;
        }
        if (n == max) {
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, original, "at most %zu values",
                        max);
            return 0;
        }
        items[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

static struct query_filter *filter_slot(struct query *q, const struct catalog_filter *filter)
{
    for (size_t i = 0; i < q->filter_count; i++)
        if (q->filters[i].filter == filter)
            return &q->filters[i];
    if (q->filter_count == QUERY_MAX_FILTERS)
        return NULL;
    q->filters[q->filter_count].filter = filter;
    q->filters[q->filter_count].value_count = 0;
    return &q->filters[q->filter_count++];
}

static void parse_sort(struct query *q, char **items, size_t n, const char *original,
                       struct problem *problem)
{
    const struct catalog_collection *c = q->collection;
    for (size_t i = 0; i < n; i++) {
        bool descending = items[i][0] == '-';
        const char *name = items[i] + (descending ? 1 : 0);
        const struct catalog_sort *sort = catalog_sort_find(c, name);
        if (!sort) {
            struct buf list;
            buf_init(&list, PROBLEM_REASON_MAX);
            for (size_t k = 0; k < c->sort_count; k++)
                buf_printf(&list, "%s%s", k ? ", " : "", c->sorts[k].name);
            params_fail(problem, PROBLEM_INVALID_PARAMETER, "sort", original,
                        "unknown sort key '%s'; allowed: %s (prefix - for descending)", name,
                        buf_str(&list));
            buf_release(&list);
            continue;
        }
        for (size_t k = 0; k < q->sort_count; k++)
            if (q->sorts[k].sort == sort) {
                params_fail(problem, PROBLEM_INVALID_PARAMETER, "sort", original,
                            "sort key '%s' is given twice", name);
                sort = NULL;
                break;
            }
        if (!sort)
            continue;
        if (q->sort_count == QUERY_MAX_SORTS) {
            params_fail(problem, PROBLEM_INVALID_PARAMETER, "sort", original,
                        "at most %d sort keys", QUERY_MAX_SORTS);
            return;
        }
        q->sorts[q->sort_count].sort = sort;
        q->sorts[q->sort_count].descending = descending;
        q->sort_count++;
    }
}

/* The field of c called name, or for `field.key` its object field and *key. */
static const struct catalog_field *field_of(const struct catalog_collection *c, char *name,
                                            const char **key)
{
    const struct catalog_field *field = catalog_field_find(c, name);
    char *dot = strchr(name, '.');

    *key = NULL;
    if (field || !dot)
        return field;
    *dot = '\0';
    field = catalog_field_find(c, name);
    *dot = '.';
    for (size_t k = 0; field && field->subfields && field->subfields[k]; k++)
        if (strcmp(field->subfields[k], dot + 1) == 0) {
            *key = field->subfields[k];
            return field;
        }
    return NULL;
}

/* Keep key of q->fields[i] too (NULL: the whole field, which wins over keys). */
static void keep_key(struct query *q, size_t i, const char *key, bool added)
{
    size_t k = 0;

    if (!key) {
        q->field_keys[i][0] = NULL;
        return;
    }
    if (!added && !q->field_keys[i][0])
        return; /* already whole */
    while (k < 7 && q->field_keys[i][k] && q->field_keys[i][k] != key)
        k++;
    q->field_keys[i][k] = key;
}

static void parse_fields(struct query *q, char **items, size_t n, const char *original,
                         struct problem *problem)
{
    const struct catalog_collection *c = q->collection;
    for (size_t i = 0; i < n; i++) {
        const char *key;
        const struct catalog_field *field = field_of(c, items[i], &key);
        size_t at = q->field_count;
        if (!field) {
            struct buf list;
            buf_init(&list, PROBLEM_REASON_MAX);
            for (size_t k = 0; k < c->field_count; k++)
                buf_printf(&list, "%s%s", k ? ", " : "", c->fields[k].name);
            params_fail(problem, PROBLEM_INVALID_PARAMETER, "fields", original,
                        "unknown field '%s' (an object field's keys are field.key, like the CSV "
                        "columns); allowed: %s",
                        items[i], buf_str(&list));
            buf_release(&list);
            continue;
        }
        for (size_t k = 0; k < q->field_count; k++)
            if (q->fields[k] == field)
                at = k;
        if (at == q->field_count) {
            if (q->field_count == QUERY_MAX_FIELDS)
                continue;
            q->fields[q->field_count++] = field;
            memset(q->field_keys[at], 0, sizeof(q->field_keys[at]));
            keep_key(q, at, key, true);
        } else {
            keep_key(q, at, key, false);
        }
    }
}

static void parse_include(struct query *q, char **items, size_t n, const char *original,
                          struct problem *problem)
{
    for (size_t i = 0; i < n; i++) {
        const struct catalog_collection *c = catalog_find(items[i]);
        bool seen = false;
        if (!c) {
            struct buf list;
            buf_init(&list, PROBLEM_REASON_MAX);
            for (size_t k = 0; k < catalog_collection_count; k++)
                buf_printf(&list, "%s%s", k ? ", " : "", catalog_collections[k].name);
            params_fail(problem, PROBLEM_INVALID_PARAMETER, "include", original,
                        "unknown collection '%s'; allowed: %s", items[i], buf_str(&list));
            buf_release(&list);
            continue;
        }
        for (size_t k = 0; k < q->include_count; k++)
            seen = seen || q->includes[k] == c;
        if (!seen && q->include_count < QUERY_MAX_INCLUDES)
            q->includes[q->include_count++] = c;
    }
}

int query_text(struct query *q, const char *text, enum search_mode mode, unsigned min_prefix,
               struct problem *problem)
{
    struct buf expression;
    int rc;

    q->text_input = text;
    q->text_mode = mode;
    if (mode == SEARCH_MODE_RAW) {
        /* the prefix rule of raw expressions (search_text.h) */
        rc = search_text_check("q", text, min_prefix, problem);
        q->text = rc ? NULL : text;
        return rc;
    }
    buf_init(&expression, QUERY_TEXT_MAX * 4);
    rc = search_plain_expression(text, min_prefix, &expression);
    if (rc == STRATA_EINVAL)
        params_fail(problem, PROBLEM_INVALID_PARAMETER, "q", text,
                    "has no letter or digit to search for");
    if (rc == 0) {
        free(q->text_expression);
        q->text_expression = buf_detach(&expression, NULL);
        rc = q->text_expression ? 0 : STRATA_ENOMEM;
        q->text = q->text_expression;
    }
    buf_release(&expression);
    return rc;
}

/* Parameters that take one value: a repetition is a mistake. */
static bool repeated(const struct request *req, size_t index)
{
    for (size_t i = 0; i < index; i++)
        if (strcmp(req->params[i].name, req->params[index].name) == 0)
            return true;
    return false;
}

int query_page_bound(const char *name, const char *value, size_t *out, struct problem *problem)
{
    bool limit = strcmp(name, "limit") == 0;
    long long number;

    if (params_integer(name, value, limit ? 1 : 0, limit ? QUERY_LIMIT_MAX : QUERY_OFFSET_MAX,
                       &number, problem) != 0)
        return STRATA_EINVAL;
    *out = (size_t)number;
    return 0;
}

int query_check_text(const char *name, const char *value, struct problem *problem)
{
    if (strspn(value, " \t") == strlen(value)) {
        params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                    "must not be blank: give the words to search for");
        return STRATA_EINVAL;
    }
    if (strlen(value) > QUERY_TEXT_MAX) {
        params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value, "at most %d bytes",
                    QUERY_TEXT_MAX);
        return STRATA_EINVAL;
    }
    return 0;
}

static void parse_single(struct query *q, const struct request *req, size_t index,
                         struct problem *problem)
{
    const char *name = req->params[index].name, *value = req->params[index].value;
    long long number;

    if (repeated(req, index)) {
        params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                    "given more than once; it takes one value");
        return;
    }
    if (strcmp(name, "limit") == 0 && strcmp(value, "all") == 0) {
        q->limit = 0;
        q->all = true;
    } else if (strcmp(name, "limit") == 0) {
        struct problem scratch = {.code = PROBLEM_NONE, .error_count = 0};
        if (params_integer(name, value, 1, QUERY_LIMIT_MAX, &number, &scratch) == 0)
            q->limit = (size_t)number;
        else
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                        "must be a whole number from 1 to %d, or all (every matching row, "
                        "streamed)",
                        QUERY_LIMIT_MAX);
    } else if (strcmp(name, "offset") == 0) {
        query_page_bound(name, value, &q->offset, problem);
    } else if (strcmp(name, "q") == 0) {
        if (query_check_text(name, value, problem) == 0)
            q->text_input = value;
    } else if (strcmp(name, "bom") == 0) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value, "must be true or false");
        q->bom = strcmp(value, "true") == 0;
    } else if (strcmp(name, "q_mode") == 0) {
        search_plain_mode(name, value, &q->text_mode, problem);
    } else if (strcmp(name, "date_mode") == 0) {
        if (strcmp(value, "overlap") != 0 && strcmp(value, "within") != 0)
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                        "must be one of: overlap, within");
        q->date_within = strcmp(value, "within") == 0;
    } else {
        bool end = strcmp(name, "to") == 0;
        if (params_date(value, end, end ? q->to : q->from) != 0)
            params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                        "must be a date: YYYY-MM-DD, YYYY-MM or YYYY");
    }
}

struct query *query_new(const struct catalog_collection *c, const struct request *req,
                        const char *route, unsigned flags, const struct query_ids *ids,
                        struct problem *problem)
{
    struct query *q = calloc(1, sizeof(*q));
    int rc = q ? query_parse_route(q, c, req, route, flags, ids, problem) : STRATA_ENOMEM;

    if (rc == 0)
        return q;
    if (rc != STRATA_EINVAL)
        problem_set(problem, PROBLEM_INTERNAL, "parsing the query failed: %s", strata_strerror(rc));
    query_free(q);
    return NULL;
}

void query_free(struct query *q)
{
    query_release(q);
    free(q);
}

int query_parse(struct query *q, const struct catalog_collection *c, const struct request *req,
                unsigned flags, const struct query_ids *ids, struct problem *problem)
{
    return query_parse_route(q, c, req, NULL, flags, ids, problem);
}

int query_parse_route(struct query *q, const struct catalog_collection *c,
                      const struct request *req, const char *route, unsigned flags,
                      const struct query_ids *ids, struct problem *problem)
{
    size_t size = 1;
    char *next;

    if (!route)
        route = c->path;
    query_init(q, c);
    for (size_t i = 0; i < req->param_count; i++)
        size += strlen(req->params[i].value) + 1;
    q->storage = malloc(size);
    if (!q->storage)
        return STRATA_ENOMEM;
    next = q->storage;

    for (size_t i = 0; i < req->param_count; i++) {
        const char *name = req->params[i].name, *value = req->params[i].value;
        const struct catalog_filter *filter = catalog_filter_find(c, name);
        bool paged = strcmp(name, "limit") == 0 || strcmp(name, "offset") == 0 ||
                     strcmp(name, "sort") == 0 || strcmp(name, "bom") == 0;
        bool list = strcmp(name, "sort") == 0 || strcmp(name, "fields") == 0 ||
                    strcmp(name, "include") == 0;
        char *items[QUERY_MAX_VALUES];
        size_t n;

        if (params_is_common(name))
            continue;
        if ((paged && !(flags & QUERY_PAGED)) ||
            ((strcmp(name, "q") == 0 || strcmp(name, "q_mode") == 0) && (flags & QUERY_NO_TEXT)) ||
            (!filter && !params_in_list(catalog_common_parameters, name) &&
             !(c->dates && params_in_list(catalog_date_parameters, name)))) {
            struct buf allowed;
            buf_init(&allowed, PROBLEM_REASON_MAX);
            allowed_names(c, flags, &allowed);
            params_fail(problem, PROBLEM_UNKNOWN_PARAMETER, name, value,
                        "not a parameter of %s; allowed: %s", route, buf_str(&allowed));
            buf_release(&allowed);
            continue;
        }
        if (!filter && !list) {
            parse_single(q, req, i, problem);
            continue;
        }
        /* a list: a filter (OR), sort, fields or include */
        memcpy(next, value, strlen(value) + 1);
        n = split(next, name, value, items, QUERY_MAX_VALUES, problem);
        next += strlen(value) + 1;
        if (strcmp(name, "sort") == 0) {
            parse_sort(q, items, n, value, problem);
        } else if (strcmp(name, "fields") == 0) {
            parse_fields(q, items, n, value, problem);
        } else if (strcmp(name, "include") == 0) {
            parse_include(q, items, n, value, problem);
        } else {
            struct query_filter *f = filter_slot(q, filter);
            if (!f) {
                params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                            "too many different filters (at most %d)", QUERY_MAX_FILTERS);
                continue;
            }
            for (size_t k = 0; k < n; k++) {
                if (f->value_count == QUERY_MAX_VALUES) {
                    params_fail(problem, PROBLEM_INVALID_PARAMETER, name, value,
                                "at most %d values", QUERY_MAX_VALUES);
                    break;
                }
                check_value(f, items[k], ids, problem);
                f->values[f->value_count++] = items[k];
            }
        }
    }
    if (problem->code == PROBLEM_NONE && q->text_input &&
        query_text(q, q->text_input, q->text_mode,
                   req->config ? req->config->search_min_prefix : SEARCH_MIN_PREFIX_DEFAULT,
                   problem) == STRATA_ENOMEM) {
        query_release(q);
        return STRATA_ENOMEM;
    }
    if (problem->code == PROBLEM_NONE && q->from[0] && q->to[0] && strcmp(q->from, q->to) > 0)
        params_fail(problem, PROBLEM_INVALID_PARAMETER, "to", request_param(req, "to"),
                    "must not end before from (%s)", request_param(req, "from"));
    if (problem->code != PROBLEM_NONE) {
        query_release(q);
        return STRATA_EINVAL;
    }
    return 0;
}

bool query_excludes_background(const struct query *q)
{
    bool excluded = false;

    for (size_t i = 0; q && i < q->filter_count; i++) {
        if (strcmp(q->filters[i].filter->name, "background") != 0)
            continue;
        for (size_t k = 0; k < q->filters[i].value_count; k++) {
            if (strcmp(q->filters[i].values[k], "true") == 0)
                return false; /* true,false: everything, as the SQL filter reads it */
            excluded = true;
        }
    }
    return excluded;
}
