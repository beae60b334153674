/* bad_magic.c - a deliberately broken plugin for the loader's tests: a descriptor with the wrong
 * magic. The loader must refuse it with a clear message and never call evaluate. */
#include "fupin_plugin.h"

#include <stdlib.h>

static const char *const measures[] = {"x", NULL};

static int bad_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    abort(); /* must never be reached */
}

static int bad_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    abort(); /* must never be reached */
}

static const struct fupin_plugin descriptor = {
    .magic = 0x12345678u,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct fupin_plugin),
    .name = "bad_magic",
    .version = "0.1",
    .measures = measures,
    .init = bad_init,
    .evaluate = bad_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
