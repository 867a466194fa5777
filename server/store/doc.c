/*
 * doc.c - the stored representation of a record (its JSON text, written
 * directly) and the deflated blocks of documents in `docs`.
 */
#include "loader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- documents ---- */

/*
 * Documents are written as JSON text directly (no cJSON tree: building and
 * printing one per record was most of the load); the text is what
 * cJSON_PrintUnformatted would give, up to number formatting.
 */
static void json_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    buf_json_escape(out, s, strlen(s));
    buf_putc(out, '"');
}

static void json_integer(struct buf *out, long long n)
{
    char digits[24];
    size_t i = sizeof(digits);
    unsigned long long u = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        digits[--i] = '-';
    buf_add(out, digits + i, sizeof(digits) - i);
}

static void json_number(struct buf *out, double d)
{
    if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(long long)d)
        json_integer(out, (long long)d);
    else if (isfinite(d))
        buf_printf(out, "%.17g", d);
    else
        buf_puts(out, "null");
}

static void json_value(struct buf *out, const cJSON *v)
{
    const cJSON *item;
    bool first = true;

    if (cJSON_IsFalse(v)) {
        buf_puts(out, "false");
    } else if (cJSON_IsTrue(v)) {
        buf_puts(out, "true");
    } else if (cJSON_IsNumber(v)) {
        json_number(out, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        json_string(out, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        buf_putc(out, '[');
        cJSON_ArrayForEach(item, v)
        {
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_value(out, item);
        }
        buf_putc(out, ']');
    } else if (cJSON_IsObject(v)) {
        buf_putc(out, '{');
        cJSON_ArrayForEach(item, v)
        {
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_string(out, item->string ? item->string : "");
            buf_putc(out, ':');
            json_value(out, item);
        }
        buf_putc(out, '}');
    } else {
        buf_puts(out, "null");
    }
}

static void json_key(struct buf *out, const char *key, bool first)
{
    if (!first)
        buf_putc(out, ',');
    json_string(out, key);
    buf_putc(out, ':');
}

/* The next count spans of a record as [{id, start, end, paragraph, quote}]. */
static void json_spans(struct buf *out, const struct loader *L, size_t *cursor, size_t count)
{
    buf_putc(out, '[');
    for (size_t i = 0; i < count; i++) {
        const struct span *s = SPAN(L, (*cursor)++);
        buf_puts(out, i ? ",{\"id\":" : "{\"id\":");
        json_string(out, s->id);
        buf_puts(out, ",\"start\":");
        json_integer(out, s->start);
        buf_puts(out, ",\"end\":");
        json_integer(out, s->end);
        buf_puts(out, ",\"paragraph\":");
        json_integer(out, s->paragraph);
        buf_puts(out, ",\"quote\":");
        json_string(out, s->quote);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

/* Layer mechanisms or goals, each with its evidence (spans in load_spans order). */
static void json_parts(struct buf *out, const struct loader *L, const cJSON *parts, bool mechanisms,
                       size_t *cursor)
{
    const cJSON *part;
    bool first_part = true;

    if (!cJSON_IsArray(parts)) {
        json_value(out, parts);
        return;
    }
    buf_putc(out, '[');
    cJSON_ArrayForEach(part, parts)
    {
        const cJSON *item;
        bool first = true;
        if (!first_part)
            buf_putc(out, ',');
        first_part = false;
        if (!cJSON_IsObject(part)) {
            json_value(out, part); /* not a valid model: the validation reports it */
            continue;
        }
        buf_putc(out, '{');
        cJSON_ArrayForEach(item, part)
        {
            if (strcmp(item->string, "evidence") == 0)
                continue;
            json_key(out, item->string, first);
            first = false;
            json_value(out, item);
        }
        if (mechanisms && !cJSON_GetObjectItemCaseSensitive(part, "organization")) {
            json_key(out, "organization", first);
            first = false;
            buf_puts(out, "null");
        }
        json_key(out, "evidence", first);
        json_spans(out, L, cursor, (size_t)cJSON_GetArraySize(array_of(part, "evidence")));
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

void record_json(const struct loader *L, const struct entry *e, struct buf *out)
{
    const struct catalog_collection *c = &catalog_collections[e->collection];
    const cJSON *record = e->record, *part;
    bool layers = strcmp(c->name, "layers") == 0, relations = strcmp(c->name, "relations") == 0;
    size_t mechanisms = e->span_first, goals = e->span_first, own = e->span_first;
    bool first = true;

    /* the spans of a layer: mechanisms', goals', then its own (see load_spans) */
    if (layers) {
        cJSON_ArrayForEach(part, array_of(record, "mechanisms")) goals +=
            (size_t)cJSON_GetArraySize(array_of(part, "evidence"));
        own = goals;
        cJSON_ArrayForEach(part, array_of(record, "goals")) own +=
            (size_t)cJSON_GetArraySize(array_of(part, "evidence"));
    }
    buf_putc(out, '{');
    for (size_t i = 0; i < c->field_count; i++) {
        const struct catalog_field *f = &c->fields[i];
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(record, f->name);

        if (f->computed)
            continue;
        json_key(out, f->name, first);
        first = false;
        if (strcmp(f->name, "evidence") == 0) {
            json_spans(out, L, &own, (size_t)cJSON_GetArraySize(array_of(record, "evidence")));
        } else if (layers && strcmp(f->name, "mechanisms") == 0) {
            json_parts(out, L, value, true, &mechanisms);
        } else if (layers && strcmp(f->name, "goals") == 0) {
            json_parts(out, L, value, false, &goals);
        } else if (relations &&
                   (strcmp(f->name, "source_type") == 0 || strcmp(f->name, "target_type") == 0)) {
            size_t end =
                idmap_record(&L->map, text_of(record, f->name[0] == 's' ? "source" : "target"));
            json_string(out, end == NOT_A_RECORD
                                 ? ""
                                 : catalog_collections[ENTRY(L, end)->collection].name);
        } else if (relations && strcmp(f->name, "derived") == 0) {
            buf_puts(out, "false");
        } else if (relations && strcmp(f->name, "certainty") == 0 && value == NULL) {
            buf_puts(out, "\"stated\""); /* optional in the model: absent means stated */
        } else if (value == NULL && strcmp(f->type, "array") == 0) {
            buf_puts(out, "[]"); /* optional arrays (field_provenance, other_names): none */
        } else if (f->subfields) {
            if (!cJSON_IsObject(value)) {
                buf_puts(out, "null");
                continue;
            }
            buf_putc(out, '{');
            for (size_t k = 0; f->subfields[k]; k++) {
                json_key(out, f->subfields[k], k == 0);
                json_value(out, cJSON_GetObjectItemCaseSensitive(value, f->subfields[k]));
            }
            buf_putc(out, '}');
        } else {
            json_value(out, value);
        }
    }
    buf_putc(out, '}');
}

/*
 * A row of `docs` holds the documents of DOC_BLOCK consecutive ranks of one
 * collection (rowid: collection << 32 | (rank - 1) / DOC_BLOCK): the count
 * and DOC_BLOCK + 1 offsets as 4-byte little-endian numbers, then the
 * documents' JSON texts one after the other, deflated as one stream (an
 * absent rank has an empty text). Neighbouring records are alike, so a
 * block deflates to a fifth of its size; inflating one costs microseconds.
 */
#define DOC_HEADER (4 * (DOC_BLOCK + 2))

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

unsigned char *doc_block(z_stream *z, const char *text, const uint32_t *offsets, size_t *size)
{
    uLong len = offsets[DOC_BLOCK];
    uLong packed = deflateBound(z, len);
    unsigned char *out = malloc(DOC_HEADER + packed);

    if (!out || deflateReset(z) != Z_OK) {
        free(out);
        return NULL;
    }
    put_u32(out, DOC_BLOCK);
    for (int i = 0; i <= DOC_BLOCK; i++)
        put_u32(out + 4 * (i + 1), offsets[i]);
    z->next_in = (Bytef *)(uintptr_t)text;
    z->avail_in = (uInt)len;
    z->next_out = out + DOC_HEADER;
    z->avail_out = (uInt)packed;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *size = DOC_HEADER + (size_t)z->total_out;
    return out;
}

int doc_unblock(const unsigned char *data, size_t size, char **text, uint32_t *offsets)
{
    uLongf len;

    *text = NULL;
    if (!data || size < DOC_HEADER || get_u32(data) != DOC_BLOCK)
        return STRATA_ESTORE;
    for (int i = 0; i <= DOC_BLOCK; i++)
        offsets[i] = get_u32(data + 4 * (i + 1));
    len = offsets[DOC_BLOCK];
    *text = malloc(len + 1);
    if (!*text)
        return STRATA_ENOMEM;
    if (uncompress((Bytef *)*text, &len, data + DOC_HEADER, (uLong)(size - DOC_HEADER)) != Z_OK ||
        len != offsets[DOC_BLOCK]) {
        free(*text);
        *text = NULL;
        return STRATA_ESTORE;
    }
    (*text)[len] = '\0';
    return 0;
}
