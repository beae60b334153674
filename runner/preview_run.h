/* preview_run.h - evaluating a candidate rule set over every household on
 * one read-only snapshot and comparing it with the stored findings (the
 * work of `fupin preview`, of `fupin change` and of the web console's rule
 * changes). Reads the database; never writes it. */
#ifndef FUPIN_PREVIEW_RUN_H
#define FUPIN_PREVIEW_RUN_H

#include "config.h"
#include "err.h"
#include "policy_set.h"
#include "preview.h"

#include <stdio.h>

/* Evaluates set over every household of cfg->database (in cfg->workers
 * threads, on one state of the database) into p (set up with
 * preview_init), then finishes p. Returns 0 or a code with e. */
int preview_run(const struct config *cfg, const struct policy_set *set, struct preview *p,
                struct err *e);

/* The preview of cfg's rule set with another policy folder, plugin folder
 * or params file (each NULL: cfg's), strictly loaded. ERR_INVALID (and the
 * file:line in e) for a candidate that does not load; then p stays empty. */
int preview_candidate(const struct config *cfg, const char *policies_dir, const char *plugin_dir,
                      const char *params_path, struct preview *p, struct err *e);

/* p as the JSON of `fupin preview --format json` into f, unmasked: the
 * caller scrubs (scrub_ids_json) what it shows or keeps. */
void preview_json_write(FILE *f, const struct preview *p);
/* p as that JSON in a new string, resident IDs masked; the caller frees
 * *out. ERR_FAIL when out of memory. */
int preview_json(const struct preview *p, char **out, struct err *e);

#endif
