/*
 * Unit tests for catalog.c: the table is consistent (paths, fields, default
 * orders, lookups) and every filter and sort key of every collection runs
 * against a real store built from the valid fixture, whose values all lie
 * within the catalog's enumerations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"
#include "query.h"
#include "store.h"

#include "fixture.h"

static struct model *model;
static struct store *store;

static int setup(void **state)
{
    (void)state;
    return fixture_open_valid(&model, &store);
}

static int teardown(void **state)
{
    (void)state;
    store_free(store);
    model_free(model);
    return 0;
}

static void table_is_consistent(void **state)
{
    (void)state;
    assert_int_equal(catalog_collection_count, 9);
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        char path[64];
        snprintf(path, sizeof(path), "/v1/%s", c->name);
        assert_string_equal(c->path, path);
        assert_ptr_equal(catalog_find(c->name), c);
        assert_int_equal(catalog_index(c), i);
        assert_string_equal(c->fields[0].name, "id");
        assert_non_null(catalog_field_find(c, c->label));
        if (c->kind)
            assert_non_null(catalog_field_find(c, c->kind));
        assert_non_null(catalog_filter_find(c, "id"));
        assert_non_null(catalog_sort_find(c, "id"));
        assert_non_null(c->description);
        assert_true(catalog_includable(c->name));
        for (size_t k = 0; k < c->filter_count; k++) {
            assert_ptr_equal(catalog_filter_find(c, c->filters[k].name), &c->filters[k]);
            assert_non_null(strchr(c->filters[k].sql, '$'));
            assert_non_null(c->filters[k].description);
            /* a filter never shadows a common parameter */
            for (size_t n = 0; catalog_common_parameters[n]; n++)
                assert_string_not_equal(c->filters[k].name, catalog_common_parameters[n]);
            if (c->filters[k].value == CATALOG_VALUE_ENUM)
                assert_non_null(c->filters[k].values);
            if (c->filters[k].value == CATALOG_VALUE_INTEGER)
                assert_true(c->filters[k].minimum <= c->filters[k].maximum);
        }
        for (size_t k = 0; k < c->field_count; k++)
            assert_ptr_equal(catalog_field_find(c, c->fields[k].name), &c->fields[k]);
        /* the default order is made of the collection's own sort keys */
        char copy[128], *save = NULL;
        snprintf(copy, sizeof(copy), "%s", c->default_sort);
        for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save))
            assert_non_null(catalog_sort_find(c, key[0] == '-' ? key + 1 : key));
    }
    assert_null(catalog_find("nope"));
    assert_null(catalog_find(NULL));
    assert_false(catalog_includable("nope"));
    assert_null(catalog_filter_find(NULL, "id"));
    assert_null(catalog_filter_find(&catalog_collections[0], "nope"));
    assert_null(catalog_sort_find(&catalog_collections[0], NULL));
    assert_null(catalog_field_find(&catalog_collections[0], "nope"));
    assert_true(catalog_find("events")->dates);
    assert_false(catalog_find("actors")->dates);
    assert_true(catalog_find("places")->geojson);
}

/* The first id of a record of collection name. */
static const char *some_id(const char *name)
{
    static char id[256];
    struct query q;
    struct store_page page;
    struct store_error error;
    query_init(&q, catalog_find(name));
    q.limit = 1;
    assert_int_equal(store_select(store, &q, &page, &error), 0);
    assert_true(page.total > 0);
    snprintf(id, sizeof(id), "%s",
             cJSON_GetObjectItem(cJSON_GetArrayItem(page.records, 0), "id")->valuestring);
    cJSON_Delete(page.records);
    return id;
}

/* A collection with an events sub-route names a filter of events (the parent's id). */
static void events_sub_routes_name_an_events_filter(void **state)
{
    const struct catalog_collection *events = catalog_find("events");
    size_t with = 0;

    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        if (!c->events_filter)
            continue;
        with++;
        if (!catalog_filter_find(events, c->events_filter))
            fail_msg("%s: events has no filter '%s'", c->name, c->events_filter);
    }
    assert_int_equal(with, 4); /* actors, organizations, layers, places */
}

static void every_filter_runs(void **state)
{
    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        for (size_t k = 0; k < c->filter_count; k++) {
            const struct catalog_filter *f = &c->filters[k];
            struct query q;
            struct store_page page;
            struct store_error error;
            char value[256];
            switch (f->value) {
            case CATALOG_VALUE_ENUM:
                snprintf(value, sizeof(value), "%s", f->values[0]);
                break;
            case CATALOG_VALUE_BOOL:
                snprintf(value, sizeof(value), "true");
                break;
            case CATALOG_VALUE_INTEGER:
                snprintf(value, sizeof(value), "%lld", f->minimum);
                break;
            default:
                snprintf(value, sizeof(value), "%s",
                         some_id(f->collections ? f->collections[0] : c->name));
            }
            query_init(&q, c);
            assert_int_equal(query_add_filter(&q, f->name, value), 0);
            if (store_select(store, &q, &page, &error) != 0)
                fail_msg("%s?%s=%s: %s", c->name, f->name, value, error.message);
            cJSON_Delete(page.records);
        }
    }
}

static void every_sort_runs(void **state)
{
    (void)state;
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        long long total = -1;
        for (size_t k = 0; k < c->sort_count * 2; k++) {
            struct query q;
            struct store_page page;
            struct store_error error;
            query_init(&q, c);
            q.sorts[0].sort = &c->sorts[k / 2];
            q.sorts[0].descending = k % 2;
            q.sort_count = 1;
            if (store_select(store, &q, &page, &error) != 0)
                fail_msg("%s?sort=%s%s: %s", c->name, k % 2 ? "-" : "", c->sorts[k / 2].name,
                         error.message);
            if (total >= 0)
                assert_int_equal(page.total, total);
            total = page.total;
            cJSON_Delete(page.records);
        }
    }
}

/* Every value the fixture holds in an enumerated field is one the filter accepts. */
static void values_in_enumerations(const struct model *m)
{
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *record;
        cJSON_ArrayForEach(record, cJSON_GetObjectItem(m->root, c->name))
        {
            for (size_t k = 0; k < c->filter_count; k++) {
                const struct catalog_filter *f = &c->filters[k];
                const cJSON *v = cJSON_GetObjectItem(record, f->name);
                bool found = false;
                if (f->value != CATALOG_VALUE_ENUM || !cJSON_IsString(v))
                    continue;
                for (size_t n = 0; f->values[n]; n++)
                    found = found || strcmp(f->values[n], v->valuestring) == 0;
                if (!found)
                    fail_msg("%s.%s = %s is not in the catalog", c->name, f->name, v->valuestring);
            }
        }
    }
}

/* ... in the fixture and in the bundled model (data/). */
static void model_values_are_in_the_enumerations(void **state)
{
    const char *root = getenv("STRATA_ROOT");
    struct model_error err;
    struct model *bundled;
    char path[1024];

    (void)state;
    values_in_enumerations(model);
    snprintf(path, sizeof(path), "%s/data", root && *root ? root : ".");
    assert_int_equal(model_load(path, &bundled, &err), 0);
    values_in_enumerations(bundled);
    model_free(bundled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_consistent),
        cmocka_unit_test(events_sub_routes_name_an_events_filter),
        cmocka_unit_test(every_filter_runs),
        cmocka_unit_test(every_sort_runs),
        cmocka_unit_test(model_values_are_in_the_enumerations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
