/*
 * store.h - the embedded SQLite database that holds one loaded model.
 *
 * The only module that includes sqlite3.h. store_open() copies a validated
 * model into a normalised in-memory database (foreign keys, indexes for every
 * API filter, an FTS5 index) in one transaction; afterwards the store is
 * read-only and its query functions may be called from any number of threads
 * at once (each thread reads through its own connection; no global lock).
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include "model.h"

struct store;

/*
 * Build the store for a validated model. On success *out owns a new store
 * (free with store_free) and 0 is returned; on failure err says why.
 * The model must outlive the store.
 */
int store_open(const struct model *model, struct store **out, struct model_error *err);

/* Free a store and every connection to it; NULL is a no-op. */
void store_free(struct store *store);

/*
 * Write the database to a SQLite file at path (replaced if present), for the
 * sqlite3 shell and other tools. Returns 0 or an error code.
 */
int store_export(struct store *store, const char *path);

#endif
