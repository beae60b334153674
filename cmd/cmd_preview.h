/* cmd_preview.h - what cmd_preview.c (the evaluation) hands its report
 * writer (cmd_preview_report.c). Internal to cmd/. */
#ifndef FUPIN_CMD_PREVIEW_H
#define FUPIN_CMD_PREVIEW_H

#include "config.h"
#include "err.h"
#include "preview.h"

#include <stdio.h>

enum preview_format { F_TEXT, F_JSON, F_XLSX, F_HTML };

/* Writes p as fmt to path (created or truncated, mode 0600; ERR_INVALID when
 * it cannot be written) or, path NULL, to stdout. Returns 0 or a code with e. */
int preview_report_write(enum preview_format fmt, const char *path, const struct preview *p,
                         struct err *e);

#endif
