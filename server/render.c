/*
 * render.c - JSON, CSV, NDJSON and GeoJSON writers over cJSON trees.
 *
 * The JSON writer is ours rather than cJSON_Print: it writes into a capped
 * struct buf, indents with two spaces, and prints numbers the way clients
 * expect (1 rather than 1.0, the shortest exact form of a coordinate).
 */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static int finish(struct buf *out)
{
    return out->failed ? STRATA_ENOMEM : 0;
}

static void write_number(struct buf *out, double d)
{
    char text[40];

    if (!isfinite(d)) {
        buf_puts(out, "null");
        return;
    }
    if (d == floor(d) && fabs(d) < 1e15) {
        buf_printf(out, "%lld", (long long)d);
        return;
    }
    snprintf(text, sizeof(text), "%.15g", d);
    if (strtod(text, NULL) != d)
        snprintf(text, sizeof(text), "%.17g", d);
    buf_puts(out, text);
}

static void write_string(struct buf *out, const char *s)
{
    buf_putc(out, '"');
    buf_json_escape(out, s ? s : "", s ? strlen(s) : 0);
    buf_putc(out, '"');
}

static void indent(struct buf *out, int depth)
{
    buf_putc(out, '\n');
    for (int i = 0; i < depth; i++)
        buf_puts(out, "  ");
}

static void write_value(struct buf *out, const cJSON *v, bool pretty, int depth)
{
    const cJSON *child;
    bool first = true;

    if (out->failed)
        return;
    if (!v || cJSON_IsNull(v)) {
        buf_puts(out, "null");
    } else if (cJSON_IsTrue(v)) {
        buf_puts(out, "true");
    } else if (cJSON_IsFalse(v)) {
        buf_puts(out, "false");
    } else if (cJSON_IsNumber(v)) {
        write_number(out, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        write_string(out, v->valuestring);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        bool object = cJSON_IsObject(v);
        buf_putc(out, object ? '{' : '[');
        cJSON_ArrayForEach(child, v)
        {
            if (!first)
                buf_putc(out, ',');
            first = false;
            if (pretty)
                indent(out, depth + 1);
            if (object) {
                write_string(out, child->string);
                buf_puts(out, pretty ? ": " : ":");
            }
            write_value(out, child, pretty, depth + 1);
        }
        if (pretty && !first)
            indent(out, depth);
        buf_putc(out, object ? '}' : ']');
    } else {
        buf_puts(out, "null"); /* raw or invalid items never occur in our trees */
    }
}

int render_json(struct buf *out, const cJSON *value, bool pretty)
{
    if (!out || !value)
        return STRATA_EINVAL;
    write_value(out, value, pretty, 0);
    if (pretty)
        buf_putc(out, '\n');
    return finish(out);
}

static bool is_scalar(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v);
}

int render_cell(struct buf *out, const cJSON *v)
{
    const cJSON *item;
    bool scalars = true, ids = true, first = true;

    if (!out)
        return STRATA_EINVAL;
    if (!v || cJSON_IsNull(v))
        return finish(out);
    if (cJSON_IsString(v)) {
        buf_puts(out, v->valuestring);
    } else if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
        write_value(out, v, false, 0);
    } else if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(item, v)
        {
            scalars = scalars && is_scalar(item);
            ids = ids && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "id"));
        }
        if (!scalars && !ids) {
            write_value(out, v, false, 0);
            return finish(out);
        }
        cJSON_ArrayForEach(item, v)
        {
            if (!first)
                buf_putc(out, ';');
            first = false;
            render_cell(out, scalars ? item : cJSON_GetObjectItemCaseSensitive(item, "id"));
        }
    } else {
        write_value(out, v, false, 0);
    }
    return finish(out);
}

static void write_field(struct buf *out, const char *text, size_t len)
{
    if (strcspn(text, ",\"\r\n") == len) {
        buf_add(out, text, len);
        return;
    }
    buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            buf_putc(out, '"');
        buf_putc(out, text[i]);
    }
    buf_putc(out, '"');
}

/* The member of record a column names (`key` or `key.sub`), or NULL. */
static const cJSON *column_value(const cJSON *record, const char *column)
{
    const char *dot = strchr(column, '.');
    char key[128];
    size_t len = dot ? (size_t)(dot - column) : strlen(column);

    if (len >= sizeof(key))
        return NULL;
    memcpy(key, column, len);
    key[len] = '\0';
    record = cJSON_GetObjectItemCaseSensitive(record, key);
    if (dot)
        record = cJSON_IsObject(record) ? cJSON_GetObjectItemCaseSensitive(record, dot + 1) : NULL;
    return record;
}

int render_csv_rows(struct buf *out, const cJSON *records, const char *const *columns,
                    size_t column_count)
{
    const cJSON *record;
    struct buf cell;

    if (!out || !records || !columns)
        return STRATA_EINVAL;
    buf_init(&cell, 0);
    cJSON_ArrayForEach(record, records)
    {
        for (size_t i = 0; i < column_count; i++) {
            buf_reset(&cell);
            render_cell(&cell, column_value(record, columns[i]));
            if (cell.failed)
                out->failed = 1;
            if (i)
                buf_putc(out, ',');
            write_field(out, buf_str(&cell), cell.len);
        }
        buf_puts(out, "\r\n");
    }
    buf_release(&cell);
    return finish(out);
}

int render_csv(struct buf *out, const cJSON *records, const char *const *columns,
               size_t column_count)
{
    if (!out || !records || !columns)
        return STRATA_EINVAL;
    for (size_t i = 0; i < column_count; i++) {
        if (i)
            buf_putc(out, ',');
        write_field(out, columns[i], strlen(columns[i]));
    }
    buf_puts(out, "\r\n");
    return render_csv_rows(out, records, columns, column_count);
}

int render_ndjson(struct buf *out, const cJSON *records)
{
    const cJSON *record;

    if (!out || !records)
        return STRATA_EINVAL;
    cJSON_ArrayForEach(record, records)
    {
        write_value(out, record, false, 0);
        buf_putc(out, '\n');
    }
    return finish(out);
}

/*
 * One flat property of a Feature: an object's members become dotted keys
 * (date.start, the CSV's column names), an array of scalars stays an array,
 * an array of records (evidence, related.*) becomes the array of their ids,
 * any other array holding objects (other_names) its JSON text.
 */
static void write_property(struct buf *out, const char *prefix, const cJSON *member, bool pretty,
                           int depth, bool *first)
{
    const char *sep = pretty ? ": " : ":";
    char key[256];
    const cJSON *item;
    bool scalars = true, ids = true;

    snprintf(key, sizeof(key), "%s%s", prefix, member->string);
    if (cJSON_IsObject(member)) {
        char inner[258];
        snprintf(inner, sizeof(inner), "%s.", key);
        cJSON_ArrayForEach(item, member)
        {
            write_property(out, inner, item, pretty, depth, first);
        }
        return;
    }
    if (!*first)
        buf_putc(out, ',');
    *first = false;
    if (pretty)
        indent(out, depth);
    write_string(out, key);
    buf_puts(out, sep);
    if (cJSON_IsArray(member)) {
        cJSON_ArrayForEach(item, member)
        {
            scalars = scalars && is_scalar(item);
            ids = ids && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "id"));
        }
        if (!scalars && ids) { /* records: their ids */
            bool one = true;
            buf_putc(out, '[');
            cJSON_ArrayForEach(item, member)
            {
                if (!one)
                    buf_putc(out, ',');
                one = false;
                write_value(out, cJSON_GetObjectItemCaseSensitive(item, "id"), false, 0);
            }
            buf_putc(out, ']');
            return;
        }
        if (!scalars) { /* other objects: their JSON text */
            struct buf cell;
            buf_init(&cell, 0);
            write_value(&cell, member, false, 0);
            write_string(out, buf_str(&cell));
            buf_release(&cell);
            return;
        }
    }
    write_value(out, member, false, 0);
}

static void write_feature(struct buf *out, const cJSON *record, bool pretty, int depth)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(record, "coordinates");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(at, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(at, "lon");
    const cJSON *member;
    const char *sep = pretty ? ": " : ":";
    bool first = true;

    buf_putc(out, '{');
    if (pretty)
        indent(out, depth + 1);
    buf_printf(out, "\"type\"%s\"Feature\",", sep);
    if (pretty)
        indent(out, depth + 1);
    buf_printf(out, "\"id\"%s", sep);
    write_value(out, cJSON_GetObjectItemCaseSensitive(record, "id"), false, 0);
    buf_putc(out, ',');
    if (pretty)
        indent(out, depth + 1);
    buf_printf(out, "\"geometry\"%s", sep);
    if (cJSON_IsNumber(lat) && cJSON_IsNumber(lon)) {
        buf_printf(out, "{\"type\"%s\"Point\",%s\"coordinates\"%s[", sep, pretty ? " " : "", sep);
        write_number(out, lon->valuedouble);
        buf_puts(out, pretty ? ", " : ",");
        write_number(out, lat->valuedouble);
        buf_puts(out, "]}");
    } else {
        buf_puts(out, "null");
    }
    buf_putc(out, ',');
    if (pretty)
        indent(out, depth + 1);
    buf_printf(out, "\"properties\"%s{", sep);
    cJSON_ArrayForEach(member, record)
    {
        if (strcmp(member->string, "coordinates") != 0)
            write_property(out, "", member, pretty, depth + 2, &first);
    }
    if (pretty && !first)
        indent(out, depth + 1);
    buf_putc(out, '}');
    if (pretty)
        indent(out, depth);
    buf_putc(out, '}');
}

int render_geojson(struct buf *out, const cJSON *records, bool pretty)
{
    const cJSON *record;
    const char *sep = pretty ? ": " : ":";
    bool first = true;

    if (!out || !records)
        return STRATA_EINVAL;
    buf_putc(out, '{');
    if (pretty)
        indent(out, 1);
    buf_printf(out, "\"type\"%s\"FeatureCollection\",", sep);
    if (pretty)
        indent(out, 1);
    buf_printf(out, "\"features\"%s[", sep);
    cJSON_ArrayForEach(record, records)
    {
        if (!first)
            buf_putc(out, ',');
        first = false;
        if (pretty)
            indent(out, 2);
        write_feature(out, record, pretty, 2);
    }
    if (pretty && !first)
        indent(out, 1);
    buf_putc(out, ']');
    if (pretty)
        indent(out, 0);
    buf_putc(out, '}');
    if (pretty)
        buf_putc(out, '\n');
    return finish(out);
}
