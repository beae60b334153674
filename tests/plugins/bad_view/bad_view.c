/* bad_view.c - a deliberately broken plugin for the loader's tests: built
 * against a household view whose member struct is larger than the one this
 * daemon fills (as a plugin built for a newer daemon would be). The loader
 * must refuse it and never call init or evaluate. */
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
    FUPIN_PLUGIN_HEADER,  .name = "bad_view",       .version = "0.1",
    .measures = measures, .evaluate = bad_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    /* A copy with a member 64 bytes larger than ours. */
    static struct fupin_plugin d;
    d = descriptor;
    d.view.member += 64;
    return &d;
}
