/* change.h - a staged rule change (`reload: review`) previewed and decided:
 * the one path the command line and the web console both take, so a change
 * goes live the same way whoever activates it. Writes only the change's
 * record; the daemon notices the decision and swaps its live set. */
#ifndef FUPIN_CHANGE_H
#define FUPIN_CHANGE_H

#include "config.h"
#include "err.h"
#include "preview.h"
#include "store.h"
#include "store_rules.h"

#include <stdint.h>

/* What activating change c would do now: the live rule set with c's files
 * over it, evaluated against the stored findings (made by the live set),
 * into p (set up with preview_init). ERR_INVALID when the candidate does
 * not load. */
int change_preview(struct store *st, const struct config *cfg, const struct rule_change *c,
                   struct preview *p, struct err *e);

/* Activates (activate != 0) or discards pending change id on behalf of by
 * (st opened for writing). Activation is refused (ERR_INVALID) when a file
 * of the change differs on disk from what was staged, and keeps the
 * preview's JSON summary with the change. ERR_NOTFOUND: no such change;
 * ERR_INVALID: it is not pending. */
int change_decide(struct store *st, const struct config *cfg, int64_t id, int activate,
                  const char *by, struct err *e);

#endif
