/* fuzz_casefile.c - the case-file reader (runner/casefile*) on any bytes,
 * through `fupin test`'s own entry, casefile_run_path, with the shipped
 * config, policies and plugins: a file is run, or refused with a message
 * naming it, never a crash or a hang. */
#include "casefile.h"
#include "config.h"
#include "fuzz.h"
#include "policy_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct config *cfg;
static struct policy_set *set;

static void setup(void)
{
    struct err e = {{0}};
    if (config_load(FUPIN_SOURCE_DIR "/configs/fupin.yaml", &cfg, &e) != 0)
        fuzz_fail("%s", e.msg);
    /* The plugins of this build, wherever the build is. */
    free(cfg->plugin_dir);
    cfg->plugin_dir = strdup(FUZZ_PLUGIN_DIR);
    /* Small budgets: a case file cannot make a policy loop, but keep the
     * fuzzer fast whatever the policies do with odd households. */
    cfg->lua_instructions = 1000000;
    cfg->lua_wall_ms = 2000;
    if (!cfg->plugin_dir || policy_set_load(cfg, 1, &set, &e) != 0)
        fuzz_fail("policy_set_load: %s", e.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!set)
        setup();
    const char *path = fuzz_write("cases.yaml", data, size);
    struct casefile_totals totals = {0};
    struct err e = {{0}};
    int rc = casefile_run_path(path, set, NULL, NULL, &totals, &e);
    if (rc == ERR_INVALID && !strstr(e.msg, "cases.yaml"))
        fuzz_fail("the error does not name the file: %s", e.msg);
    if (rc != 0 && rc != ERR_INVALID)
        fuzz_fail("casefile_run_path returned %d: %s", rc, e.msg);
    if (totals.passed < 0 || totals.failed < 0)
        fuzz_fail("negative totals");
    return 0;
}
