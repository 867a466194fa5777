/*
 * forgive.c - forgiving ids (see forgive.h): one pass over the collection's
 * records, comparing the given text with each id, label, alias and other name.
 */
#include "forgive.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "api.h"
#include "query.h"
#include "store.h"

size_t forgive_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b), row[FORGIVE_MAX_TEXT + 1];

    if (la > FORGIVE_MAX_TEXT || lb > FORGIVE_MAX_TEXT)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0], best;
        row[0] = i;
        best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t v = diagonal + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diagonal = up;
            best = v < best ? v : best;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

/* "united states" and "united-states" are the same spelling of an id. */
static bool same_text(const char *given, const char *text)
{
    for (; *given && *text; given++, text++) {
        int a = tolower((unsigned char)*given), b = tolower((unsigned char)*text);
        if (a == ' ')
            a = '-';
        if (b == ' ')
            b = '-';
        if (a != b)
            return false;
    }
    return *given == *text;
}

struct hunt {
    const char *given;
    const char *match;
    bool ambiguous;
    const char *ids[FORGIVE_MAX_SUGGESTIONS];
    size_t distances[FORGIVE_MAX_SUGGESTIONS];
    size_t count;
    size_t cap;
};

/* Keep id among the closest, once. */
static void consider(struct hunt *h, const char *id, size_t d)
{
    size_t at;

    if (d > h->cap)
        return;
    for (size_t i = 0; i < h->count; i++) {
        if (strcmp(h->ids[i], id) != 0)
            continue;
        if (d >= h->distances[i])
            return;
        memmove(&h->ids[i], &h->ids[i + 1], (h->count - i - 1) * sizeof(h->ids[0]));
        memmove(&h->distances[i], &h->distances[i + 1], (h->count - i - 1) * sizeof(size_t));
        h->count--;
        break;
    }
    for (at = 0; at < h->count && h->distances[at] <= d; at++)
        ;
    if (at == FORGIVE_MAX_SUGGESTIONS)
        return;
    if (h->count == FORGIVE_MAX_SUGGESTIONS)
        h->count--;
    memmove(&h->ids[at + 1], &h->ids[at], (h->count - at) * sizeof(h->ids[0]));
    memmove(&h->distances[at + 1], &h->distances[at], (h->count - at) * sizeof(size_t));
    h->ids[at] = id;
    h->distances[at] = d;
    h->count++;
}

static void compare(struct hunt *h, const char *id, const char *text)
{
    if (!text)
        return;
    if (same_text(h->given, text)) {
        if (h->match && strcmp(h->match, id) != 0)
            h->ambiguous = true;
        h->match = id;
    }
    consider(h, id, forgive_distance(h->given, text, h->cap));
}

/* Each string of a names array (aliases), or each object's name (other_names). */
static void compare_names(struct hunt *h, const char *id, const cJSON *names)
{
    const cJSON *n;

    cJSON_ArrayForEach(n, names)
    {
        if (cJSON_IsString(n))
            compare(h, id, n->valuestring);
        else
            compare(h, id, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "name")));
    }
}

static void hunt_records(struct hunt *h, const struct catalog_collection *c, const cJSON *records)
{
    const cJSON *r;

    cJSON_ArrayForEach(r, records)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "id"));
        if (!id)
            continue;
        compare(h, id, id);
        if (c->label)
            compare(h, id, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, c->label)));
        compare_names(h, id, cJSON_GetObjectItemCaseSensitive(r, "aliases"));
        compare_names(h, id, cJSON_GetObjectItemCaseSensitive(r, "other_names"));
    }
}

int forgive_lookup(const struct request *req, const struct catalog_collection *c, const char *given,
                   struct forgive *out)
{
    return forgive_lookup_store(api_store(req), c, given, out);
}

int forgive_lookup_store(struct store *store, const struct catalog_collection *c, const char *given,
                         struct forgive *out)
{
    char limit[16];
    struct param params[1] = {{"limit", limit}};
    struct request list = {.format = REPR_JSON};
    struct query_ids ids = {NULL, NULL, NULL}; /* the query has no id filter */
    struct problem problem = {.code = PROBLEM_NONE, .error_count = 0};
    struct store_page page = {NULL, 0};
    struct store_error error = {{0}};
    struct hunt h = {.given = given};
    struct query *q;

    memset(out, 0, sizeof(*out));
    if (!given || !*given || strlen(given) > FORGIVE_MAX_TEXT)
        return 0;
    /* about a third of the text, at least 1: "russa" finds russia, "xx" finds nothing */
    h.cap = (strlen(given) + 1) / 3 < 1 ? 1 : (strlen(given) + 1) / 3;
    snprintf(limit, sizeof(limit), "%d", FORGIVE_MAX_RECORDS);
    list.path = c->path;
    list.params = params;
    list.param_count = 1;
    q = query_new(c, &list, c->path, QUERY_PAGED, &ids, &problem);
    if (!q)
        return 0;
    if (store_select(store, q, &page, &error) == 0) {
        hunt_records(&h, c, page.records);
        if (h.match && !h.ambiguous)
            snprintf(out->match, sizeof(out->match), "%s", h.match);
        for (size_t i = 0; i < h.count; i++)
            snprintf(out->suggestions[i], sizeof(out->suggestions[i]), "%s", h.ids[i]);
        out->suggestion_count = h.count;
    }
    cJSON_Delete(page.records);
    query_free(q);
    return 0;
}
