/* plugin_loader.h - loading C policy plugins (dlopen) and calling them.
 * Refuses, before calling any plugin function, a file with no entry point,
 * a wrong magic or ABI version, or unsafe ownership/permissions. */
#ifndef FUPIN_PLUGIN_LOADER_H
#define FUPIN_PLUGIN_LOADER_H

#include "config.h"
#include "err.h"
#include "fupin_plugin.h"
#include "household.h"
#include "plugin_view.h"
#include "policy.h"

struct plugin;

/* Loads <dir>/<name>.so and runs its init. ERR_INVALID with a message naming
 * the file and the reason when refused. */
int plugin_load(const char *dir, const char *name, const struct config *cfg,
                struct plugin **out, struct err *e);
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
/* Checks that every required_params key exists; ERR_INVALID naming the first
 * missing one. */
int plugin_check_params(const struct plugin *p, const struct config *cfg, struct err *e);

#endif
