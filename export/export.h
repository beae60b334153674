/* export.h - lists written for people and their tools: an aligned table for
 * a terminal, JSON, CSV (UTF-8 with BOM, for Excel) and xlsx. Rows stream
 * through (a million rows never sit in memory). Every cell passes the
 * resident-ID scrubber here and a cell that looks like a formula is written
 * as text, so no caller can forget either. The only includer of xlsxwriter.h. */
#ifndef FUPIN_EXPORT_H
#define FUPIN_EXPORT_H

#include "err.h"

#include <stddef.h>
#include <stdio.h>

enum export_format { EXPORT_TABLE, EXPORT_JSON, EXPORT_CSV, EXPORT_XLSX };

/* What a column holds. EXPORT_TEXT (the default, 0) is always a string;
 * EXPORT_NUMBER is written as a number in JSON and xlsx when the cell is
 * one (an empty cell is JSON null), else as text. EXPORT_TIME is a stored
 * time ("YYYY-MM-DD HH:MM:SS", UTC): JSON, for programs, keeps it as
 * stored; the table, CSV and xlsx, for people, show it on the offices'
 * clock (export_set_zone; tz_show for what is no such time). */
enum export_kind { EXPORT_TEXT, EXPORT_NUMBER, EXPORT_TIME };

struct export_column {
    const char *key;    /* JSON member name, stable ("household_id") */
    const char *header; /* already translated header ("户编号") */
    enum export_kind kind;
};

struct export;

/* "table", "json", "csv" or "xlsx" into *f; ERR_INVALID for anything else. */
int export_format_parse(const char *s, enum export_format *f);
/* Nonzero for the formats that are no text for a terminal (xlsx). */
int export_format_is_binary(enum export_format f);

/* Starts an export of ncols columns (cols are copied). path non-NULL: writes
 * that file, created or truncated with mode 0600; else writes to out (xlsx
 * goes through a private temporary file copied to out at close). sheet
 * names the xlsx worksheet (NULL: "Sheet"). Returns 0 or a code with e. */
int export_open(struct export **x, enum export_format f, const char *path, FILE *out,
                const char *sheet, const struct export_column *cols, size_t ncols, struct err *e);
/* Writes one row of ncols cells; a NULL cell is empty. The cells are
 * scrubbed and neutralised on a copy: the caller's strings stay as they are. */
int export_row(struct export *x, const char *const *cells, struct err *e);
/* Finishes the output and frees x (NULL is a no-op). Call it also after a
 * failed export_row: it then removes the file of path and returns the error. */
int export_close(struct export *x, struct err *e);

/* How many terminal columns s takes: CJK and other wide characters count
 * two, combining marks none. For valid UTF-8; an invalid byte counts one. */
size_t export_display_width(const char *s);

/* The zone of the offices, as an offset from UTC in seconds (tz_offset),
 * for the EXPORT_TIME columns of the formats people read. An export opens
 * on TZ_DEFAULT's; a caller with a config passes its schedule.timezone. */
void export_set_zone(struct export *x, int offset_s);

/* Rows per xlsx worksheet before the next sheet starts, header included
 * (Excel's limit, 1048576). Tests lower it with export_set_sheet_rows. */
#define EXPORT_XLSX_SHEET_ROWS 1048576u
void export_set_sheet_rows(struct export *x, size_t rows);

#endif
