/*
 * order.c - each collection sorted into its default order once, so that a
 * row's rowid is its rank in that order.
 */
#include "loader.h"

#include <stdlib.h>
#include <string.h>

/* One sort key of a record, as SQLite compares it. */
enum key_kind { KEY_NULL, KEY_TEXT, KEY_NOCASE, KEY_NUMBER };

struct key {
    enum key_kind kind;
    bool descending;
    const char *text;
    double number;
};

#define MAX_KEYS 6

struct sortable {
    size_t entry;
    struct key keys[MAX_KEYS];
    size_t key_count;
};

/* SQLite's NOCASE: ASCII letters folded, then the shorter first. */
static int nocase_compare(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int r = sqlite3_strnicmp(a, b, (int)(la < lb ? la : lb));
    return r ? r : (la > lb) - (la < lb);
}

static int key_compare(const struct key *a, const struct key *b)
{
    int r;
    if (a->kind == KEY_NULL || b->kind == KEY_NULL)
        return (a->kind == KEY_NULL) - (b->kind == KEY_NULL); /* NULLs last either way */
    if (a->kind == KEY_NUMBER)
        r = (a->number > b->number) - (a->number < b->number);
    else if (a->kind == KEY_NOCASE)
        r = nocase_compare(a->text, b->text);
    else
        r = strcmp(a->text, b->text);
    return a->descending ? -r : r;
}

static int sortable_compare(const void *pa, const void *pb)
{
    const struct sortable *a = pa, *b = pb;
    for (size_t i = 0; i < a->key_count; i++) {
        int r = key_compare(&a->keys[i], &b->keys[i]);
        if (r)
            return r;
    }
    return 0;
}

/*
 * The value of a catalog sort column for a record, as the table stores it
 * (see load_rows). Returns false for a column the loader does not know.
 */
static bool record_key(const struct entry *e, const char *column, struct key *k)
{
    const cJSON *r = e->record;
    const cJSON *item = NULL;

    if (strcmp(column, "id") == 0) {
        k->kind = KEY_TEXT;
        k->text = e->id;
        return true;
    }
    if (strcmp(column, "position") == 0) {
        k->kind = KEY_NUMBER;
        k->number = (double)e->position;
        return true;
    }
    if (strcmp(column, "date_order") == 0) {
        k->kind = e->date_order ? KEY_TEXT : KEY_NULL;
        k->text = e->date_order;
        return true;
    }
    if (strcmp(column, "date_start") == 0 || strcmp(column, "date_end") == 0)
        item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "date"),
                                                column + 5);
    else if (strcmp(column, "name") == 0 || strcmp(column, "title") == 0 ||
             strcmp(column, "kind") == 0 || strcmp(column, "type") == 0 ||
             strcmp(column, "country") == 0 || strcmp(column, "ordinal") == 0)
        item = cJSON_GetObjectItemCaseSensitive(r, column);
    else
        return false;
    if (cJSON_IsString(item)) {
        bool nocase = strcmp(column, "name") == 0 || strcmp(column, "title") == 0;
        k->kind = nocase ? KEY_NOCASE : KEY_TEXT;
        k->text = item->valuestring;
    } else if (cJSON_IsNumber(item)) {
        k->kind = KEY_NUMBER;
        k->number = item->valuedouble;
    } else {
        k->kind = KEY_NULL;
    }
    return true;
}

/* Sort the records of collection ci into its default order; rank = place. */
static int rank_records(struct loader *L, size_t ci)
{
    const struct catalog_collection *c = &catalog_collections[ci];
    struct query_sort sorts[QUERY_MAX_SORTS];
    size_t n = L->first[ci + 1] - L->first[ci], nsorts = default_sorts(c, sorts, QUERY_MAX_SORTS);
    struct sortable *items;

    if (n == 0)
        return 0;
    items = calloc(n, sizeof(*items));
    if (!items)
        return out_of_memory(L);
    for (size_t i = 0; i < n; i++) {
        struct sortable *s = &items[i];
        const struct entry *e = ENTRY(L, L->first[ci] + i);
        s->entry = L->first[ci] + i;
        for (size_t k = 0; k < nsorts; k++) {
            for (size_t j = 0; sorts[k].sort->columns[j]; j++) {
                struct key *key = &s->keys[s->key_count];
                if (s->key_count == MAX_KEYS - 1 ||
                    !record_key(e, sorts[k].sort->columns[j], key)) {
                    free(items);
                    return load_fail(L, STRATA_EINVAL, "store: cannot order %s by %s", c->name,
                                     sorts[k].sort->name);
                }
                key->descending = sorts[k].descending;
                s->key_count++;
            }
        }
        record_key(e, "id", &s->keys[s->key_count++]);
    }
    qsort(items, n, sizeof(*items), sortable_compare);
    for (size_t i = 0; i < n; i++) {
        L->ranked[L->first[ci] + i] = items[i].entry;
        ENTRY(L, items[i].entry)->rank = (long long)i + 1;
    }
    free(items);
    return 0;
}

/* Relations: type, source, target, id (the catalog's "type,source,target"). */
static int relation_compare(const void *pa, const void *pb, void *context)
{
    const struct relation *a = pa, *b = pb;
    const struct loader *L = context;
    int r = strcmp(a->type, b->type);
    if (!r)
        r = strcmp(ENTRY(L, a->source)->id, ENTRY(L, b->source)->id);
    if (!r)
        r = strcmp(ENTRY(L, a->target)->id, ENTRY(L, b->target)->id);
    return r ? r : strcmp(a->id, b->id);
}

/* Evidence: span_start, span_end, id (the catalog's "start"). */
static int span_compare(const void *pa, const void *pb, void *context)
{
    const struct loader *L = context;
    const struct span *a = SPAN(L, *(const size_t *)pa), *b = SPAN(L, *(const size_t *)pb);
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return strcmp(a->id, b->id);
}

int span_rowid_compare(const void *pa, const void *pb, void *context)
{
    const struct loader *L = context;
    long long a = SPAN(L, *(const size_t *)pa)->rowid, b = SPAN(L, *(const size_t *)pb)->rowid;
    return (a > b) - (a < b);
}

int load_orders(struct loader *L)
{
    size_t relations = catalog_index(catalog_find("relations"));
    int rc = 0;

    L->ranked = malloc((L->entries.count + 1) * sizeof(*L->ranked));
    L->span_order = malloc((L->spans.count + 1) * sizeof(*L->span_order));
    if (!L->ranked || !L->span_order)
        return out_of_memory(L);
    if (L->spans.count >= (size_t)FTS_PART_MASK || L->relations.count >= (size_t)FTS_PART_MASK)
        return load_fail(L, STRATA_EINVAL, "store: too many evidence spans or relations");
    for (size_t i = 0; i < catalog_collection_count && !rc; i++)
        if (i != relations)
            rc = rank_records(L, i);
    if (rc)
        return rc;
    for (size_t i = 0; i < L->spans.count; i++)
        L->span_order[i] = i;
    qsort_r(L->span_order, L->spans.count, sizeof(size_t), span_compare, L);
    qsort_r(L->relations.items, L->relations.count, sizeof(struct relation), relation_compare, L);
    for (size_t i = 0; i < L->spans.count; i++)
        SPAN(L, L->span_order[i])->rowid = (long long)i + 1;
    /* an explicit relation's rank is its place among all relations */
    for (size_t i = 0; i < L->relations.count; i++) {
        struct relation *r = RELATION(L, i);
        r->rowid = (long long)i + 1;
        if (!r->derived) {
            struct entry *e = ENTRY(L, r->holder);
            e->rank = r->rowid;
        }
    }
    {
        size_t n = L->first[relations], end = L->first[relations + 1];
        for (size_t i = 0; i < L->relations.count; i++)
            if (!RELATION(L, i)->derived && n < end)
                L->ranked[n++] = RELATION(L, i)->holder;
    }
    return 0;
}
