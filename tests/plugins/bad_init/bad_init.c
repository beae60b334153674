/* bad_init.c - a deliberately broken plugin for the loader's tests: its init fails with a message.
 * The loader must refuse it with a clear message and never call evaluate. */
#include "fupin_plugin.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const measures[] = {"x", NULL};

static int bad_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    snprintf(err, err_size, "bad_init: the flux capacitor is missing");
    return FUPIN_ERROR;
}

static int bad_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    abort(); /* must never be reached */
}

static const struct fupin_plugin descriptor = {
    FUPIN_PLUGIN_HEADER,  .name = "bad_init", .version = "0.1",
    .measures = measures, .init = bad_init,   .evaluate = bad_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
