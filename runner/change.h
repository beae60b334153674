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

/* The live rule set of `reload: review` (rule_live: policies, params,
 * plugins) as a config to load a policy set with, its texts written to a
 * private temporary folder. cfg NULL: nothing was activated yet, so the
 * caller's own config is what runs. */
struct change_live {
    struct config *cfg; /* borrows the caller's config and the folders below */
    char top[1024], dir[1200], plugins[1100];
};
/* Fills l from st (read-only is enough) over cfg, which must outlive it;
 * writes nothing to the database. Release with change_live_close (also on
 * failure, harmless) after the set loaded from l->cfg is freed. */
int change_live_open(struct store *st, const struct config *cfg, struct change_live *l,
                     struct err *e);
void change_live_close(struct change_live *l);

/* Activates (activate != 0) or discards pending change id on behalf of by
 * (st opened for writing). Activation is refused (ERR_INVALID) when a file
 * of the change differs on disk from what was staged, and keeps the
 * preview's JSON summary with the change. ERR_NOTFOUND: no such change;
 * ERR_INVALID: it is not pending. */
int change_decide(struct store *st, const struct config *cfg, int64_t id, int activate,
                  const char *by, struct err *e);

/* The staged text of the plugin file at path: its bytes as hex, a new
 * string the caller frees; NULL when it cannot be read. */
char *change_plugin_text(const char *path);
/* Writes the plugin whose staged text is text to path (through a temporary
 * file and a rename, so a process loading it never sees half). *changed
 * (may be NULL): path held other bytes before. */
int change_plugin_write(const char *text, const char *path, int *changed, struct err *e);

#endif
