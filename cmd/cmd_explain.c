/* cmd_explain.c - `fupin explain ID [--json]`: one household evaluated without
 * writing, every policy's findings, alerts, errors and the parameters it read,
 * beside the facts they rest on. Output is for the cadre (stdout), so health
 * may be shown; resident ID numbers are masked and nothing goes to the log. */
#include "cli.h"
#include "engine.h"
#include "json.h"
#include "log.h"
#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: fupin explain ID [--json]\n"
                            "Evaluates one household without writing and shows every policy's\n"
                            "findings with the facts and parameters behind them.\n";

/* The text of an enumerated field as household.h spells it; NULL when not
 * recorded. */
#define NAME(map, v) household_enum_name(&household_enum_##map, (int)(v))
/* For the text output: "-" when not recorded. */
#define NAME_OR_DASH(map, v) (NAME(map, v) ? NAME(map, v) : "-")

static const struct household_member *member_of(const struct household *hh, int64_t id)
{
    for (size_t i = 0; i < hh->n_members; i++)
        if (hh->members[i].id == id)
            return &hh->members[i];
    return NULL;
}

static double income_total(const struct household_income *in)
{
    return in->wage + in->production + in->property + in->transfer;
}

static const char *last_visit(const struct household *hh)
{
    return hh->n_visits ? hh->visits[hh->n_visits - 1].date : NULL;
}

/* ---- text ---- */

static void text_facts(const struct household *hh)
{
    printf("household %lld as of %s\n", (long long)hh->id, hh->today);
    /* Every text from the database goes through term_str: a name holding
     * ESC or CR must not recolour the terminal or forge a line. */
    printf("  village %s %s (town %s, county %s), %s, %s\n",
           hh->village ? term_str(hh->village) : "?",
           hh->village_name ? term_str(hh->village_name) : "", hh->town ? term_str(hh->town) : "?",
           hh->county ? term_str(hh->county) : "?", hh->poor_village ? "poor village" : "scattered",
           hh->livable ? "livable" : "lacks living conditions");
    printf("  head %s; status %s; cause %s; housing grade %s%s; tap water %s; dibao %s\n",
           hh->head_name ? term_str(hh->head_name) : "?", NAME_OR_DASH(status, hh->status),
           hh->poverty_cause ? term_str(hh->poverty_cause) : "-",
           NAME(grade, hh->housing_grade) ? NAME(grade, hh->housing_grade) : "unknown",
           hh->housing_renovated ? " (renovated)" : "", hh->tap_water ? "yes" : "no",
           hh->dibao ? "yes" : "no");
    if (hh->cadre_id)
        printf("  paired with cadre %lld since %s; last visit %s\n", (long long)hh->cadre_id,
               hh->paired_since ? term_str(hh->paired_since) : "?",
               last_visit(hh) ? term_str(last_visit(hh)) : "none");
    else
        printf("  no paired cadre; last visit %s\n",
               last_visit(hh) ? term_str(last_visit(hh)) : "none");
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24], age[16] = "?";
        if (m->age >= 0)
            snprintf(age, sizeof age, "%d", m->age);
        printf("  member %lld %s (%s) %s: age %s, labour %s, health %s, school %s, skills %d\n",
               (long long)m->id, m->name ? term_str(m->name) : "?",
               m->relation ? term_str(m->relation) : "-",
               log_mask_id(m->id_number, masked, sizeof masked), age, NAME_OR_DASH(labor, m->labor),
               NAME_OR_DASH(health, m->health), NAME_OR_DASH(school, m->school_stage), m->skills);
    }
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *in = &hh->income[i];
        printf("  income %d: %.2f per person (%zu members)\n", in->year,
               hh->n_members ? income_total(in) / (double)hh->n_members : income_total(in),
               hh->n_members);
    }
}

static void text_policy(const struct household *hh, const struct eval_result *res,
                        const struct policy *p)
{
    printf("\n%s (%s) %s\n", term_str(p->name), term_str(p->title), term_str(p->source));
    int any = 0;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        if (strcmp(f->policy, p->name) != 0)
            continue;
        const struct household_member *m = f->member_id ? member_of(hh, f->member_id) : NULL;
        char who[96] = "household", amount[40] = "";
        if (f->member_id)
            snprintf(who, sizeof who, "%s (member %lld)", m && m->name ? term_str(m->name) : "?",
                     (long long)f->member_id);
        if (f->has_amount)
            snprintf(amount, sizeof amount, " %.2f", f->amount);
        printf("  %s %s for %s%s: %s\n", finding_kind_name(f->kind), term_str(f->measure), who,
               amount, term_str(f->reason));
        any = 1;
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        if (strcmp(res->alerts[i].policy, p->name) == 0) {
            printf("  alert %s (%s): %s\n", term_str(res->alerts[i].kind),
                   severity_name(res->alerts[i].severity), term_str(res->alerts[i].message));
            any = 1;
        }
    for (size_t i = 0; i < res->n_errors; i++)
        if (strcmp(res->errors[i].policy, p->name) == 0) {
            printf("  error: %s\n", term_str(res->errors[i].msg));
            any = 1;
        }
    if (!any)
        printf("  nothing applies\n");
    for (size_t i = 0; i < res->n_params; i++)
        if (res->params[i].policy && strcmp(res->params[i].policy, p->name) == 0)
            printf("  param %s = %s\n", term_str(res->params[i].key),
                   term_str(res->params[i].value));
}

/* ---- JSON ---- */

static void json_facts(const struct household *hh)
{
    printf("\"household\":{\"id\":%lld,\"today\":", (long long)hh->id);
    json_string(stdout, hh->today);
    printf(",\"village\":");
    json_string(stdout, hh->village);
    printf(",\"village_name\":");
    json_string(stdout, hh->village_name);
    printf(",\"town\":");
    json_string(stdout, hh->town);
    printf(",\"county\":");
    json_string(stdout, hh->county);
    printf(",\"poor_village\":%s,\"livable\":%s,\"head_name\":",
           hh->poor_village ? "true" : "false", hh->livable ? "true" : "false");
    json_string(stdout, hh->head_name);
    printf(",\"status\":");
    json_string(stdout, NAME(status, hh->status));
    printf(",\"poverty_cause\":");
    json_string(stdout, hh->poverty_cause);
    printf(",\"housing_grade\":");
    json_string(stdout, NAME(grade, hh->housing_grade));
    printf(",\"dibao\":%s,\"cadre_id\":", hh->dibao ? "true" : "false");
    if (hh->cadre_id)
        printf("%lld", (long long)hh->cadre_id);
    else
        printf("null");
    printf(",\"paired_since\":");
    json_string(stdout, hh->paired_since);
    printf(",\"last_visit\":");
    json_string(stdout, last_visit(hh));
    printf(",\"members\":[");
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24];
        printf("%s{\"id\":%lld,\"name\":", i ? "," : "", (long long)m->id);
        json_string(stdout, m->name);
        printf(",\"relation\":");
        json_string(stdout, m->relation);
        printf(",\"id_number\":");
        json_string(stdout, log_mask_id(m->id_number, masked, sizeof masked));
        printf(",\"age\":");
        if (m->age >= 0)
            printf("%d", m->age);
        else
            printf("null");
        printf(",\"labor\":");
        json_string(stdout, NAME(labor, m->labor));
        printf(",\"health\":");
        json_string(stdout, NAME(health, m->health));
        printf(",\"school_stage\":");
        json_string(stdout, NAME(school, m->school_stage));
        printf(",\"skills\":%d}", m->skills);
    }
    printf("],\"per_capita_income\":{");
    for (size_t i = 0; i < hh->n_income; i++) {
        double total = income_total(&hh->income[i]);
        printf("%s\"%d\":", i ? "," : "", hh->income[i].year);
        json_number(stdout, hh->n_members ? total / (double)hh->n_members : total);
    }
    printf("}}");
}

static void json_policy(const struct eval_result *res, const struct policy *p)
{
    printf("{\"policy\":");
    json_string(stdout, p->name);
    printf(",\"title\":");
    json_string(stdout, p->title);
    printf(",\"source\":");
    json_string(stdout, p->source);
    printf(",\"findings\":[");
    int first = 1;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        if (strcmp(f->policy, p->name) != 0)
            continue;
        printf("%s{", first ? "" : ",");
        first = 0;
        cli_json_finding(stdout, f);
        printf("}");
    }
    printf("],\"alerts\":[");
    first = 1;
    for (size_t i = 0; i < res->n_alerts; i++) {
        if (strcmp(res->alerts[i].policy, p->name) != 0)
            continue;
        printf("%s{", first ? "" : ",");
        first = 0;
        cli_json_alert(stdout, &res->alerts[i]);
        printf("}");
    }
    printf("],\"errors\":[");
    first = 1;
    for (size_t i = 0; i < res->n_errors; i++) {
        if (strcmp(res->errors[i].policy, p->name) != 0)
            continue;
        printf("%s", first ? "" : ",");
        first = 0;
        json_string(stdout, res->errors[i].msg);
    }
    printf("],\"params\":{");
    first = 1;
    for (size_t i = 0; i < res->n_params; i++) {
        if (!res->params[i].policy || strcmp(res->params[i].policy, p->name) != 0)
            continue;
        printf("%s", first ? "" : ",");
        first = 0;
        json_key(stdout, res->params[i].key);
        json_string(stdout, res->params[i].value);
    }
    printf("}}");
}

int cmd_explain(struct cli *cli)
{
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    const char *arg = NULL;
    int as_json = 0;
    for (int i = 1; i < cli->argc; i++) {
        if (strcmp(cli->argv[i], "--json") == 0)
            as_json = 1;
        else if (!arg)
            arg = cli->argv[i];
        else
            return cli_usage_error(cli, usage, "unexpected argument \"%s\"", cli->argv[i]);
    }
    if (!arg)
        return cli_usage_error(cli, usage, "expected a household ID");
    int64_t id;
    if (cli_parse_id(arg, &id) != 0)
        return cli_usage_error(cli, usage, "\"%s\" is not a household ID", arg);

    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;
    struct err e = {{0}};
    struct engine *en;
    int rc = cli_open_engine(cfg, 1, &en, &e);
    if (rc) {
        fprintf(stderr, "fupin explain: %s\n", term_str(e.msg));
        config_free(cfg);
        return cli_exit_code(rc);
    }
    struct snapshot snap = {0};
    struct eval_result res = {.trace = 1};
    rc = engine_explain(en, id, &snap, &res, &e);
    if (rc == ERR_NOTFOUND) {
        fprintf(stderr, "fupin explain: %s\n", term_str(e.msg));
        code = EXIT_USAGE;
    } else if (rc) {
        fprintf(stderr, "fupin explain: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
    } else {
        const struct policy_set *ps = engine_policies(en);
        if (as_json) {
            printf("{");
            json_facts(&snap.hh);
            printf(",\"policies\":[");
            for (size_t i = 0; i < ps->n_policies; i++) {
                printf("%s", i ? "," : "");
                json_policy(&res, &ps->policies[i]);
            }
            printf("]}\n");
        } else {
            text_facts(&snap.hh);
            for (size_t i = 0; i < ps->n_policies; i++)
                text_policy(&snap.hh, &res, &ps->policies[i]);
        }
    }
    eval_result_free(&res);
    snapshot_free(&snap);
    engine_close(en);
    config_free(cfg);
    return code;
}
