/*
 * load.c - reading the model into the loader's arrays: every record and its
 * id, the evidence spans, the explicit and derived relations; the loader's
 * error reporting and its one insert helper.
 */
#include "loader.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int load_fail(struct loader *L, int code, const char *fmt, ...)
{
    va_list ap;
    if (L->failed)
        return L->failed; /* keep the first, most precise message */
    L->failed = code;
    snprintf(L->err->file, sizeof(L->err->file), "%s", L->model->model_path);
    snprintf(L->err->path, sizeof(L->err->path), "%s", L->where);
    va_start(ap, fmt);
    vsnprintf(L->err->message, sizeof(L->err->message), fmt, ap);
    va_end(ap);
    return code;
}

int out_of_memory(struct loader *L)
{
    return load_fail(L, STRATA_ENOMEM, "store: out of memory");
}

void where_entry(struct loader *L, const struct entry *e)
{
    snprintf(L->where, sizeof(L->where), "$.%s[%zu]", catalog_collections[e->collection].name,
             e->index);
}

int insert(struct loader *L, enum statement_id which, const char *types, ...)
{
    sqlite3_stmt *stmt = L->stmts[which];
    va_list ap;
    int rc = SQLITE_OK;

    va_start(ap, types);
    for (int i = 0; types[i] && rc == SQLITE_OK; i++) {
        switch (types[i]) {
        case 't': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(stmt, i + 1);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(stmt, i + 1, va_arg(ap, long long));
            break;
        case 'b':
            rc = sqlite3_bind_int(stmt, i + 1, va_arg(ap, int) ? 1 : 0);
            break;
        default: {
            double d = va_arg(ap, double);
            rc = isnan(d) ? sqlite3_bind_null(stmt, i + 1) : sqlite3_bind_double(stmt, i + 1, d);
            break;
        }
        }
    }
    va_end(ap);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return load_fail(L, rc == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESTORE, "store: %s",
                         sqlite3_errmsg(L->db));
    return 0;
}

const char *text_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int bool_of(const cJSON *object, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, key));
}

const cJSON *array_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsArray(item) ? item : NULL;
}

/*
 * A number as an integer; 0 when it is not one or out of range (the store is
 * built while the model is validated, so nothing here may assume it valid).
 */
static long long integer_of(const cJSON *item)
{
    if (!cJSON_IsNumber(item) || !(item->valuedouble > -9e15 && item->valuedouble < 9e15))
        return 0;
    return (long long)item->valuedouble;
}

long long number_of(const cJSON *object, const char *key)
{
    return integer_of(cJSON_GetObjectItemCaseSensitive(object, key));
}

const char *provenance_of(const cJSON *record)
{
    return text_of(record, "provenance") ? text_of(record, "provenance") : "article";
}

/* Smallest start of a record's own evidence, or -1. */
static long long position_of(const cJSON *record)
{
    long long best = -1;
    const cJSON *span;

    cJSON_ArrayForEach(span, array_of(record, "evidence"))
    {
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(span, "start");
        if (cJSON_IsNumber(start) && (best < 0 || integer_of(start) < best))
            best = integer_of(start);
    }
    return best;
}

/* A type in words (catalog.h); the type itself for one the catalog does not know. */
static const char *verb_of(const char *type)
{
    const char *verb = catalog_relation_verb(type);
    return verb ? verb : type;
}

/*
 * The timeline's order start of every event: its date's start, or the start
 * of the event its date.after names when that is later ("after the
 * takeover, within 2021" sorts at the takeover). One level: the bound is the
 * other event's own start.
 */
static void load_date_orders(struct loader *L)
{
    for (size_t i = 0; i < L->entries.count; i++) {
        struct entry *e = ENTRY(L, i);
        const cJSON *date = cJSON_GetObjectItemCaseSensitive(e->record, "date");
        const char *start = text_of(date, "start"), *after = text_of(date, "after");
        size_t other = after ? idmap_record(&L->map, after) : NOT_A_RECORD;

        if (strcmp(catalog_collections[e->collection].name, "events") != 0)
            continue;
        e->date_order = start;
        if (start && other != NOT_A_RECORD) {
            const char *bound =
                text_of(cJSON_GetObjectItemCaseSensitive(ENTRY(L, other)->record, "date"), "start");
            if (bound && strcmp(bound, start) > 0)
                e->date_order = bound;
        }
    }
}

int load_map(struct loader *L)
{
    if (catalog_collection_count > STORE_MAX_COLLECTIONS)
        return load_fail(L, STRATA_EINVAL, "store: too many collections");
    for (size_t i = 0; i < catalog_collection_count; i++) {
        const struct catalog_collection *c = &catalog_collections[i];
        const cJSON *r;
        size_t n = 0;
        L->first[i] = L->entries.count;
        cJSON_ArrayForEach(r, array_of(L->model->root, c->name))
        {
            const char *id = text_of(r, "id");
            struct entry *e;
            int added;
            snprintf(L->where, sizeof(L->where), "$.%s[%zu]", c->name, n);
            if (!id)
                return load_fail(L, STRATA_EINVAL, "record without an id");
            e = vec_push(&L->entries);
            if (!e)
                return out_of_memory(L);
            memset(e, 0, sizeof(*e));
            e->id = id;
            e->record = r;
            e->collection = i;
            e->index = n++;
            e->label = text_of(r, c->label) ? text_of(r, c->label) : id;
            e->position = position_of(r);
            added = idmap_add(&L->map, id, L->entries.count - 1);
            if (added < 0)
                return out_of_memory(L);
            if (added > 0)
                return load_fail(L, STRATA_EINVAL, "id '%s' is used twice", id);
        }
    }
    L->first[catalog_collection_count] = L->entries.count;
    if (L->entries.count >= (size_t)FTS_PART_MASK)
        return load_fail(L, STRATA_EINVAL, "store: too many records");
    load_date_orders(L);
    return 0;
}

/* The spans of one evidence array, ids `<prefix><n>`. */
static int collect_spans(struct loader *L, size_t owner, const cJSON *spans, const char *prefix,
                         const char *field)
{
    const cJSON *span;
    long long n = 0;

    cJSON_ArrayForEach(span, spans)
    {
        struct span *s;
        const char *id = arena_printf(&L->arena, "%s%lld", prefix, ++n);
        int added;
        if (!id)
            return out_of_memory(L);
        added = idmap_add(&L->map, id, TAG_SPAN | L->spans.count);
        if (added < 0)
            return out_of_memory(L);
        if (added > 0)
            return load_fail(L, STRATA_EINVAL, "evidence id '%s' is already used by a record", id);
        s = vec_push(&L->spans);
        if (!s)
            return out_of_memory(L);
        s->id = id;
        s->owner = owner;
        s->field = field;
        s->ordinal = n;
        s->start = number_of(span, "start");
        s->end = number_of(span, "end");
        s->paragraph = number_of(span, "paragraph");
        s->quote = text_of(span, "quote") ? text_of(span, "quote") : "";
    }
    return 0;
}

int load_spans(struct loader *L, size_t owner)
{
    struct entry *e = ENTRY(L, owner);
    const char *name = catalog_collections[e->collection].name;
    const char *prefix;
    int rc = 0;

    e->span_first = L->spans.count;
    if (strcmp(name, "layers") == 0) {
        static const char *const parts[2][2] = {{"mechanisms", "m"}, {"goals", "g"}};
        for (size_t k = 0; k < 2 && !rc; k++) {
            const cJSON *part;
            size_t i = 0;
            cJSON_ArrayForEach(part, array_of(e->record, parts[k][0]))
            {
                const char *field = arena_printf(&L->arena, "%s[%zu].evidence", parts[k][0], i);
                prefix = arena_printf(&L->arena, "%s-%s%zu-e", e->id, parts[k][1], i + 1);
                i++;
                if (!field || !prefix)
                    return out_of_memory(L);
                rc = collect_spans(L, owner, array_of(part, "evidence"), prefix, field);
                if (rc)
                    return rc;
            }
        }
    }
    prefix = arena_printf(&L->arena, "%s-e", e->id);
    if (!prefix)
        return out_of_memory(L);
    rc = collect_spans(L, owner, array_of(e->record, "evidence"), prefix, "evidence");
    ENTRY(L, owner)->span_count = L->spans.count - ENTRY(L, owner)->span_first;
    return rc;
}

/*
 * The id of a derived edge is taken already. The same edge stated twice (two
 * mechanisms of one organization) is kept once, as first stated: 0. Any
 * other owner (a record of the model, another derived edge, an evidence
 * span) refuses the model, naming both.
 */
static int edge_collision(struct loader *L, const char *id, size_t source, const char *type,
                          size_t target, size_t holder, const char *field)
{
    size_t other = idmap_value(&L->map, id);
    const struct entry *h = ENTRY(L, holder);
    const char *what = catalog_collections[h->collection].singular;

    if (other & TAG_EDGE) {
        const struct relation *r = RELATION(L, other & ~TAGS);
        if (r->source == source && r->target == target && strcmp(r->type, type) == 0)
            return 0;
        return load_fail(L, STRATA_EINVAL,
                         "the id '%s' of the relation derived from %s '%s' (field %s) is also the "
                         "id of the relation derived from '%s' (field %s): %s %s %s",
                         id, what, h->id, field, ENTRY(L, r->holder)->id, r->field,
                         ENTRY(L, r->source)->id, r->type, ENTRY(L, r->target)->id);
    }
    if (other & TAG_SPAN)
        return load_fail(L, STRATA_EINVAL,
                         "the id '%s' of the relation derived from %s '%s' (field %s) is also the "
                         "id of an evidence span of '%s'",
                         id, what, h->id, field, ENTRY(L, SPAN(L, other & ~TAGS)->owner)->id);
    return load_fail(L, STRATA_EINVAL,
                     "the id '%s' of the relation derived from %s '%s' (field %s) is also the id "
                     "of the %s '%s'",
                     id, what, h->id, field,
                     catalog_collections[ENTRY(L, other)->collection].singular, id);
}

/*
 * The field_provenance note of record about field (the name before any
 * "[i]" of a layer's mechanisms) and, when the note names one, its item
 * value; NULL when the field is the article's (docs/MODEL.md, "Provenance").
 */
static const cJSON *field_note(const cJSON *record, const char *field, const char *value)
{
    size_t len = strcspn(field, "[");
    const cJSON *note, *whole = NULL;

    cJSON_ArrayForEach(note, array_of(record, "field_provenance"))
    {
        const char *name = text_of(note, "field"), *item = text_of(note, "value");
        if (!name || strlen(name) != len || strncmp(name, field, len) != 0)
            continue;
        if (!item)
            whole = note;
        else if (strcmp(item, value) == 0)
            return note;
    }
    return whole;
}

/*
 * The derived edge `source type target` stated by field of the holder, with
 * the id `<source>-<type with - for _>-<target>` (a slug like every id).
 */
static int add_edge(struct loader *L, const char *source, const char *type, const char *target,
                    size_t holder, const char *field)
{
    size_t s = idmap_record(&L->map, source), t = idmap_record(&L->map, target);
    struct relation *r;
    struct buf id;
    const char *copy;
    int added;

    if (s == NOT_A_RECORD || t == NOT_A_RECORD)
        return load_fail(L, STRATA_EINVAL, "%s refers to unknown id '%s'", field,
                         s == NOT_A_RECORD ? source : target);
    buf_init(&id, 0);
    buf_printf(&id, "%s-", source);
    for (const char *p = type; *p; p++)
        buf_putc(&id, *p == '_' ? '-' : *p);
    buf_printf(&id, "-%s", target);
    copy = id.failed ? NULL : arena_printf(&L->arena, "%s", buf_str(&id));
    buf_release(&id);
    if (!copy)
        return out_of_memory(L);
    added = idmap_add(&L->map, copy, TAG_EDGE | L->relations.count);
    if (added < 0)
        return out_of_memory(L);
    if (added > 0)
        return edge_collision(L, copy, s, type, t, holder, field);
    r = vec_push(&L->relations);
    if (!r)
        return out_of_memory(L);
    r->id = copy;
    r->type = type;
    r->source = s;
    r->target = t;
    r->holder = holder;
    r->field = field;
    r->derived = true;
    {
        const cJSON *holder_record = ENTRY(L, holder)->record;
        const cJSON *note = field_note(holder_record, field, holder == s ? target : source);
        r->provenance = note ? text_of(note, "provenance") : NULL;
        r->basis = note ? text_of(note, "basis") : NULL;
        r->certainty = r->hedge = NULL;
        if (strcmp(type, "about") == 0) { /* a claim's hedge holds for every edge it states */
            r->certainty = text_of(holder_record, "certainty");
            r->hedge = text_of(holder_record, "hedge");
        }
    }
    r->label =
        arena_printf(&L->arena, "%s %s %s", ENTRY(L, s)->label, verb_of(type), ENTRY(L, t)->label);
    return r->label ? 0 : out_of_memory(L);
}

/* Edges from every id of an array field: forward (holder is the target) or backward. */
static int add_edges(struct loader *L, size_t holder, const char *field, const char *type,
                     bool holder_is_source)
{
    const struct entry *e = ENTRY(L, holder);
    const char *id = e->id;
    const cJSON *ref;

    cJSON_ArrayForEach(ref, array_of(e->record, field))
    {
        int rc;
        if (!cJSON_IsString(ref))
            continue;
        rc = holder_is_source ? add_edge(L, id, type, ref->valuestring, holder, field)
                              : add_edge(L, ref->valuestring, type, id, holder, field);
        if (rc)
            return rc;
    }
    return 0;
}

int load_edges(struct loader *L, size_t i)
{
    const struct entry *e = ENTRY(L, i);
    const cJSON *r = e->record;
    const char *name = catalog_collections[e->collection].name, *id = e->id;
    int rc = 0;

    if (strcmp(name, "actors") == 0) {
        rc = add_edges(L, i, "members", "member_of", false);
        if (!rc && text_of(r, "country"))
            rc = add_edge(L, id, "official_of", text_of(r, "country"), i, "country");
    } else if (strcmp(name, "places") == 0) {
        if (text_of(r, "country"))
            rc = add_edge(L, id, "located_in", text_of(r, "country"), i, "country");
        if (!rc && text_of(r, "within"))
            rc = add_edge(L, id, "located_in", text_of(r, "within"), i, "within");
    } else if (strcmp(name, "events") == 0) {
        rc = add_edges(L, i, "participants", "participant_in", false);
        if (!rc && text_of(r, "place"))
            rc = add_edge(L, id, "held_in", text_of(r, "place"), i, "place");
        if (!rc && text_of(r, "organization"))
            rc = add_edge(L, id, "convened_by", text_of(r, "organization"), i, "organization");
    } else if (strcmp(name, "layers") == 0) {
        const cJSON *part;
        size_t n = 0;
        rc = add_edges(L, i, "partners", "partner_in", false);
        if (!rc)
            rc = add_edges(L, i, "events", "part_of", false);
        cJSON_ArrayForEach(part, array_of(r, "mechanisms"))
        {
            const char *org = text_of(part, "organization");
            const char *field = arena_printf(&L->arena, "mechanisms[%zu].organization", n++);
            if (rc)
                break;
            if (!field)
                return out_of_memory(L);
            if (org)
                rc = add_edge(L, org, "mechanism_of", id, i, field);
        }
    } else if (strcmp(name, "threats") == 0) {
        rc = add_edges(L, i, "sources", "source_of", false);
        if (!rc)
            rc = add_edges(L, i, "targets", "threatens", true);
    } else if (strcmp(name, "claims") == 0) {
        rc = add_edges(L, i, "about", "about", true);
    } else if (strcmp(name, "relations") == 0) {
        size_t s = idmap_record(&L->map, text_of(r, "source"));
        size_t t = idmap_record(&L->map, text_of(r, "target"));
        struct relation *x;
        if (s == NOT_A_RECORD || t == NOT_A_RECORD)
            return load_fail(L, STRATA_EINVAL, "relation refers to an unknown id");
        x = vec_push(&L->relations);
        if (!x)
            return out_of_memory(L);
        memset(x, 0, sizeof(*x));
        x->id = id;
        x->type = text_of(r, "type") ? text_of(r, "type") : "";
        x->source = s;
        x->target = t;
        x->holder = i;
        x->certainty = text_of(r, "certainty");
        x->hedge = text_of(r, "hedge");
        x->label = arena_printf(&L->arena, "%s %s %s", ENTRY(L, s)->label, verb_of(x->type),
                                ENTRY(L, t)->label);
        if (!x->label)
            return out_of_memory(L);
    }
    return rc;
}
