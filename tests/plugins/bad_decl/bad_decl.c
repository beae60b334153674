/* bad_decl.c - deliberately broken parameter declarations for the loader's
 * tests, one descriptor per mistake; the environment variable
 * FUPIN_TEST_BAD_DECL names the one the entry point returns (so one .so
 * covers every case). The loader must refuse each with a message naming the
 * parameter and the mistake, and never call evaluate. */
#include "fupin_plugin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const measures[] = {"x", NULL};

static int bad_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    abort(); /* must never be reached */
}

/* A valid declaration, changed by each case. */
#define GOOD(k)                                                                                    \
    .key = k, .type = FUPIN_PARAM_NUMBER, .unit = "yuan", .min = 0, .max = 100, .required = 1,     \
    .has_default = 1, .default_number = 1

static const struct fupin_param_decl no_key[] = {{GOOD("a")}, {.type = FUPIN_PARAM_NUMBER}};
static const struct fupin_param_decl bad_key[] = {{GOOD("Premium")}};
static const struct fupin_param_decl dotted_key[] = {{GOOD("living_allowance..primary")}};
static const struct fupin_param_decl unknown_type[] = {
    {.key = "a", .type = (enum fupin_param_type)9}};
static const struct fupin_param_decl min_over_max[] = {
    {.key = "a", .type = FUPIN_PARAM_NUMBER, .min = 10, .max = 1}};
static const struct fupin_param_decl nan_bound[] = {
    {.key = "a", .type = FUPIN_PARAM_NUMBER, .min = NAN, .max = 1}};
static const struct fupin_param_decl inf_bound[] = {
    {.key = "a", .type = FUPIN_PARAM_NUMBER, .min = 0, .max = INFINITY}};
static const struct fupin_param_decl required_no_default[] = {
    {.key = "a", .type = FUPIN_PARAM_NUMBER, .max = 1, .required = 1}};
static const struct fupin_param_decl duplicate[] = {{GOOD("a")}, {GOOD("b")}, {GOOD("a")}};
static const struct fupin_param_decl default_out_of_range[] = {
    {.key = "a", .type = FUPIN_PARAM_NUMBER, .max = 1, .has_default = 1, .default_number = 2}};
static const struct fupin_param_decl integer_default_fraction[] = {
    {.key = "a", .type = FUPIN_PARAM_INTEGER, .max = 9, .has_default = 1, .default_number = 1.5}};
static const struct fupin_param_decl date_default_bad[] = {
    {.key = "a", .type = FUPIN_PARAM_DATE, .has_default = 1, .default_text = "2018-02-30"}};
static const struct fupin_param_decl text_default_null[] = {
    {.key = "a", .type = FUPIN_PARAM_TEXT, .required = 1, .has_default = 1}};
static const struct fupin_param_decl text_by_year[] = {
    {.key = "a", .type = FUPIN_PARAM_TEXT, .by_year = 1}};

/* clang-format off */
#define CASE(arr)                                                                                  \
    {#arr,                                                                                         \
     {FUPIN_PLUGIN_HEADER, .name = "bad_decl", .version = "0.1", .measures = measures,             \
      .params = arr, .n_params = sizeof arr / sizeof arr[0], .evaluate = bad_evaluate}}
/* clang-format on */

static const struct {
    const char *name;
    struct fupin_plugin desc;
} cases[] = {
    CASE(no_key),
    CASE(bad_key),
    CASE(dotted_key),
    CASE(unknown_type),
    CASE(min_over_max),
    CASE(nan_bound),
    CASE(inf_bound),
    CASE(required_no_default),
    CASE(duplicate),
    CASE(default_out_of_range),
    CASE(integer_default_fraction),
    CASE(date_default_bad),
    CASE(text_default_null),
    CASE(text_by_year),
    {"params_null",
     {FUPIN_PLUGIN_HEADER, .name = "bad_decl", .version = "0.1", .measures = measures,
      .params = NULL, .n_params = 2, .evaluate = bad_evaluate}},
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    const char *which = getenv("FUPIN_TEST_BAD_DECL");
    for (size_t i = 0; which && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(cases[i].name, which) == 0)
            return &cases[i].desc;
    return NULL;
}
