/* plugin_loader.h - loading C policy plugins (dlopen) and calling them.
 * Refuses, before calling any plugin function, a file with no entry point,
 * a wrong magic, an ABI older than 2 or a descriptor smaller than ABI 2's,
 * an invalid parameter declaration, or unsafe ownership/permissions. */
#ifndef FUPIN_PLUGIN_LOADER_H
#define FUPIN_PLUGIN_LOADER_H

#include "config.h"
#include "err.h"
#include "fupin_plugin.h"
#include "household.h"
#include "plugin_view.h"
#include "policy.h"

struct plugin;

/* Loads <dir>/<name>.so, checks its descriptor and declarations and runs its
 * init. ERR_INVALID with a message naming the file and the reason when
 * refused (an ABI-1 plugin: "built for plugin ABI 1, this fupin speaks ABI
 * 2; rebuild it ..."). */
int plugin_load(const char *dir, const char *name, const struct config *cfg, struct plugin **out,
                struct err *e);
void plugin_unload(struct plugin *p);
const struct fupin_plugin *plugin_descriptor(const struct plugin *p);
/* "plugin:education@1.2" */
const char *plugin_source(const struct plugin *p);
/* Calls the plugin's evaluate on hh, seen through view (filled from hh
 * unless it shows hh already: one fill serves every plugin of a household;
 * plugin_view_forget it before the next). ERR_FAIL with the plugin's message
 * when it fails. */
int plugin_eval(struct plugin *p, struct plugin_view *view, const struct household *hh,
                struct fupin_params *params, struct fupin_out *out, struct err *e);
/* The household's lists the plugin reads, as HOUSEHOLD_LIST_BITs: its
 * descriptor's reads (ABI 4), else every list (*declared, may be NULL, says
 * which). The loader refuses flags it does not know. */
uint32_t plugin_reads(const struct plugin *p, int *declared);

/* The parameters the plugin declares (*n of them; NULL when none), checked
 * at load: valid keys, no key twice, known types, finite min <= max, a
 * default within range for every required one. Owned by the plugin: valid
 * until plugin_unload. */
const struct fupin_param_decl *plugin_param_decls(const struct plugin *p, size_t *n);

#endif
