/* plugin_loader.c - C plugins: not built yet (issue #5). */
#include "plugin_loader.h"

int plugin_load(const char *dir, const char *name, const struct config *cfg,
                struct plugin **out, struct err *e)
{
    return err_set(e, ERR_INVALID, "%s/%s.so: plugin loading is not built yet (issue #5)", dir, name);
}
void plugin_unload(struct plugin *p) {}
const struct fupin_plugin *plugin_descriptor(const struct plugin *p) { return NULL; }
const char *plugin_source(const struct plugin *p) { return ""; }
int plugin_eval(struct plugin *p, const struct fupin_household *hh, struct fupin_params *params,
                struct fupin_out *out, struct err *e)
{
    return err_set(e, ERR_FAIL, "plugin loading is not built yet (issue #5)");
}
int plugin_check_params(const struct plugin *p, const struct config *cfg, struct err *e) { return 0; }
