/*
 * provenance.h - what the article says apart from what the model adds.
 *
 * A record's `provenance` says where the record as a whole comes from; a
 * field that is inferred or background says so itself: an object member
 * with its own "provenance" (coordinates, capital_of, background_date), an
 * array of such objects (other_names), or a note in the record's
 * field_provenance ({field, value?, provenance, basis}). `background=false`
 * asks for the article without the background lane: this module removes
 * the background facts from a rendered record (docs/MODEL.md, "Provenance").
 */
#ifndef STRATA_PROVENANCE_H
#define STRATA_PROVENANCE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* True when value is an object whose "provenance" is "background". */
bool provenance_is_background(const cJSON *value);

/*
 * Remove every background fact from record (a rendered record document;
 * NULL is a no-op): a member object flagged background becomes null, items
 * of an array flagged background are dropped, a field named by a background
 * note in field_provenance becomes null (with a "value": that item is
 * dropped from the array), and the background notes themselves go. Inferred
 * facts and the article's stay as they are.
 */
void provenance_strip_background(cJSON *record);

#endif
