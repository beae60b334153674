/* sample.c - a minimal good plugin for the loader's tests: one finding per
 * household, and a failing evaluate when the head's name is "FAIL" (so a
 * test can check that one failing policy leaves the others running). */
#include "fupin_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const measures[] = {"sample_measure", NULL};
static const char *const required[] = {"sample_amount", NULL};

struct sample {
    const struct fupin_host *host;
};

static int sample_init(const struct fupin_host *host, const struct fupin_params *params,
                       void **state, char *err, size_t err_size)
{
    struct sample *st = malloc(sizeof *st);
    if (!st) {
        snprintf(err, err_size, "out of memory");
        return FUPIN_ERROR;
    }
    st->host = host;
    *state = st;
    return FUPIN_OK;
}

static int sample_evaluate(void *state, const struct fupin_household *hh,
                           const struct fupin_params *params, struct fupin_out *out, char *err,
                           size_t err_size)
{
    const struct sample *st = state;
    if (hh->head_name && strcmp(hh->head_name, "FAIL") == 0) {
        snprintf(err, err_size, "sample: household %lld asked to fail", (long long)hh->id);
        return FUPIN_ERROR;
    }
    struct fupin_finding f = {.measure = "sample_measure",
                              .has_amount = 1,
                              .amount = 1,
                              .reason = "sample: every household gets one"};
    return st->host->recommend(out, &f);
}

static void sample_free(void *state)
{
    free(state);
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .name = "sample",
    .version = "0.1",
    .measures = measures,
    .required_params = required,
    .init = sample_init,
    .evaluate = sample_evaluate,
    .free = sample_free,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
