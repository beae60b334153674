/* store.h - the SQLite database: connections, schema, migrations, transactions.
 * The store_* files are the only code that calls sqlite3_*; everything else
 * sees plain structs. Never logs personal data. */
#ifndef FUPIN_STORE_H
#define FUPIN_STORE_H

#include "err.h"
#include "stop.h"

#include <stdint.h>

/* Schema version this binary writes; see store_schema.c for migrations. */
#define STORE_SCHEMA_VERSION 15

struct store; /* one connection; use from one thread at a time */

enum store_mode {
    STORE_READ,   /* existing database, read-only queries */
    STORE_WRITE,  /* existing database; schema must be current or upgradable */
    STORE_CREATE, /* create the file (mode 0600) if missing, then as STORE_WRITE */
};

/* SQLite's process-wide settings (no memory statistics, which take a lock
 * around every allocation). store_open applies them; a program that opens
 * SQLite by itself first calls this before, or they cannot apply. */
void store_sqlite_setup(void);

/* Opens path. STORE_WRITE/STORE_CREATE create or upgrade the schema; a
 * database newer than this binary is refused (ERR_INVALID). */
int store_open(const char *path, enum store_mode mode, struct store **out, struct err *e);
void store_close(struct store *st);
/* ERR_INVALID with a message when the database file at path is readable or
 * writable by group or others (store_open logs it as a warning); 0 when it
 * is private or does not exist. */
int store_check_mode(const char *path, struct err *e);

/* The schema version recorded in the database (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* BEGIN IMMEDIATE, retrying SQLITE_BUSY with backoff until it succeeds or a
 * stop is requested on stop (may be NULL), which returns ERR_STOPPED. */
int store_begin(struct store *st, const atomic_int *stop, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);
/* Plain read transaction (a consistent snapshot for several reads). */
int store_begin_read(struct store *st, struct err *e);

/* Ends whatever read st still holds open (a statement stepped but not
 * reset, a transaction left open), so its next query sees the latest commit.
 * A connection kept across requests (the console's) calls it before each
 * one: a pinned snapshot would hide a session written a moment ago. Returns
 * how many it had to end (0 when none: anything else is a leak to fix). */
int store_read_fresh(struct store *st);

/* Runs SQL with no result rows (used by tools and tests). */
int store_exec(struct store *st, const char *sql, struct err *e);

/* PRAGMA data_version: changes when another connection committed. */
int64_t store_data_version(struct store *st);

/* The path this store was opened with. */
const char *store_path(const struct store *st);

/* Key/value bookkeeping in engine_meta (e.g. "nightly_last_run"). get copies
 * into buf (empty string when missing) and returns 0; set upserts. */
int store_meta_get(struct store *st, const char *key, char *buf, int size, struct err *e);
int store_meta_set(struct store *st, const char *key, const char *value, struct err *e);

#endif
