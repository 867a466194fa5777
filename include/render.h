/*
 * render.h - the representations of API bodies: JSON (compact or pretty),
 * CSV (RFC 4180), NDJSON and GeoJSON.
 *
 * Every function appends to a struct buf and returns 0, STRATA_EINVAL for a
 * NULL argument or STRATA_ENOMEM when the buffer cap is reached (the buffer
 * then holds a prefix of the output and must not be used).
 */
#ifndef STRATA_RENDER_H
#define STRATA_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

/*
 * JSON text of value: compact (no whitespace) or pretty (two-space indent,
 * one member per line, a final newline). Integral numbers are written
 * without a fraction; others with the shortest form that reads back exactly.
 */
int render_json(struct buf *out, const cJSON *value, bool pretty);

/*
 * CSV of an array of objects: a header row of columns, then one row per
 * record, CRLF line ends, fields quoted when they hold a comma, a quote, CR
 * or LF (quotes doubled). A column is a key, or `key.sub` for a key of an
 * object member. Cells: null or missing is empty; true/false; numbers as in
 * JSON; strings as they are; an array of scalars is joined with `;`; an
 * array of objects that all have an `id` is their ids joined with `;`;
 * anything else is its compact JSON.
 */
int render_csv(struct buf *out, const cJSON *records, const char *const *columns,
               size_t column_count);

/* render_csv without the header row (the rows of a CSV streamed in pieces). */
int render_csv_rows(struct buf *out, const cJSON *records, const char *const *columns,
                    size_t column_count);

/* One compact JSON record per line, each ended by "\n". */
int render_ndjson(struct buf *out, const cJSON *records);

/*
 * A GeoJSON FeatureCollection (RFC 7946) of an array of records: a Feature
 * per record with its `id`, a Point geometry [lon, lat] from the record's
 * `coordinates` {lat, lon} (null when absent or null), and the other members
 * as properties.
 */
int render_geojson(struct buf *out, const cJSON *records, bool pretty);

/* The text of one CSV cell for value (see render_csv), appended unquoted. */
int render_cell(struct buf *out, const cJSON *value);

#endif
