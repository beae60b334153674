/* crash_in_worker.c - a plugin that loads in the daemon but crashes while
 * loading in every worker process (it looks at its own command line), for
 * the test that a daemon whose workers can never start exits 1 naming the
 * cause instead of running without evaluating anything. */
#include "fupin_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const measures[] = {"x", NULL};

static int in_worker(void)
{
    char cmd[512] = {0};
    FILE *f = fopen("/proc/self/cmdline", "rb");
    size_t n = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i + 6 < n; i++)
        if (memcmp(cmd + i, "worker", 7) == 0) /* the NUL after it included */
            return 1;
    return 0;
}

static int crash_init(const struct fupin_host *host, const struct fupin_params *params,
                      void **state, char *err, size_t err_size)
{
    (void)host, (void)params, (void)state, (void)err, (void)err_size;
    if (in_worker())
        abort();
    return FUPIN_OK;
}

static int crash_evaluate(void *state, const struct fupin_household *hh,
                          const struct fupin_params *params, struct fupin_out *out, char *err,
                          size_t err_size)
{
    (void)state, (void)hh, (void)params, (void)out, (void)err, (void)err_size;
    return FUPIN_OK;
}

static const struct fupin_plugin descriptor = {
    FUPIN_PLUGIN_HEADER,  .name = "crash_in_worker", .version = "0.1",
    .measures = measures, .init = crash_init,        .evaluate = crash_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
