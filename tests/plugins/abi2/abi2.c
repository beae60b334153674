/* abi2.c - a plugin as built against plugin ABI 2, before ABI 3 appended
 * in_labor_force and labor_recorded to struct fupin_member and the 两不愁
 * facts and shocks to struct fupin_household: it declares ABI 2's view
 * sizes and reads the members through ABI 2's layout, for the loader's
 * tests. The daemon must lay the members out at ABI 2's size, or the second
 * member onwards reads as garbage. */
#include "fupin_plugin.h"

#include <stdio.h>
#include <string.h>

static const char *const measures[] = {"abi2_measure", NULL};

/* struct fupin_member as ABI 2 defined it: it ended at skills. */
struct abi2_member {
    int64_t id;
    const char *name;
    const char *id_number;
    const char *relation;
    const char *birth_date;
    int age;
    enum fupin_labor labor;
    enum fupin_health health;
    enum fupin_school school_stage;
    int medical_insured, critical_insured, pension_insured, employed, wants_job, skills;
};

static int abi2_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                     char *err, size_t err_size)
{
    (void)params, (void)err, (void)err_size;
    *state = (void *)(uintptr_t)host;
    return FUPIN_OK;
}

/* "name:age" of every member, read at ABI 2's element size. */
static int abi2_evaluate(void *state, const struct fupin_household *hh,
                         const struct fupin_params *params, struct fupin_out *out, char *err,
                         size_t err_size)
{
    (void)params, (void)err, (void)err_size;
    const struct fupin_host *host = state;
    const struct abi2_member *m = (const struct abi2_member *)(const void *)hh->members;
    char reason[512] = "abi2:";
    size_t used = strlen(reason);
    for (size_t i = 0; i < hh->n_members && used < sizeof reason; i++)
        used += (size_t)snprintf(reason + used, sizeof reason - used, "%s%s:%d", i ? "," : "",
                                 m[i].name ? m[i].name : "?", m[i].age);
    struct fupin_finding f = {.measure = "abi2_measure", .reason = reason};
    return host->recommend(out, &f);
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = 2,
    .struct_size = sizeof(struct fupin_plugin),
    .view = {.household = offsetof(struct fupin_household, food_secure),
             .member = sizeof(struct abi2_member),
             .income = sizeof(struct fupin_income),
             .loan = sizeof(struct fupin_loan),
             .link = sizeof(struct fupin_link),
             .share = sizeof(struct fupin_share),
             .visit = sizeof(struct fupin_visit),
             .task = sizeof(struct fupin_task),
             .fund = sizeof(struct fupin_fund)},
    .name = "abi2",
    .version = "0.1",
    .measures = measures,
    .init = abi2_init,
    .evaluate = abi2_evaluate,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
