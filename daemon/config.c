/* config.c - YAML config loader: being written (issue #2). */
#include "config.h"

int config_load(const char *path, struct config **out, struct err *e)
{
    return err_set(e, ERR_INVALID, "%s: config loader not built yet", path);
}
void config_free(struct config *cfg) {}
const struct config_param *config_param_find(const struct config *cfg, const char *key) { return 0; }
int config_param_number(const struct config *cfg, const char *key, int year, double *value) { return ERR_INVALID; }
const struct config_param *config_param_scoped(const struct config *cfg, const char *area, const char *key) { return 0; }
const struct config_channel *config_channel_find(const struct config *cfg, const char *name) { return 0; }
