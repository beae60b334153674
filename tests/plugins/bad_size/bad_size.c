/* bad_size.c - a deliberately broken plugin for the loader's tests: it says
 * ABI 2 but its struct_size is smaller than ABI 2's descriptor. The loader
 * must refuse it with a clear message and never call init or evaluate. */
#include "fupin_plugin.h"

#include <stdlib.h>

static const char *const measures[] = {"x", NULL};

static int bad_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    abort(); /* must never be reached */
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .struct_size = 24,
    .name = "bad_size",
    .version = "0.1",
    .measures = measures,
    .evaluate = bad_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
