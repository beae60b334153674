/* newer.c - a plugin as built against a later plugin ABI that appended a
 * member to the descriptor, for the loader's tests: a larger struct_size and
 * a higher abi_version. The loader must load it, read only the ABI-2 members
 * and run it. */
#include "fupin_plugin.h"

#include <string.h>

static const char *const measures[] = {"newer_measure", NULL};

/* What a later ABI's descriptor looks like to this daemon: ABI 2's members,
 * then one it does not know. */
struct later_plugin {
    struct fupin_plugin abi2;
    int (*explain)(void *state, char *buf, size_t size);
};

static int newer_init(const struct fupin_host *host, const struct fupin_params *params,
                      void **state, char *err, size_t err_size)
{
    (void)params, (void)err, (void)err_size;
    *state = (void *)(uintptr_t)host;
    return FUPIN_OK;
}

static int newer_evaluate(void *state, const struct fupin_household *hh,
                          const struct fupin_params *params, struct fupin_out *out, char *err,
                          size_t err_size)
{
    (void)hh, (void)params, (void)err, (void)err_size;
    const struct fupin_host *host = state;
    struct fupin_finding f = {.measure = "newer_measure", .reason = "newer: loaded"};
    return host->recommend(out, &f);
}

static int newer_explain(void *state, char *buf, size_t size)
{
    (void)state, (void)buf, (void)size;
    return FUPIN_ERROR; /* never called by this daemon */
}

static const struct later_plugin descriptor = {
    .abi2 =
        {
            .magic = FUPIN_PLUGIN_MAGIC,
            .abi_version = FUPIN_PLUGIN_ABI_VERSION + 1,
            .struct_size = sizeof(struct later_plugin),
            .view = FUPIN_VIEW_SIZES,
            .name = "newer",
            .version = "0.1",
            .measures = measures,
            .init = newer_init,
            .evaluate = newer_evaluate,
        },
    .explain = newer_explain,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor.abi2;
}
