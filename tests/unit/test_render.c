/*
 * Unit tests for render.c: JSON (compact, pretty, numbers, escapes), CSV
 * (RFC 4180 quoting, flattened columns, joined arrays), NDJSON and GeoJSON,
 * each read back; NULL arguments and a full buffer.
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
#include "render.h"

static const char records_json[] =
    "[{\"id\":\"awaza\",\"name\":\"Awaza, \\\"resort\\\"\",\"aliases\":[\"a\",\"b\"],"
    "\"coordinates\":{\"lat\":40.02,\"lon\":52.97},\"explicit\":true,\"count\":3,"
    "\"evidence\":[{\"id\":\"awaza-e1\",\"start\":1},{\"id\":\"awaza-e2\",\"start\":2}],"
    "\"goals\":[{\"text\":\"x\"}],\"note\":\"line one\\nline two\",\"none\":null},"
    "{\"id\":\"kabul\",\"name\":\"Kabul\",\"aliases\":[],\"coordinates\":null,"
    "\"explicit\":false,\"count\":0.5,\"evidence\":[],\"goals\":[],\"note\":\"\","
    "\"none\":null}]";

static cJSON *records(void)
{
    cJSON *r = cJSON_Parse(records_json);
    assert_non_null(r);
    return r;
}

static void json_compact_and_pretty(void **state)
{
    struct buf out;
    cJSON *value = cJSON_Parse("{\"a\":[1,2.5,-3,1e20,0.1],\"b\":{},\"c\":[],\"d\":\"é\\\"\\\\"
                               "\\u0001\",\"e\":null,\"f\":true,\"g\":{\"h\":[{}]}}");
    cJSON *back;
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(render_json(&out, value, false), 0);
    assert_string_equal(buf_str(&out), "{\"a\":[1,2.5,-3,1e+20,0.1],\"b\":{},"
                                       "\"c\":[],\"d\":\"é\\\"\\\\\\u0001\",\"e\":null,\"f\":"
                                       "true,\"g\":{\"h\":[{}]}}");
    back = cJSON_Parse(buf_str(&out));
    assert_true(cJSON_Compare(back, value, true));
    cJSON_Delete(back);
    buf_reset(&out);
    assert_int_equal(render_json(&out, value, true), 0);
    assert_non_null(strstr(buf_str(&out), "{\n  \"a\": [\n    1,\n    2.5,"));
    assert_non_null(strstr(buf_str(&out), "\"b\": {},\n  \"c\": [],"));
    assert_int_equal(buf_str(&out)[out.len - 1], '\n');
    back = cJSON_Parse(buf_str(&out));
    assert_true(cJSON_Compare(back, value, true));
    cJSON_Delete(back);
    assert_int_equal(render_json(NULL, value, false), STRATA_EINVAL);
    assert_int_equal(render_json(&out, NULL, false), STRATA_EINVAL);
    buf_release(&out);
    cJSON_Delete(value);
}

static void json_numbers_read_back_exactly(void **state)
{
    const double numbers[] = {40.02, 52.97, 0.1 + 0.2, 1.0 / 3.0, -0.0, 123456789012345.0, 1e-7};
    struct buf out;
    (void)state;
    buf_init(&out, 0);
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        cJSON *n = cJSON_CreateNumber(numbers[i]);
        buf_reset(&out);
        assert_int_equal(render_json(&out, n, false), 0);
        assert_true(strtod(buf_str(&out), NULL) == numbers[i]);
        cJSON_Delete(n);
    }
    buf_release(&out);
}

static void full_buffer_fails(void **state)
{
    struct buf out;
    cJSON *r = records();
    (void)state;
    buf_init(&out, 64);
    assert_int_equal(render_json(&out, r, false), STRATA_ENOMEM);
    buf_release(&out);
    buf_init(&out, 64);
    assert_int_equal(render_ndjson(&out, r), STRATA_ENOMEM);
    buf_release(&out);
    cJSON_Delete(r);
}

/* A small RFC 4180 reader: fields of one record starting at *p; advances *p. */
static int read_csv_record(const char **p, char fields[][256], int max)
{
    int n = 0;
    const char *s = *p;
    if (!*s)
        return -1;
    for (;;) {
        size_t len = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '"' && s[1] == '"') {
                    fields[n][len++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    assert_true(*s != '\0');
                    fields[n][len++] = *s++;
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\r')
                fields[n][len++] = *s++;
        }
        fields[n][len] = '\0';
        n++;
        assert_true(n <= max);
        if (*s == ',') {
            s++;
            continue;
        }
        assert_true(s[0] == '\r' && s[1] == '\n');
        *p = s + 2;
        return n;
    }
}

/* RFC 4180: a field holding a carriage return is quoted too, like one with a line feed. */
static void csv_quotes_carriage_returns(void **state)
{
    const char *columns[] = {"note"};
    cJSON *r = cJSON_Parse("[{\"note\":\"one\\rtwo\"},{\"note\":\"plain\"}]");
    struct buf out;

    (void)state;
    buf_init(&out, 0);
    assert_int_equal(render_csv(&out, r, columns, 1), 0);
    assert_non_null(strstr(buf_str(&out), "\"one\rtwo\""));
    assert_null(strstr(buf_str(&out), "\"plain\""));
    buf_release(&out);
    cJSON_Delete(r);
}

static void csv(void **state)
{
    const char *columns[] = {"id",       "name",  "aliases",  "coordinates.lat",
                             "explicit", "count", "evidence", "goals",
                             "note",     "none",  "missing",  "coordinates.nope"};
    char fields[16][256];
    struct buf out;
    const char *p;
    cJSON *r = records();
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(render_csv(&out, r, columns, 12), 0);
    p = buf_str(&out);
    assert_int_equal(read_csv_record(&p, fields, 16), 12);
    assert_string_equal(fields[3], "coordinates.lat");
    assert_int_equal(read_csv_record(&p, fields, 16), 12);
    assert_string_equal(fields[0], "awaza");
    assert_string_equal(fields[1], "Awaza, \"resort\"");
    assert_string_equal(fields[2], "a;b");
    assert_string_equal(fields[3], "40.02");
    assert_string_equal(fields[4], "true");
    assert_string_equal(fields[5], "3");
    assert_string_equal(fields[6], "awaza-e1;awaza-e2");
    assert_string_equal(fields[7], "[{\"text\":\"x\"}]");
    assert_string_equal(fields[8], "line one\nline two");
    assert_string_equal(fields[9], "");
    assert_string_equal(fields[10], "");
    assert_string_equal(fields[11], "");
    assert_int_equal(read_csv_record(&p, fields, 16), 12);
    assert_string_equal(fields[0], "kabul");
    assert_string_equal(fields[2], "");
    assert_string_equal(fields[3], "");
    assert_string_equal(fields[4], "false");
    assert_string_equal(fields[5], "0.5");
    assert_int_equal(read_csv_record(&p, fields, 16), -1);
    /* the quoted fields are exactly the ones that need it */
    assert_non_null(strstr(buf_str(&out), "\"Awaza, \"\"resort\"\"\""));
    assert_null(strstr(buf_str(&out), "\"awaza\""));
    assert_int_equal(render_csv(&out, NULL, columns, 1), STRATA_EINVAL);
    /* the rows alone are the CSV after its header line */
    {
        struct buf rows;
        buf_init(&rows, 0);
        buf_reset(&out);
        assert_int_equal(render_csv(&out, r, columns, 12), 0);
        assert_int_equal(render_csv_rows(&rows, r, columns, 12), 0);
        assert_string_equal(strstr(buf_str(&out), "\r\n") + 2, buf_str(&rows));
        assert_int_equal(render_csv_rows(&rows, NULL, columns, 1), STRATA_EINVAL);
        buf_release(&rows);
    }
    buf_release(&out);
    cJSON_Delete(r);
}

static void cells(void **state)
{
    struct buf out;
    cJSON *v = cJSON_Parse("[1,\"x\",true,null]");
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(render_cell(&out, v), 0);
    assert_string_equal(buf_str(&out), "1;x;true;");
    cJSON_Delete(v);
    buf_reset(&out);
    v = cJSON_Parse("{\"a\":1}");
    assert_int_equal(render_cell(&out, v), 0);
    assert_string_equal(buf_str(&out), "{\"a\":1}");
    cJSON_Delete(v);
    buf_reset(&out);
    v = cJSON_Parse("[{\"id\":\"a\"},{\"name\":\"b\"}]");
    assert_int_equal(render_cell(&out, v), 0);
    assert_string_equal(buf_str(&out), "[{\"id\":\"a\"},{\"name\":\"b\"}]");
    cJSON_Delete(v);
    assert_int_equal(render_cell(NULL, NULL), STRATA_EINVAL);
    buf_release(&out);
}

static void ndjson(void **state)
{
    struct buf out;
    cJSON *r = records();
    const char *line;
    int n = 0;
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(render_ndjson(&out, r), 0);
    line = buf_str(&out);
    while (*line) {
        const char *end = strchr(line, '\n');
        cJSON *one;
        assert_non_null(end);
        one = cJSON_ParseWithLength(line, (size_t)(end - line));
        assert_non_null(one);
        assert_true(cJSON_Compare(one, cJSON_GetArrayItem(r, n), true));
        cJSON_Delete(one);
        n++;
        line = end + 1;
    }
    assert_int_equal(n, 2);
    buf_reset(&out);
    cJSON *empty = cJSON_CreateArray();
    assert_int_equal(render_ndjson(&out, empty), 0);
    assert_int_equal(out.len, 0);
    cJSON_Delete(empty);
    assert_int_equal(render_ndjson(&out, NULL), STRATA_EINVAL);
    buf_release(&out);
    cJSON_Delete(r);
}

static void geojson(void **state)
{
    struct buf out;
    cJSON *r = records(), *doc, *features, *f, *props;
    (void)state;
    for (int pretty = 0; pretty < 2; pretty++) {
        buf_init(&out, 0);
        assert_int_equal(render_geojson(&out, r, pretty), 0);
        doc = cJSON_Parse(buf_str(&out));
        assert_non_null(doc);
        assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "FeatureCollection");
        features = cJSON_GetObjectItem(doc, "features");
        assert_int_equal(cJSON_GetArraySize(features), 2);
        f = cJSON_GetArrayItem(features, 0);
        assert_string_equal(cJSON_GetObjectItem(f, "type")->valuestring, "Feature");
        assert_string_equal(cJSON_GetObjectItem(f, "id")->valuestring, "awaza");
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(f, "geometry"), "type")->valuestring, "Point");
        /* [lon, lat] */
        assert_true(cJSON_GetArrayItem(
                        cJSON_GetObjectItem(cJSON_GetObjectItem(f, "geometry"), "coordinates"), 0)
                        ->valuedouble == 52.97);
        props = cJSON_GetObjectItem(f, "properties");
        assert_null(cJSON_GetObjectItem(props, "coordinates"));
        assert_string_equal(cJSON_GetObjectItem(props, "name")->valuestring, "Awaza, \"resort\"");
        f = cJSON_GetArrayItem(features, 1);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(f, "geometry")));
        cJSON_Delete(doc);
        buf_release(&out);
    }
    /* flat properties: objects as dotted keys, records as ids, other objects as JSON text */
    {
        cJSON *nested = cJSON_Parse(
            "[{\"id\":\"e\",\"date\":{\"start\":\"2021-07-01\",\"end\":null},"
            "\"evidence\":[{\"id\":\"e-e1\",\"quote\":\"q\"}],\"tags\":[\"a\"],"
            "\"other_names\":[{\"name\":\"E\"}],\"related\":{\"events\":[{\"id\":\"x\"}]}}]");
        const cJSON *p;
        buf_init(&out, 0);
        assert_int_equal(render_geojson(&out, nested, false), 0);
        doc = cJSON_Parse(buf_str(&out));
        props = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "features"), 0),
                                    "properties");
        cJSON_ArrayForEach(p, props)
        {
            assert_false(cJSON_IsObject(p));
            assert_false(cJSON_IsArray(p) && cJSON_IsObject(cJSON_GetArrayItem(p, 0)));
        }
        assert_string_equal(cJSON_GetObjectItem(props, "date.start")->valuestring, "2021-07-01");
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(props, "date.end")));
        assert_string_equal(
            cJSON_GetArrayItem(cJSON_GetObjectItem(props, "evidence"), 0)->valuestring, "e-e1");
        assert_string_equal(
            cJSON_GetArrayItem(cJSON_GetObjectItem(props, "related.events"), 0)->valuestring, "x");
        assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(props, "tags"), 0)->valuestring,
                            "a");
        assert_string_equal(cJSON_GetObjectItem(props, "other_names")->valuestring,
                            "[{\"name\":\"E\"}]");
        cJSON_Delete(doc);
        cJSON_Delete(nested);
        buf_release(&out);
    }
    buf_init(&out, 0);
    cJSON *empty = cJSON_CreateArray();
    assert_int_equal(render_geojson(&out, empty, false), 0);
    assert_string_equal(buf_str(&out), "{\"type\":\"FeatureCollection\",\"features\":[]}");
    cJSON_Delete(empty);
    assert_int_equal(render_geojson(&out, NULL, false), STRATA_EINVAL);
    buf_release(&out);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_compact_and_pretty),
        cmocka_unit_test(json_numbers_read_back_exactly),
        cmocka_unit_test(full_buffer_fails),
        cmocka_unit_test(csv),
        cmocka_unit_test(csv_quotes_carriage_returns),
        cmocka_unit_test(cells),
        cmocka_unit_test(ndjson),
        cmocka_unit_test(geojson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
