/*
 * ddl.c - the DDL of the store's database: tables, the FTS5 table and its
 * shadow tables, the indexes built after the rows, and the loader's inserts.
 */
#include "loader.h"

#include <string.h>

/*
 * No table has a declared key: every table is written in its default order
 * with rowid = rank, and the unique indexes on ids are built afterwards
 * (sorting once is much faster than inserting into a B-tree in random
 * order). The loader has checked every id and reference before a row is
 * written; the REFERENCES clauses document the joins (PRAGMA
 * foreign_key_check verifies them on an exported database).
 */
const char schema_sql[] =
    "CREATE TABLE records (id TEXT NOT NULL, type TEXT NOT NULL, kind TEXT, label TEXT NOT "
    "NULL, rank INTEGER NOT NULL, provenance TEXT NOT NULL);"
    "CREATE TABLE docs (doc BLOB NOT NULL);"
    "CREATE TABLE actors (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), role TEXT, explicit "
    "INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE aliases (record_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER NOT "
    "NULL, alias TEXT NOT NULL);"
    "CREATE TABLE actor_members (collective_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, member_id TEXT NOT NULL REFERENCES records(id));"
    "CREATE TABLE organizations (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL "
    "COLLATE NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE places (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, country TEXT REFERENCES records(id), within TEXT REFERENCES "
    "records(id), lat REAL, lon REAL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE events (id TEXT NOT NULL REFERENCES records(id), title TEXT NOT NULL COLLATE "
    "NOCASE, type TEXT NOT NULL, date_text TEXT, date_start TEXT, date_end TEXT, date_order TEXT, "
    "date_precision TEXT NOT NULL, place TEXT REFERENCES records(id), organization TEXT "
    "REFERENCES records(id), explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position "
    "INTEGER NOT NULL, CHECK (date_end >= date_start));"
    "CREATE TABLE event_participants (event_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, participant_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(participant_id, event_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE layers (id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER NOT NULL, "
    "name TEXT NOT NULL COLLATE NOCASE, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "position INTEGER NOT NULL);"
    "CREATE TABLE layer_partners (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, partner_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY "
    "(partner_id, layer_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE layer_events (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, event_id TEXT NOT NULL REFERENCES records(id));"
    "CREATE TABLE layer_mechanisms (layer_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, name TEXT NOT NULL, organization TEXT REFERENCES records(id));"
    "CREATE TABLE layer_goals (layer_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, text TEXT NOT NULL);"
    "CREATE TABLE threats (id TEXT NOT NULL REFERENCES records(id), name TEXT NOT NULL COLLATE "
    "NOCASE, kind TEXT NOT NULL, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position "
    "INTEGER NOT NULL);"
    "CREATE TABLE threat_sources (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, source_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (source_id, "
    "threat_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE threat_targets (threat_id TEXT NOT NULL REFERENCES records(id), ordinal "
    "INTEGER NOT NULL, target_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (target_id, "
    "threat_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE claims (id TEXT NOT NULL REFERENCES records(id), title TEXT NOT NULL COLLATE "
    "NOCASE, text TEXT NOT NULL, kind TEXT NOT NULL, certainty TEXT NOT NULL, hedge TEXT, "
    "explicit INTEGER NOT NULL, provenance TEXT NOT NULL, position INTEGER NOT NULL);"
    "CREATE TABLE claim_about (claim_id TEXT NOT NULL REFERENCES records(id), ordinal INTEGER "
    "NOT NULL, record_id TEXT NOT NULL REFERENCES records(id), PRIMARY KEY (record_id, "
    "claim_id, ordinal)) WITHOUT ROWID;"
    "CREATE TABLE relations (id TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL "
    "REFERENCES records(id), target TEXT NOT NULL REFERENCES records(id), source_type TEXT NOT "
    "NULL, target_type TEXT NOT NULL, derived INTEGER NOT NULL, derived_from_target INTEGER, "
    "derived_field TEXT, explicit INTEGER NOT NULL, provenance TEXT NOT NULL, "
    "basis TEXT, certainty TEXT NOT NULL, hedge TEXT, label TEXT NOT NULL, position INTEGER NOT "
    "NULL);"
    "CREATE TABLE evidence (id TEXT NOT NULL, record_id TEXT NOT NULL REFERENCES records(id), "
    "record_type TEXT NOT NULL, field TEXT NOT NULL, ordinal INTEGER NOT NULL, span_start "
    "INTEGER NOT NULL, span_end INTEGER NOT NULL, paragraph INTEGER NOT NULL, quote TEXT NOT "
    "NULL, fts_owner INTEGER NOT NULL, CHECK (span_end > span_start));";

/* The full-text index: built by its own thread in its own database, then copied in. */
const char fts_schema_sql[] =
    "CREATE VIRTUAL TABLE fts USING fts5(label, aliases, summary, text, tokenize = 'porter "
    "unicode61 remove_diacritics 2');";

/* FTS5's shadow tables, copied row for row from the builder's database. */
const char *const fts_shadow_tables[] = {"fts_data", "fts_idx", "fts_content", "fts_docsize",
                                         "fts_config"};

/*
 * Created after the rows are in. One per API filter (and the joins of the
 * related lists); the default orders need none (rowid).
 */
const char index_sql[] =
    "CREATE UNIQUE INDEX records_id ON records(id);"
    "CREATE INDEX records_type ON records(type, rank);"
    "CREATE UNIQUE INDEX actors_id ON actors(id);"
    "CREATE INDEX actors_name ON actors(name, id);"
    "CREATE INDEX actors_kind ON actors(kind);"
    "CREATE INDEX actors_country ON actors(country);"
    "CREATE INDEX actors_explicit ON actors(explicit);"
    "CREATE INDEX actors_provenance ON actors(provenance);"
    "CREATE INDEX actor_members_collective ON actor_members(collective_id, member_id);"
    "CREATE INDEX actor_members_member ON actor_members(member_id, collective_id);"
    "CREATE UNIQUE INDEX organizations_id ON organizations(id);"
    "CREATE INDEX organizations_name ON organizations(name, id);"
    "CREATE INDEX organizations_kind ON organizations(kind);"
    "CREATE INDEX organizations_explicit ON organizations(explicit);"
    "CREATE INDEX organizations_provenance ON organizations(provenance);"
    "CREATE UNIQUE INDEX places_id ON places(id);"
    "CREATE INDEX places_name ON places(name, id);"
    "CREATE INDEX places_kind ON places(kind);"
    "CREATE INDEX places_country ON places(country);"
    "CREATE INDEX places_within ON places(within);"
    "CREATE INDEX places_explicit ON places(explicit);"
    "CREATE INDEX places_provenance ON places(provenance);"
    "CREATE UNIQUE INDEX events_id ON events(id);"
    "CREATE INDEX events_date ON events(date_start, date_end);"
    "CREATE INDEX events_order ON events(date_order, date_end);"
    "CREATE INDEX events_end ON events(date_end);"
    "CREATE INDEX events_type ON events(type);"
    "CREATE INDEX events_precision ON events(date_precision);"
    "CREATE INDEX events_place ON events(place);"
    "CREATE INDEX events_organization ON events(organization);"
    "CREATE INDEX events_explicit ON events(explicit);"
    "CREATE INDEX events_provenance ON events(provenance);"
    "CREATE UNIQUE INDEX layers_id ON layers(id);"
    "CREATE INDEX layers_ordinal ON layers(ordinal);"
    "CREATE INDEX layers_explicit ON layers(explicit);"
    "CREATE INDEX layers_provenance ON layers(provenance);"
    "CREATE INDEX layer_events_layer ON layer_events(layer_id);"
    "CREATE INDEX layer_events_event ON layer_events(event_id, layer_id);"
    "CREATE UNIQUE INDEX threats_id ON threats(id);"
    "CREATE INDEX threats_name ON threats(name, id);"
    "CREATE INDEX threats_kind ON threats(kind);"
    "CREATE INDEX threats_explicit ON threats(explicit);"
    "CREATE INDEX threats_provenance ON threats(provenance);"
    "CREATE UNIQUE INDEX claims_id ON claims(id);"
    "CREATE INDEX claims_kind ON claims(kind);"
    "CREATE INDEX claims_certainty ON claims(certainty);"
    "CREATE INDEX claims_explicit ON claims(explicit);"
    "CREATE INDEX claims_provenance ON claims(provenance);"
    "CREATE UNIQUE INDEX relations_id ON relations(id);"
    "CREATE INDEX relations_source ON relations(source);"
    "CREATE INDEX relations_target ON relations(target);"
    "CREATE INDEX relations_type ON relations(type);"
    "CREATE INDEX relations_source_type ON relations(source_type);"
    "CREATE INDEX relations_target_type ON relations(target_type);"
    "CREATE INDEX relations_derived ON relations(derived);"
    "CREATE INDEX relations_explicit ON relations(explicit);"
    "CREATE INDEX relations_provenance ON relations(provenance);"
    "CREATE UNIQUE INDEX evidence_id ON evidence(id);"
    "CREATE INDEX evidence_record ON evidence(record_id);"
    "CREATE INDEX evidence_record_type ON evidence(record_type);"
    "CREATE INDEX evidence_paragraph ON evidence(paragraph);";

const char *const insert_sql[ST_COUNT] = {
    [ST_RECORD] = "INSERT INTO records VALUES (?,?,?,?,?,?)",
    [ST_DOC] = "INSERT INTO docs (rowid, doc) VALUES (?,?)",
    [ST_ACTOR] = "INSERT INTO actors (rowid, id, name, kind, country, role, explicit, provenance, "
                 "position) VALUES (?,?,?,?,?,?,?,?,?)",
    [ST_ALIAS] = "INSERT INTO aliases VALUES (?,?,?)",
    [ST_MEMBER] = "INSERT INTO actor_members VALUES (?,?,?)",
    [ST_ORGANIZATION] = "INSERT INTO organizations (rowid, id, name, kind, explicit, provenance, "
                        "position) VALUES (?,?,?,?,?,?,?)",
    [ST_PLACE] = "INSERT INTO places (rowid, id, name, kind, country, within, lat, lon, explicit, "
                 "provenance, position) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVENT] = "INSERT INTO events (rowid, id, title, type, date_text, date_start, date_end, "
                 "date_order, date_precision, place, organization, explicit, provenance, position) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_PARTICIPANT] = "INSERT INTO event_participants VALUES (?,?,?)",
    [ST_LAYER] = "INSERT INTO layers (rowid, id, ordinal, name, explicit, provenance, position) "
                 "VALUES (?,?,?,?,?,?,?)",
    [ST_PARTNER] = "INSERT INTO layer_partners VALUES (?,?,?)",
    [ST_LAYER_EVENT] = "INSERT INTO layer_events VALUES (?,?,?)",
    [ST_MECHANISM] = "INSERT INTO layer_mechanisms VALUES (?,?,?,?)",
    [ST_GOAL] = "INSERT INTO layer_goals VALUES (?,?,?)",
    [ST_THREAT] = "INSERT INTO threats (rowid, id, name, kind, explicit, provenance, position) "
                  "VALUES (?,?,?,?,?,?,?)",
    [ST_SOURCE] = "INSERT INTO threat_sources VALUES (?,?,?)",
    [ST_TARGET] = "INSERT INTO threat_targets VALUES (?,?,?)",
    [ST_CLAIM] = "INSERT INTO claims (rowid, id, title, text, kind, certainty, hedge, explicit, "
                 "provenance, position) VALUES (?,?,?,?,?,?,?,?,?,?)",
    [ST_ABOUT] = "INSERT INTO claim_about VALUES (?,?,?)",
    [ST_RELATION] =
        "INSERT INTO relations (rowid, id, type, source, target, source_type, "
        "target_type, derived, derived_from_target, derived_field, explicit, provenance, "
        "basis, certainty, hedge, label, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_EVIDENCE] = "INSERT INTO evidence (rowid, id, record_id, record_type, field, ordinal, "
                    "span_start, span_end, paragraph, quote, fts_owner) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?)",
};

uint64_t store_schema_hash(void)
{
    uint64_t h =
        hash_text(schema_sql) ^ (hash_text(index_sql) * 31) ^ (hash_text(fts_schema_sql) * 961);

    for (int i = 0; i < ST_COUNT; i++)
        h = h * 1099511628211ull ^ hash_text(insert_sql[i]);
    /* relation labels are written with the catalog's verbs: new verbs, a new file */
    for (size_t i = 0; i < catalog_collection_count; i++)
        for (size_t k = 0; k < catalog_collections[i].filter_count; k++) {
            const struct catalog_filter *f = &catalog_collections[i].filters[k];
            for (size_t v = 0;
                 f->value == CATALOG_VALUE_ENUM && strcmp(f->name, "type") == 0 &&
                 strcmp(catalog_collections[i].name, "relations") == 0 && f->values[v];
                 v++)
                h = h * 1099511628211ull ^ hash_text(catalog_relation_verb(f->values[v])
                                                         ? catalog_relation_verb(f->values[v])
                                                         : f->values[v]);
        }
    return h;
}
