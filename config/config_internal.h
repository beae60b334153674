/* config_internal.h - what config.c and config_params.c share while one
 * file is loaded: the load context and its error helper. Not for other
 * modules: they see only struct config (config.h). */
#ifndef FUPIN_CONFIG_INTERNAL_H
#define FUPIN_CONFIG_INTERNAL_H

#include "config.h"
#include "config_yaml.h"

struct config_load_ctx {
    const char *path; /* as the caller named it: messages quote it */
    struct config *cfg;
    struct err *e;
};

/* Sets "path:line:col: what" (ERR_INVALID) pointing at node n. */
int config_fail(struct config_load_ctx *c, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets "path: out of memory" and returns ERR_FAIL. */
int config_oom(struct config_load_ctx *c);
/* A short description of a node for "got ..." messages. */
const char *config_describe(const struct ynode *n, char *buf, size_t size);

/* Flattens params: into cfg->params, sorted by key. n may be NULL. */
int config_load_params(struct config_load_ctx *c, const struct ynode *n);

#endif
