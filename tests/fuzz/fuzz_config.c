/* fuzz_config.c - the config loader on any bytes: written to a file and
 * handed to config_load, as `fupin check` and SIGHUP do. It must answer 0
 * with a config, or an error naming the file, never crash or hang. */
#include "config.h"
#include "fuzz.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("fupin.yaml", data, size);
    struct config *cfg = NULL;
    struct err e = {{0}};
    int rc = config_load(path, &cfg, &e);
    if (rc == 0) {
        if (!cfg)
            fuzz_fail("config_load returned 0 without a config");
        /* What a policy asks of params: every value answers, finitely. */
        for (size_t i = 0; i < cfg->n_params; i++) {
            double v;
            if (config_param_number(cfg, cfg->params[i].key, 2018, &v) == 0 && !isfinite(v))
                fuzz_fail("params.%s: a non-finite number was accepted", cfg->params[i].key);
        }
        config_free(cfg);
        return 0;
    }
    if (cfg)
        fuzz_fail("config_load failed (%d) but left a config", rc);
    if (!strstr(e.msg, "fupin.yaml"))
        fuzz_fail("the error does not name the file: %s", e.msg);
    return 0;
}
