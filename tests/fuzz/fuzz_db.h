/* fuzz_db.h - a database with fupin's real schema whose input rows come
 * from fuzz bytes, written the way an outside program writes them: through
 * its own SQLite connection, with only the schema's constraints standing in
 * the way. Shared by the snapshot and the digest harnesses. */
#ifndef FUPIN_FUZZ_DB_H
#define FUPIN_FUZZ_DB_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* Opens (once per process) a fresh database created by store_open with
 * the schema, and a second, raw connection for writing rows. tables is the
 * NULL-terminated list of tables the bytes may write to (at most 16).
 * Returns the store connection the code under test reads through. Aborts
 * when it cannot: the harness cannot go on. */
struct store *fuzz_db_open(const char *const *tables);

/* Empties every table, then writes the rows the bytes describe: each row
 * is a table (one byte), then per column a tag byte (leave out, NULL, a
 * small or 64-bit integer, a double from 8 bytes, text of the dictionary
 * or of the bytes themselves, with NULs and bad UTF-8 as they come). Rows
 * the schema refuses are skipped. Returns how many rows were written. */
int fuzz_db_fill(const uint8_t *data, size_t size);

/* Runs fn on each text value of the first column of sql's rows (raw
 * connection): for reading back what the code under test wrote. */
void fuzz_db_each(const char *sql, void (*fn)(const char *text, size_t len, void *ctx), void *ctx);

#endif
