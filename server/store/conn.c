/*
 * conn.c - the read connections: slots taken with one atomic exchange, each
 * with its cache of prepared statements, and the helpers every query uses
 * to prepare, bind and step.
 */
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

/* virtual-machine steps between two budget checks (a check is a clock read) */
#define STORE_PROGRESS_STEPS 1000

uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void slot_close(struct slot *slot)
{
    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        sqlite3_finalize(slot->statements[i].stmt);
        free(slot->statements[i].sql);
        slot->statements[i].stmt = NULL;
        slot->statements[i].sql = NULL;
    }
    sqlite3_close(slot->db);
    slot->db = NULL;
    free(slot->block_text);
    slot->block_text = NULL;
}

int store_reader_settings(sqlite3 *db, sqlite3_int64 bytes)
{
    char pragmas[200];

    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA mmap_size = %lld; PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY; "
             "PRAGMA query_only = 1",
             (long long)bytes, READER_CACHE_KIB);
    return sqlite3_exec(db, pragmas, NULL, NULL, NULL) == SQLITE_OK ? 0 : STRATA_ESTORE;
}

/*
 * A read-only connection to a compiled file, or over the writer's image: no
 * copy of the bytes (SQLITE_DESERIALIZE_READONLY without FREEONCLOSE), pages
 * read in place (mmap_size), a small page cache for what is not mapped.
 */
static int slot_connect(struct store *store, struct slot *slot)
{
    slot->plain_docs = store->plain_docs;
    if (store->file_uri) {
        if (store_connect_file(store, &slot->db) != 0)
            goto fail;
        if (rank_register(store, slot->db) != 0)
            goto fail;
        return 0;
    }
    if (sqlite3_open_v2(":memory:", &slot->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        goto fail;
    if (sqlite3_deserialize(slot->db, "main", store->image, store->image_size, store->image_size,
                            SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
        goto fail;
    if (store_reader_settings(slot->db, store->image_size) != 0)
        goto fail;
    if (rank_register(store, slot->db) != 0)
        goto fail;
    return 0;
fail:
    sqlite3_close(slot->db);
    slot->db = NULL;
    return STRATA_ESTORE;
}

/* SQLite's progress handler: a statement stops (SQLITE_INTERRUPT) once the budget is spent. */
static int store_progress(void *budget)
{
    return budget_check(budget) != BUDGET_OK;
}

/* Every statement on a borrowed connection runs under the caller's budget (budget.h). */
struct slot *slot_budgeted(struct slot *slot)
{
    if (slot)
        sqlite3_progress_handler(slot->db, STORE_PROGRESS_STEPS, store_progress, budget_current());
    return slot;
}

struct slot *slot_acquire(struct store *store, struct slot *spare)
{
    size_t start = (size_t)((uintptr_t)pthread_self() >> 4) % STORE_SLOTS;

    for (size_t i = 0; i < STORE_SLOTS; i++) {
        struct slot *slot = &store->slots[(start + i) % STORE_SLOTS];
        if (atomic_exchange(&slot->busy, 1) == 0) {
            if (!slot->db && slot_connect(store, slot) != 0) {
                atomic_store(&slot->busy, 0);
                return NULL;
            }
            return slot_budgeted(slot);
        }
    }
    memset(spare, 0, sizeof(*spare));
    return slot_connect(store, spare) == 0 ? slot_budgeted(spare) : NULL;
}

void slot_release(struct store *store, struct slot *slot)
{
    if (!slot)
        return;
    sqlite3_progress_handler(slot->db, 0, NULL, NULL);
    if (slot >= store->slots && slot < store->slots + STORE_SLOTS)
        atomic_store(&slot->busy, 0);
    else
        slot_close(slot);
}

int slot_prepare(struct slot *slot, const char *sql, sqlite3_stmt **out)
{
    uint64_t h = hash_text(sql);
    struct statement *entry;
    sqlite3_stmt *stmt;
    char *copy;

    for (size_t i = 0; i < STORE_STATEMENTS; i++) {
        entry = &slot->statements[i];
        if (entry->stmt && entry->hash == h && strcmp(entry->sql, sql) == 0) {
            *out = entry->stmt;
            return 0;
        }
    }
    if (sqlite3_prepare_v3(slot->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return STRATA_ESTORE;
    copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(stmt);
        return STRATA_ENOMEM;
    }
    entry = &slot->statements[slot->next];
    slot->next = (slot->next + 1) % STORE_STATEMENTS;
    sqlite3_finalize(entry->stmt);
    free(entry->sql);
    entry->hash = h;
    entry->sql = copy;
    entry->stmt = stmt;
    *out = stmt;
    return 0;
}

void statement_done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

void error_from(struct store_error *error, sqlite3 *db)
{
    if (error)
        snprintf(error->message, sizeof(error->message), "%s",
                 db ? sqlite3_errmsg(db) : "cannot open a connection to the store");
}

/* Bind b's values (as many as stmt takes). */
static int bind_all(const struct builder *b, sqlite3_stmt *stmt)
{
    size_t n = (size_t)sqlite3_bind_parameter_count(stmt);
    struct builder view = *b;
    if (view.count > n)
        view.count = n;
    return builder_bind(&view, stmt);
}

int prepare_bound(struct slot *slot, const char *sql, const struct builder *b, sqlite3_stmt **stmt,
                  struct store_error *error)
{
    int rc;
    *stmt = NULL;
    rc = slot_prepare(slot, sql, stmt);
    if (rc == 0 && b)
        rc = bind_all(b, *stmt);
    if (rc) {
        error_from(error, slot->db);
        if (*stmt)
            statement_done(*stmt);
        *stmt = NULL;
    }
    return rc;
}

int step_error(struct slot *slot, int sqlite_rc, bool has_text, struct store_error *error)
{
    error_from(error, slot->db);
    if (sqlite_rc == SQLITE_NOMEM)
        return STRATA_ENOMEM;
    return has_text && sqlite_rc == SQLITE_ERROR ? STRATA_EPARSE : STRATA_ESTORE;
}
