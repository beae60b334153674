/* cmd_list.h - what the list commands (`fupin findings list`, `fupin alert
 * list`) share: --format and --output, where the list goes, and the checks
 * of the options that name a region, a cadre or a date. In cmd_findings.c. */
#ifndef FUPIN_CMD_LIST_H
#define FUPIN_CMD_LIST_H

#include "cli.h"
#include "export.h"

#include <stddef.h>
#include <stdint.h>

struct store;

struct list_output {
    enum export_format format; /* default EXPORT_TABLE */
    const char *path;          /* --output FILE; NULL: standard output */
};

/* When argv[*i] is --format or --output (with its value), takes it into o,
 * advances *i and returns 1; returns 0 for any other argument; on a bad or
 * missing value prints the message and sets *rc to EXIT_USAGE (returns 1). */
int cmd_list_option(const struct cli *cli, const char *usage, int *i, struct list_output *o,
                    int *rc);

/* Checks --region and --cadre against the database (either may be unset:
 * NULL, 0). Returns EXIT_OK, or EXIT_USAGE / EXIT_RUNTIME with the message
 * printed. */
int cmd_list_check_filters(const struct cli *cli, struct store *st, const char *region,
                           int64_t cadre_id);

/* A value typed on the command line, fit to echo in a message: any
 * resident ID masked, cut to the buffer, control characters defused. */
struct cmd_shown {
    char s[128];
};
struct cmd_shown cmd_list_shown(const char *typed);

/* Starts the export of cols to o, its times on the clock of cfg's zone: a
 * binary format (xlsx) bound for a terminal, with no --output, is refused.
 * Returns EXIT_OK with *x, or an exit code with the message printed. */
int cmd_list_open(const struct cli *cli, const struct config *cfg, const struct list_output *o,
                  const char *sheet, const struct export_column *cols, size_t ncols,
                  struct export **x);

#endif
