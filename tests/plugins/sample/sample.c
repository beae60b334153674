/* sample.c - a minimal good plugin for the loader's tests, written with
 * FUPIN_PLUGIN_DEFINE: one finding per household, and a failing evaluate
 * when the head's name is "FAIL" (so a test can check that one failing
 * policy leaves the others running). */
#include "fupin_plugin.h"

#include <string.h>

static const char *const measures[] = {"sample_measure", NULL};

/* Declared, with a default, but absent from the shipped config: a required
 * param with a default must not stop the plugin from loading. */
static const struct fupin_param_decl params[] = {
    {.key = "sample_amount",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "测试插件的金额",
     .min = 0,
     .max = 100,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 1},
};

static int sample_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (hh->head_name && strcmp(hh->head_name, "FAIL") == 0)
        return fupin_fail(c, "sample: household %lld asked to fail", (long long)hh->id);
    return fupin_recommend_amount(c, 0, "sample_measure", 1, "sample: every household gets one");
}

FUPIN_PLUGIN_DEFINE("sample", "0.1", measures, params, sample_evaluate)
