/*
 * catalog.c - the table of /v1 collections: fields, filters, sort keys.
 *
 * The SQL fragments name the columns of the tables that server/store/ddl.c creates
 * (see the schema there); test_catalog runs every filter and sort key
 * against a real store, so the two cannot drift apart silently.
 */
#include "catalog.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const provenance_values[] = {"article", "inferred", "background", NULL};
static const char *const actor_kinds[] = {
    "state", "person", "armed-group", "terrorist-group", "extremist-group", "collective", NULL};
static const char *const organization_kinds[] = {"security-alliance",
                                                 "regional-organization",
                                                 "dialogue-format",
                                                 "contact-group",
                                                 "summit-format",
                                                 "research-institute",
                                                 NULL};
static const char *const place_kinds[] = {"city",        "capital",   "resort", "region",
                                          "border-area", "territory", NULL};
static const char *const event_types[] = {"summit",    "meeting",  "conference", "dialogue",
                                          "statement", "exercise", "takeover",   "war",
                                          "speech",    NULL};
static const char *const precisions[] = {"day", "part-of-month", "month", "year", "unknown", NULL};
static const char *const threat_kinds[] = {"terrorism",    "extremism",   "narcotics",
                                           "infiltration", "instability", "military",
                                           "geopolitical", NULL};
static const char *const claim_kinds[] = {"assessment", "prediction", "recommendation",
                                          "observation", NULL};
static const char *const certainties[] = {"stated", "likely", "possible", NULL};
static const char *const relation_types[] = {
    /* explicit relations of model.json */
    "member_of", "statement_by", "cooperates_with", "seeks_cooperation_with", "concerned_about",
    "opposes", "supports", "competes_with", "proposed_by", "threatens", "takeover_of", "borders",
    "made_at", "precedes", "represents", "affiliated_with", "seeks_support_from", "contacts",
    "disapproves_of", "format_of",
    /* edges derived from reference fields (docs/MODEL.md) */
    "participant_in", "held_in", "convened_by", "official_of", "located_in", "partner_in",
    "part_of", "mechanism_of", "source_of", "about", NULL};
/* Each relation type in words, as it reads between its source and its target. */
static const char *const relation_verbs[][2] = {
    {"member_of", "is a member of"},
    {"statement_by", "was made by"},
    {"cooperates_with", "cooperates with"},
    {"seeks_cooperation_with", "seeks cooperation with"},
    {"concerned_about", "is concerned about"},
    {"opposes", "opposes"},
    {"supports", "supports"},
    {"competes_with", "competes with"},
    {"proposed_by", "was proposed by"},
    {"threatens", "threatens"},
    {"takeover_of", "took over"},
    {"borders", "borders"},
    {"made_at", "was made at"},
    {"precedes", "came before"},
    {"represents", "represents"},
    {"affiliated_with", "is affiliated with"},
    {"seeks_support_from", "seeks support from"},
    {"contacts", "contacts"},
    {"disapproves_of", "disapproves of"},
    {"format_of", "is a format of"},
    {"participant_in", "takes part in"},
    {"held_in", "is held in"},
    {"convened_by", "is convened by"},
    {"official_of", "is an official of"},
    {"located_in", "is located in"},
    {"partner_in", "is a partner in"},
    {"part_of", "is part of"},
    {"mechanism_of", "is a mechanism of"},
    {"source_of", "is a source of"},
    {"about", "is about"},
};

const char *catalog_relation_verb(const char *type)
{
    for (size_t i = 0; type && i < sizeof(relation_verbs) / sizeof(relation_verbs[0]); i++)
        if (strcmp(relation_verbs[i][0], type) == 0)
            return relation_verbs[i][1];
    return NULL;
}

const char *const catalog_record_collections[] = {"actors", "organizations", "places", "events",
                                                  "layers", "threats",       "claims", NULL};

static const char *const in_actors[] = {"actors", NULL};
static const char *const in_organizations[] = {"organizations", NULL};
static const char *const in_places[] = {"places", NULL};
static const char *const in_events[] = {"events", NULL};
static const char *const in_layers[] = {"layers", NULL};
static const char *const in_threats[] = {"threats", NULL};
static const char *const in_claims[] = {"claims", NULL};
static const char *const in_evidence[] = {"evidence", NULL};
static const char *const in_relations[] = {"relations", NULL};
static const char *const in_parties[] = {"actors", "organizations", NULL};
/*
 * What an edge can end at: the record collections and relations (a claim can
 * be about a relation). Evidence ids are the store's, never referenced, so an
 * evidence id in a filter that looks at edges, claims or supported records
 * could never match: it is refused with the collections that can.
 */
static const char *const in_linkable[] = {"actors", "organizations", "places",
                                          "events", "layers",        "threats",
                                          "claims", "relations",     NULL};
static const char *const in_targets[] = {"actors", "places", NULL};

const char *const catalog_common_parameters[] = {
    "q", "q_mode", "sort", "fields", "include", "limit", "offset", "bom", "format", "pretty", NULL};
const char *const catalog_date_parameters[] = {"from", "to", "date_mode", NULL};

/* Records joined to the named ones by any edge (explicit or derived relation). */
#define LINKED                                                                                     \
    "id IN (SELECT source FROM relations WHERE target IN ($) UNION ALL SELECT target FROM "        \
    "relations WHERE source IN ($))"

/* id= names records of the collection itself: an unknown id is a 400, like any id filter. */
#define ID_FILTER(own)                                                                             \
    {                                                                                              \
        "id", CATALOG_VALUE_ID, NULL, own, 0, 0, "id IN ($)", "the record's id"                    \
    }
#define EXPLICIT_FILTER                                                                            \
    {                                                                                              \
        "explicit", CATALOG_VALUE_BOOL, NULL, NULL, 0, 0, "explicit IN ($)",                       \
            "true: the article names the record; false: only implied"                              \
    }
#define PROVENANCE_FILTER                                                                          \
    {                                                                                              \
        "provenance", CATALOG_VALUE_ENUM, provenance_values, NULL, 0, 0, "provenance IN ($)",      \
            "where the record comes from"                                                          \
    }
/* background=false: the article without the background lane (records and their fields) */
#define BACKGROUND_FILTER                                                                          \
    {                                                                                              \
        "background", CATALOG_VALUE_BOOL, NULL, NULL, 0, 0,                                        \
            "provenance <> 'background' OR 1 IN ($)",                                              \
            "false: leave out background records and background fields (the article and what "     \
            "follows from it only); true (the default): everything, background flagged"            \
    }
#define RELATED_FILTER                                                                             \
    {                                                                                              \
        "related", CATALOG_VALUE_ID, NULL, in_linkable, 0, 0, LINKED,                              \
            "records joined to the named record by any relation (explicit or derived)"             \
    }
#define LINKED_FILTER(param, where, what)                                                          \
    {                                                                                              \
        param, CATALOG_VALUE_ID, NULL, where, 0, 0, LINKED,                                        \
            "records joined by a relation (explicit or derived) to the named " what                \
    }

/* Subfields of the common object fields, for CSV columns. */
static const char *const date_keys[] = {"text",     "start", "end",   "precision",
                                        "inferred", "basis", "after", NULL};
static const char *const background_date_keys[] = {"start",      "end",   "precision",
                                                   "provenance", "basis", NULL};
static const char *const capital_keys[] = {"country", "provenance", "basis", NULL};
static const char *const coordinate_keys[] = {"lat", "lon", "provenance", "basis", NULL};
static const char *const related_keys[] = {
    "actors",  "organizations", "places",   "events",    "layers",
    "threats", "claims",        "evidence", "relations", NULL};

#define F(n, t, d)                                                                                 \
    {                                                                                              \
        n, t, NULL, false, d                                                                       \
    }
#define COMMON_FIELDS                                                                              \
    F("summary", "string", "what the record is, in the model's own words"),                        \
        F("explicit", "boolean", "true when the article names it, false when only implied"),       \
        F("provenance", "string", "article, inferred or background"),                              \
        F("basis", "string|null", "why, when provenance is inferred or background"),               \
        F("field_provenance", "array",                                                             \
          "fields (or items of them) that are inferred or background: {field, value, provenance, " \
          "basis}"),                                                                               \
        F("evidence", "array",                                                                     \
          "spans of the article that support the record: {id, start, end, paragraph, quote}"),     \
    {                                                                                              \
        "related", "object", related_keys, true,                                                   \
            "related records by collection: [{id, label, href}], in each collection's default "    \
            "order"                                                                                \
    }

/* ---- actors ---- */
static const struct catalog_field actor_fields[] = {
    F("id", "string", "stable slug"),
    F("name", "string", "the name as the article spells it"),
    F("kind", "string", "state, person, armed-group, terrorist-group, extremist-group, collective"),
    F("aliases", "array", "other spellings the article uses"),
    F("other_names", "array",
      "names the article does not use (background): {name, provenance: background, basis}"),
    F("members", "array", "a collective's members (actor ids)"),
    F("country", "string|null", "the state a person acts for (actor id)"),
    F("role", "string|null", "a person's title as the article gives it"),
    COMMON_FIELDS,
};
static const struct catalog_filter actor_filters[] = {
    ID_FILTER(in_actors),
    {"kind", CATALOG_VALUE_ENUM, actor_kinds, NULL, 0, 0, "kind IN ($)", "the kind of actor"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    {"country", CATALOG_VALUE_ID, NULL, in_actors, 0, 0, "country IN ($)",
     "persons acting for the named state"},
    {"member_of", CATALOG_VALUE_ID, NULL, in_actors, 0, 0,
     "id IN (SELECT member_id FROM actor_members WHERE collective_id IN ($))",
     "members of the named collective"},
    {"member", CATALOG_VALUE_ID, NULL, in_actors, 0, 0,
     "id IN (SELECT collective_id FROM actor_members WHERE member_id IN ($))",
     "collectives that have the named actor as a member"},
    LINKED_FILTER("event", in_events, "event"),
    LINKED_FILTER("organization", in_organizations, "organization"),
    LINKED_FILTER("layer", in_layers, "strategy layer"),
    LINKED_FILTER("threat", in_threats, "threat"),
    RELATED_FILTER,
};

/* ---- organizations ---- */
static const struct catalog_field organization_fields[] = {
    F("id", "string", "stable slug"),
    F("name", "string", "the name as the article spells it"),
    F("kind", "string",
      "security-alliance, regional-organization, dialogue-format, contact-group, summit-format, "
      "research-institute"),
    F("aliases", "array", "other spellings the article uses"),
    F("other_names", "array",
      "names the article does not use (background): {name, provenance: background, basis}"),
    COMMON_FIELDS,
};
static const struct catalog_filter organization_filters[] = {
    ID_FILTER(in_organizations),
    {"kind", CATALOG_VALUE_ENUM, organization_kinds, NULL, 0, 0, "kind IN ($)",
     "the kind of organization"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    LINKED_FILTER("actor", in_actors, "actor"),
    LINKED_FILTER("event", in_events, "event"),
    LINKED_FILTER("layer", in_layers, "strategy layer"),
    LINKED_FILTER("threat", in_threats, "threat"),
    RELATED_FILTER,
};

/* ---- places ---- */
static const struct catalog_field place_fields[] = {
    F("id", "string", "stable slug"),
    F("name", "string", "the name as the article spells it"),
    F("kind", "string", "city, capital, resort, region, border-area, territory"),
    F("aliases", "array", "other spellings the article uses"),
    F("other_names", "array",
      "names the article does not use (background): {name, provenance: background, basis}"),
    F("country", "string|null", "the state the place belongs to (actor id)"),
    F("within", "string|null", "the place that contains it (place id)"),
    {"capital_of", "object|null", capital_keys, false,
     "{country, provenance, basis}: the state whose capital it is (article or background)"},
    {"coordinates", "object|null", coordinate_keys, false,
     "{lat, lon, provenance: background, basis}, or null where unknown"},
    COMMON_FIELDS,
};
static const struct catalog_filter place_filters[] = {
    ID_FILTER(in_places),
    {"kind", CATALOG_VALUE_ENUM, place_kinds, NULL, 0, 0, "kind IN ($)", "the kind of place"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    {"country", CATALOG_VALUE_ID, NULL, in_actors, 0, 0, "country IN ($)",
     "places of the named state"},
    {"within", CATALOG_VALUE_ID, NULL, in_places, 0, 0,
     "id IN (WITH RECURSIVE inside(id) AS (SELECT id FROM places WHERE within IN ($) UNION "
     "SELECT places.id FROM places JOIN inside ON places.within = inside.id) SELECT id FROM "
     "inside)",
     "places inside the named place, at any depth"},
    {"has_coordinates", CATALOG_VALUE_BOOL, NULL, NULL, 0, 0, "(lat IS NOT NULL) IN ($)",
     "true: places with coordinates; false: places without"},
    LINKED_FILTER("event", in_events, "event"),
    RELATED_FILTER,
};

/* ---- events ---- */
static const struct catalog_field event_fields[] = {
    F("id", "string", "stable slug"),
    F("title", "string", "a short title"),
    F("type", "string",
      "summit, meeting, conference, dialogue, statement, exercise, takeover, war, speech"),
    {"date", "object", date_keys, false,
     "{text, start, end, precision, inferred, basis, after}: the article's wording, its interval "
     "and its lower bound (the event it came after)"},
    {"background_date", "object|null", background_date_keys, false,
     "{start, end, precision, provenance: background, basis}: the date common knowledge gives"},
    F("place", "string|null", "where it was held (place id)"),
    F("participants", "array", "actor and organization ids"),
    F("organization", "string|null", "the framework it was held in (organization id)"),
    COMMON_FIELDS,
};
static const struct catalog_filter event_filters[] = {
    ID_FILTER(in_events),
    {"type", CATALOG_VALUE_ENUM, event_types, NULL, 0, 0, "type IN ($)", "the type of event"},
    {"precision", CATALOG_VALUE_ENUM, precisions, NULL, 0, 0, "date_precision IN ($)",
     "the precision of the date"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    LINKED_FILTER("actor", in_actors, "actor (participant, or any other relation)"),
    LINKED_FILTER("organization", in_organizations,
                  "organization (participant, convener, or any other relation)"),
    {"participant", CATALOG_VALUE_ID, NULL, in_parties, 0, 0,
     "id IN (SELECT event_id FROM event_participants WHERE participant_id IN ($))",
     "events the named actor or organization took part in"},
    LINKED_FILTER("layer", in_layers, "strategy layer"),
    {"place", CATALOG_VALUE_ID, NULL, in_places, 0, 0,
     "id IN (WITH RECURSIVE inside(id) AS (SELECT id FROM places WHERE id IN ($) UNION SELECT "
     "places.id FROM places JOIN inside ON places.within = inside.id) SELECT source FROM "
     "relations WHERE target IN inside UNION ALL SELECT target FROM relations WHERE source IN "
     "inside)",
     "events held in the named place or in a place inside it"},
    RELATED_FILTER,
};

/* ---- layers ---- */
static const struct catalog_field layer_fields[] = {
    F("id", "string", "stable slug"),
    F("ordinal", "integer", "1-4: the article's First..Fourth"),
    F("name", "string", "a short name"),
    F("partners", "array", "actor and organization ids"),
    F("mechanisms", "array", "{name, organization, evidence}"),
    F("events", "array", "event ids"),
    F("goals", "array", "{text, evidence}"),
    COMMON_FIELDS,
};
static const struct catalog_filter layer_filters[] = {
    ID_FILTER(in_layers),
    {"ordinal", CATALOG_VALUE_INTEGER, NULL, NULL, 1, 4, "ordinal IN ($)",
     "the layer's position (1-4)"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    {"partner", CATALOG_VALUE_ID, NULL, in_parties, 0, 0,
     "id IN (SELECT layer_id FROM layer_partners WHERE partner_id IN ($))",
     "layers that name the actor or organization as a partner"},
    LINKED_FILTER("actor", in_actors, "actor"),
    LINKED_FILTER("organization", in_organizations, "organization (partner or mechanism)"),
    {"event", CATALOG_VALUE_ID, NULL, in_events, 0, 0,
     "id IN (SELECT layer_id FROM layer_events WHERE event_id IN ($))",
     "layers that list the named event"},
    RELATED_FILTER,
};

/* ---- threats ---- */
static const struct catalog_field threat_fields[] = {
    F("id", "string", "stable slug"),
    F("name", "string", "a short name"),
    F("kind", "string",
      "terrorism, extremism, narcotics, infiltration, instability, military, geopolitical"),
    F("sources", "array", "where the threat comes from (actor and organization ids)"),
    F("targets", "array", "who or what it threatens (actor and place ids)"),
    COMMON_FIELDS,
};
static const struct catalog_filter threat_filters[] = {
    ID_FILTER(in_threats),
    {"kind", CATALOG_VALUE_ENUM, threat_kinds, NULL, 0, 0, "kind IN ($)", "the kind of threat"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    {"source", CATALOG_VALUE_ID, NULL, in_parties, 0, 0,
     "id IN (SELECT threat_id FROM threat_sources WHERE source_id IN ($))",
     "threats coming from the named actor or organization"},
    {"target", CATALOG_VALUE_ID, NULL, in_targets, 0, 0,
     "id IN (SELECT threat_id FROM threat_targets WHERE target_id IN ($))",
     "threats to the named actor or place"},
    RELATED_FILTER,
};

/* ---- claims ---- */
static const struct catalog_field claim_fields[] = {
    F("id", "string", "stable slug"),
    F("title", "string", "a short title"),
    F("text", "string", "the claim in the model's words"),
    F("kind", "string", "assessment, prediction, recommendation, observation"),
    F("certainty", "string", "stated, likely, possible"),
    F("hedge", "string|null", "the article's hedging words"),
    F("about", "array", "ids of the records the claim is about"),
    COMMON_FIELDS,
};
static const struct catalog_filter claim_filters[] = {
    ID_FILTER(in_claims),
    {"kind", CATALOG_VALUE_ENUM, claim_kinds, NULL, 0, 0, "kind IN ($)", "the kind of claim"},
    {"certainty", CATALOG_VALUE_ENUM, certainties, NULL, 0, 0, "certainty IN ($)",
     "how sure the author is"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
    {"about", CATALOG_VALUE_ID, NULL, in_linkable, 0, 0,
     "id IN (SELECT claim_id FROM claim_about WHERE record_id IN ($))",
     "claims about the named record"},
    RELATED_FILTER,
};

/* ---- evidence ---- */
static const struct catalog_field evidence_fields[] = {
    F("id", "string", "<record id>-e<n> (mechanisms: -m<i>-e<n>, goals: -g<i>-e<n>)"),
    F("record", "string", "the id of the record the span supports"),
    F("record_type", "string", "the collection of that record"),
    F("field", "string", "where the span sits in the record (evidence, mechanisms[0].evidence)"),
    F("start", "integer", "code-point offset of the first character in the article"),
    F("end", "integer", "code-point offset one past the last character"),
    F("paragraph", "integer", "the 1-based paragraph that contains the span"),
    F("quote", "string", "the article's text at [start, end)"),
    {"related", "object", related_keys, true, "the record the span supports"},
};
static const struct catalog_filter evidence_filters[] = {
    ID_FILTER(in_evidence),
    {"record", CATALOG_VALUE_ID, NULL, in_linkable, 0, 0, "record_id IN ($)",
     "spans supporting the named record"},
    {"record_type", CATALOG_VALUE_ENUM, in_linkable, NULL, 0, 0, "record_type IN ($)",
     "spans supporting records of the named collection"},
    {"paragraph", CATALOG_VALUE_INTEGER, NULL, NULL, 1, 1000000, "paragraph IN ($)",
     "spans in the given paragraph"},
};

/* ---- relations ---- */
static const struct catalog_field relation_fields[] = {
    F("id", "string", "stable slug; derived edges: <source>-<type with - for _>-<target>"),
    F("type", "string", "the kind of edge"),
    F("source", "string", "the id of the record the edge starts from"),
    F("target", "string", "the id of the record it points to"),
    F("source_type", "string", "the collection of the source"),
    F("target_type", "string", "the collection of the target"),
    F("derived", "boolean", "true for edges the store derives from reference fields"),
    {"derived_from", "object|null", (const char *const[]){"record", "field", NULL}, false,
     "for derived edges: {record, field} that states the fact"},
    F("certainty", "string", "stated, likely, possible (an about edge: its claim's)"),
    F("hedge", "string|null", "the article's hedging words (an about edge: its claim's)"),
    {"source_label", "string", NULL, true, "the name or title of the source"},
    {"target_label", "string", NULL, true, "the name or title of the target"},
    {"type_label", "string", NULL, true, "the type in words: cooperates with, is a member of"},
    COMMON_FIELDS,
};
static const struct catalog_filter relation_filters[] = {
    ID_FILTER(in_relations),
    {"type", CATALOG_VALUE_ENUM, relation_types, NULL, 0, 0, "type IN ($)", "the kind of edge"},
    {"source", CATALOG_VALUE_ID, NULL, catalog_record_collections, 0, 0, "source IN ($)",
     "edges from the named record"},
    {"target", CATALOG_VALUE_ID, NULL, in_linkable, 0, 0, "target IN ($)",
     "edges to the named record"},
    {"record", CATALOG_VALUE_ID, NULL, in_linkable, 0, 0, "(source IN ($) OR target IN ($))",
     "edges from or to the named record"},
    {"source_type", CATALOG_VALUE_ENUM, catalog_record_collections, NULL, 0, 0,
     "source_type IN ($)", "edges from records of the collection"},
    {"target_type", CATALOG_VALUE_ENUM, in_linkable, NULL, 0, 0, "target_type IN ($)",
     "edges to records of the collection"},
    {"derived", CATALOG_VALUE_BOOL, NULL, NULL, 0, 0, "derived IN ($)",
     "true: derived from fields; false: explicit relations of the model"},
    EXPLICIT_FILTER,
    PROVENANCE_FILTER,
    BACKGROUND_FILTER,
};

/* ---- sort keys ---- */
#define COLS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define SORT_ID                                                                                    \
    {                                                                                              \
        "id", COLS("id"), "the id"                                                                 \
    }
#define SORT_POSITION                                                                              \
    {                                                                                              \
        "position", COLS("position"), "where the record is first evidenced in the article"         \
    }

static const struct catalog_sort name_sorts[] = {
    {"name", COLS("name"), "the name (case-insensitive)"},
    {"kind", COLS("kind"), "the kind"},
    SORT_ID,
    SORT_POSITION,
};
static const struct catalog_sort place_sorts[] = {
    {"name", COLS("name"), "the name (case-insensitive)"},
    {"kind", COLS("kind"), "the kind"},
    {"country", COLS("country"), "the country's id"},
    SORT_ID,
    SORT_POSITION,
};
static const struct catalog_sort event_sorts[] = {
    {"date", COLS("date_order", "date_end"),
     "the start (or the start of the event date.after names, when later), then the end"},
    {"end", COLS("date_end", "date_start"), "the end, then the start of the date interval"},
    {"title", COLS("title"), "the title (case-insensitive)"},
    {"type", COLS("type"), "the type"},
    SORT_ID,
    SORT_POSITION,
};
static const struct catalog_sort layer_sorts[] = {
    {"ordinal", COLS("ordinal"), "First..Fourth"},
    {"name", COLS("name"), "the name (case-insensitive)"},
    SORT_ID,
    SORT_POSITION,
};
static const struct catalog_sort claim_sorts[] = {
    SORT_POSITION,
    {"title", COLS("title"), "the title (case-insensitive)"},
    {"kind", COLS("kind"), "the kind"},
    {"certainty", COLS("CASE certainty WHEN 'stated' THEN 1 WHEN 'likely' THEN 2 ELSE 3 END"),
     "stated, likely, possible"},
    SORT_ID,
};
static const struct catalog_sort evidence_sorts[] = {
    {"start", COLS("span_start", "span_end"), "article order"},
    {"paragraph", COLS("paragraph"), "the paragraph"},
    {"record", COLS("record_id"), "the supported record's id"},
    SORT_ID,
};
static const struct catalog_sort relation_sorts[] = {
    {"type", COLS("type"), "the kind of edge"},
    {"source", COLS("source"), "the source's id"},
    {"target", COLS("target"), "the target's id"},
    {"derived", COLS("derived"), "explicit first (ascending)"},
    SORT_ID,
    SORT_POSITION,
};

#define FILTERS(a) a, COUNT(a)
#define FIELDS(a) a, COUNT(a)
#define SORTS(a) a, COUNT(a)

const struct catalog_collection catalog_collections[] = {
    {"actors", "actor", "/v1/actors", "actors", "name", "kind", true, false, FIELDS(actor_fields),
     FILTERS(actor_filters), false, SORTS(name_sorts), "name",
     "states, persons, armed and terrorist groups, collectives", "actor"},
    {"organizations", "organization", "/v1/organizations", "organizations", "name", "kind", true,
     false, FIELDS(organization_fields), FILTERS(organization_filters), false, SORTS(name_sorts),
     "name", "security alliances, regional organizations, dialogue formats", "organization"},
    {"places", "place", "/v1/places", "places", "name", "kind", true, true, FIELDS(place_fields),
     FILTERS(place_filters), false, SORTS(place_sorts), "name",
     "named places; coordinates where known (background knowledge)", "place"},
    {"events", "event", "/v1/events", "events", "title", "type", true, false, FIELDS(event_fields),
     FILTERS(event_filters), true, SORTS(event_sorts), "date",
     "meetings, summits, statements, drills, takeovers, wars; undated events last", NULL},
    {"layers", "layer", "/v1/layers", "layers", "name", NULL, true, false, FIELDS(layer_fields),
     FILTERS(layer_filters), false, SORTS(layer_sorts), "ordinal",
     "the four strategy layers, in the article's order", "layer"},
    {"threats", "threat", "/v1/threats", "threats", "name", "kind", true, false,
     FIELDS(threat_fields), FILTERS(threat_filters), false, SORTS(name_sorts), "name",
     "the security threats the article names", NULL},
    {"claims", "claim", "/v1/claims", "claims", "title", "kind", true, false, FIELDS(claim_fields),
     FILTERS(claim_filters), false, SORTS(claim_sorts), "position",
     "the author's analytical claims, hedging kept, in article order", NULL},
    {"evidence", "evidence", "/v1/evidence", "evidence", "quote", NULL, false, false,
     FIELDS(evidence_fields), FILTERS(evidence_filters), false, SORTS(evidence_sorts), "start",
     "every quoted span that supports a record, in article order", NULL},
    {"relations", "relation", "/v1/relations", "relations", "type", "type", false, false,
     FIELDS(relation_fields), FILTERS(relation_filters), false, SORTS(relation_sorts),
     "type,source,target", "typed edges between records: explicit and derived", NULL},
};

const size_t catalog_collection_count = COUNT(catalog_collections);

const struct catalog_collection *catalog_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < catalog_collection_count; i++)
        if (strcmp(catalog_collections[i].name, name) == 0)
            return &catalog_collections[i];
    return NULL;
}

size_t catalog_index(const struct catalog_collection *c)
{
    return (size_t)(c - catalog_collections);
}

const struct catalog_filter *catalog_filter_find(const struct catalog_collection *c,
                                                 const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->filter_count; i++)
        if (strcmp(c->filters[i].name, name) == 0)
            return &c->filters[i];
    return NULL;
}

const struct catalog_sort *catalog_sort_find(const struct catalog_collection *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->sort_count; i++)
        if (strcmp(c->sorts[i].name, name) == 0)
            return &c->sorts[i];
    return NULL;
}

const struct catalog_field *catalog_field_find(const struct catalog_collection *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->field_count; i++)
        if (strcmp(c->fields[i].name, name) == 0)
            return &c->fields[i];
    return NULL;
}

bool catalog_includable(const char *name)
{
    return catalog_find(name) != NULL;
}
