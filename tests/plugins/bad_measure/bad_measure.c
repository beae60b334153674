/* bad_measure.c - a deliberately broken plugin for the loader's tests: calls itself education but
 * lists a measure outside that area's catalogue (installed by the test as education.so). The loader
 * must refuse it with a clear message and never call evaluate. */
#include "fupin_plugin.h"

#include <stdlib.h>

static const char *const measures[] = {"bogus_measure", NULL};

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
    FUPIN_PLUGIN_HEADER,  .name = "education", .version = "0.1",
    .measures = measures, .init = bad_init,    .evaluate = bad_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
