/*
 * memory.c - the loader's memory: an arena for strings, growable arrays and
 * the id map (open addressing over every id the store gives out).
 */
#include "loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *arena_alloc(struct arena *a, size_t n)
{
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > (size_t)1 << 20 ? n : (size_t)1 << 20;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

const char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    char small[256], *out;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    out = arena_alloc(a, (size_t)n + 1);
    if (!out)
        return NULL;
    if ((size_t)n < sizeof(small)) {
        memcpy(out, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(out, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return out;
}

void arena_release(struct arena *a)
{
    while (a->head) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

void *vec_push(struct vec *v)
{
    if (v->count == v->alloc) {
        size_t alloc = v->alloc ? v->alloc * 2 : 1024;
        void *items = realloc(v->items, alloc * v->size);
        if (!items)
            return NULL;
        v->items = items;
        v->alloc = alloc;
    }
    return (char *)v->items + v->size * v->count++;
}

static size_t idmap_probe(const struct idmap *m, const char *id)
{
    size_t i = (size_t)hash_text(id) & m->mask;
    while (m->keys[i] && strcmp(m->keys[i], id) != 0)
        i = (i + 1) & m->mask;
    return i;
}

static int idmap_grow(struct idmap *m)
{
    struct idmap bigger;
    size_t size = m->keys ? (m->mask + 1) * 2 : 1024;

    bigger.keys = calloc(size, sizeof(*bigger.keys));
    bigger.values = malloc(size * sizeof(*bigger.values));
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return STRATA_ENOMEM;
    }
    bigger.mask = size - 1;
    bigger.count = m->count;
    for (size_t i = 0; m->keys && i <= m->mask; i++) {
        if (m->keys[i]) {
            size_t k = idmap_probe(&bigger, m->keys[i]);
            bigger.keys[k] = m->keys[i];
            bigger.values[k] = m->values[i];
        }
    }
    free(m->keys);
    free(m->values);
    *m = bigger;
    return 0;
}

int idmap_add(struct idmap *m, const char *id, size_t value)
{
    size_t i;
    if ((m->count + 1) * 2 > (m->keys ? m->mask + 1 : 0) && idmap_grow(m) != 0)
        return -1;
    i = idmap_probe(m, id);
    if (m->keys[i])
        return 1;
    m->keys[i] = id;
    m->values[i] = value;
    m->count++;
    return 0;
}

size_t idmap_value(const struct idmap *m, const char *id)
{
    size_t i;
    if (!id || !m->keys)
        return NOT_A_RECORD;
    i = idmap_probe(m, id);
    return m->keys[i] ? m->values[i] : NOT_A_RECORD;
}

size_t idmap_record(const struct idmap *m, const char *id)
{
    size_t value = idmap_value(m, id);
    return value != NOT_A_RECORD && (value & TAGS) == 0 ? value : NOT_A_RECORD;
}

void idmap_release(struct idmap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(*m));
}
