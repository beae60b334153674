/* bad_version.c - a plugin as built against plugin ABI 1, for the loader's
 * tests: the descriptor is written out in ABI 1's own layout (no struct_size,
 * required_params where ABI 2 has params), since the header now describes
 * ABI 2. The loader must refuse it, naming the file and both ABI versions,
 * and never call init or evaluate. */
#include "fupin_plugin.h"

#include <stdlib.h>

/* ABI 1's descriptor, member for member. */
struct abi1_plugin {
    uint32_t magic;
    uint32_t abi_version;
    const char *name;
    const char *version;
    const char *const *measures;
    const char *const *required_params;
    int (*init)(const struct fupin_host *host, const struct fupin_params *params, void **state,
                char *err, size_t err_size);
    int (*evaluate)(void *state, const struct fupin_household *hh,
                    const struct fupin_params *params, struct fupin_out *out, char *err,
                    size_t err_size);
    void (*free)(void *state);
};

static const char *const measures[] = {"x", NULL};
static const char *const required[] = {"x_amount", NULL};

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

static const struct abi1_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = 1,
    .name = "bad_version",
    .version = "0.1",
    .measures = measures,
    .required_params = required,
    .init = bad_init,
    .evaluate = bad_evaluate,
};

/* An ABI-1 plugin exported this very symbol with this signature. */
FUPIN_PLUGIN_EXPORT const struct abi1_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
