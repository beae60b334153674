/* cmd_explain.c - `fupin explain ID [--json]`: one household evaluated without
 * writing, every policy's findings, alerts, errors and the parameters it read,
 * beside the facts they rest on. Output is for the cadre (stdout), so health
 * may be shown; resident ID numbers are masked and nothing goes to the log. */
#include "cli.h"
#include "engine.h"
#include "json.h"
#include "log.h"
#include "scrub.h"
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

/* Everything explain prints goes here first and through the ID scrubber on
 * its way to stdout: a name or a reason may hold a pasted resident ID. */
static FILE *shown;

/* ---- text ---- */

static void text_facts(const struct household *hh)
{
    fprintf(shown, "household %lld as of %s\n", (long long)hh->id, hh->today);
    /* Every text from the database goes through term_str: a name holding
     * ESC or CR must not recolour the terminal or forge a line. */
    fprintf(shown, "  village %s %s (town %s, county %s), %s, %s\n",
            hh->village ? term_str(hh->village) : "?",
            hh->village_name ? term_str(hh->village_name) : "", hh->town ? term_str(hh->town) : "?",
            hh->county ? term_str(hh->county) : "?",
            hh->poor_village ? "poor village" : "scattered",
            hh->livable ? "livable" : "lacks living conditions");
    fprintf(shown, "  head %s; status %s; cause %s; housing grade %s%s; tap water %s; dibao %s\n",
            hh->head_name ? term_str(hh->head_name) : "?", NAME_OR_DASH(status, hh->status),
            hh->poverty_cause ? term_str(hh->poverty_cause) : "-",
            NAME(grade, hh->housing_grade) ? NAME(grade, hh->housing_grade) : "unknown",
            hh->housing_renovated ? " (renovated)" : "", hh->tap_water ? "yes" : "no",
            hh->dibao ? "yes" : "no");
    if (hh->cadre_id)
        fprintf(shown, "  paired with cadre %lld since %s; last visit %s\n",
                (long long)hh->cadre_id, hh->paired_since ? term_str(hh->paired_since) : "?",
                last_visit(hh) ? term_str(last_visit(hh)) : "none");
    else
        fprintf(shown, "  no paired cadre; last visit %s\n",
                last_visit(hh) ? term_str(last_visit(hh)) : "none");
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24], age[16] = "?";
        if (m->age >= 0)
            snprintf(age, sizeof age, "%d", m->age);
        fprintf(
            shown, "  member %lld %s (%s) %s: age %s, labour %s, health %s, school %s, skills %d\n",
            (long long)m->id, m->name ? term_str(m->name) : "?",
            m->relation ? term_str(m->relation) : "-",
            log_mask_id(m->id_number, masked, sizeof masked), age, NAME_OR_DASH(labor, m->labor),
            NAME_OR_DASH(health, m->health), NAME_OR_DASH(school, m->school_stage), m->skills);
    }
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *in = &hh->income[i];
        fprintf(shown, "  income %d: %.2f per person (%zu members)\n", in->year,
                hh->n_members ? income_total(in) / (double)hh->n_members : income_total(in),
                hh->n_members);
    }
}

static void text_policy(const struct household *hh, const struct eval_result *res,
                        const struct policy *p)
{
    fprintf(shown, "\n%s (%s) %s\n", term_str(p->name), term_str(p->title), term_str(p->source));
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
        fprintf(shown, "  %s %s for %s%s: %s\n", finding_kind_name(f->kind), term_str(f->measure),
                who, amount, term_str(f->reason));
        any = 1;
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        if (strcmp(res->alerts[i].policy, p->name) == 0) {
            fprintf(shown, "  alert %s (%s): %s\n", term_str(res->alerts[i].kind),
                    severity_name(res->alerts[i].severity), term_str(res->alerts[i].message));
            any = 1;
        }
    for (size_t i = 0; i < res->n_errors; i++)
        if (strcmp(res->errors[i].policy, p->name) == 0) {
            fprintf(shown, "  error: %s\n", term_str(res->errors[i].msg));
            any = 1;
        }
    if (!any)
        fprintf(shown, "  nothing applies\n");
    for (size_t i = 0; i < res->n_params; i++)
        if (res->params[i].policy && strcmp(res->params[i].policy, p->name) == 0)
            fprintf(shown, "  param %s = %s\n", term_str(res->params[i].key),
                    term_str(res->params[i].value));
}

/* ---- JSON ---- */

static void json_facts(const struct household *hh)
{
    fprintf(shown, "\"household\":{\"id\":%lld,\"today\":", (long long)hh->id);
    json_string(shown, hh->today);
    fprintf(shown, ",\"village\":");
    json_string(shown, hh->village);
    fprintf(shown, ",\"village_name\":");
    json_string(shown, hh->village_name);
    fprintf(shown, ",\"town\":");
    json_string(shown, hh->town);
    fprintf(shown, ",\"county\":");
    json_string(shown, hh->county);
    fprintf(shown, ",\"poor_village\":%s,\"livable\":%s,\"head_name\":",
            hh->poor_village ? "true" : "false", hh->livable ? "true" : "false");
    json_string(shown, hh->head_name);
    fprintf(shown, ",\"status\":");
    json_string(shown, NAME(status, hh->status));
    fprintf(shown, ",\"poverty_cause\":");
    json_string(shown, hh->poverty_cause);
    fprintf(shown, ",\"housing_grade\":");
    json_string(shown, NAME(grade, hh->housing_grade));
    fprintf(shown, ",\"dibao\":%s,\"cadre_id\":", hh->dibao ? "true" : "false");
    if (hh->cadre_id)
        fprintf(shown, "%lld", (long long)hh->cadre_id);
    else
        fprintf(shown, "null");
    fprintf(shown, ",\"paired_since\":");
    json_string(shown, hh->paired_since);
    fprintf(shown, ",\"last_visit\":");
    json_string(shown, last_visit(hh));
    fprintf(shown, ",\"members\":[");
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24];
        fprintf(shown, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long)m->id);
        json_string(shown, m->name);
        fprintf(shown, ",\"relation\":");
        json_string(shown, m->relation);
        fprintf(shown, ",\"id_number\":");
        json_string(shown, log_mask_id(m->id_number, masked, sizeof masked));
        fprintf(shown, ",\"age\":");
        if (m->age >= 0)
            fprintf(shown, "%d", m->age);
        else
            fprintf(shown, "null");
        fprintf(shown, ",\"labor\":");
        json_string(shown, NAME(labor, m->labor));
        fprintf(shown, ",\"health\":");
        json_string(shown, NAME(health, m->health));
        fprintf(shown, ",\"school_stage\":");
        json_string(shown, NAME(school, m->school_stage));
        fprintf(shown, ",\"skills\":%d}", m->skills);
    }
    fprintf(shown, "],\"per_capita_income\":{");
    for (size_t i = 0; i < hh->n_income; i++) {
        double total = income_total(&hh->income[i]);
        fprintf(shown, "%s\"%d\":", i ? "," : "", hh->income[i].year);
        json_number(shown, hh->n_members ? total / (double)hh->n_members : total);
    }
    fprintf(shown, "}}");
}

static void json_policy(const struct eval_result *res, const struct policy *p)
{
    fprintf(shown, "{\"policy\":");
    json_string(shown, p->name);
    fprintf(shown, ",\"title\":");
    json_string(shown, p->title);
    fprintf(shown, ",\"source\":");
    json_string(shown, p->source);
    fprintf(shown, ",\"findings\":[");
    int first = 1;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        if (strcmp(f->policy, p->name) != 0)
            continue;
        fprintf(shown, "%s{", first ? "" : ",");
        first = 0;
        cli_json_finding(shown, f);
        fprintf(shown, "}");
    }
    fprintf(shown, "],\"alerts\":[");
    first = 1;
    for (size_t i = 0; i < res->n_alerts; i++) {
        if (strcmp(res->alerts[i].policy, p->name) != 0)
            continue;
        fprintf(shown, "%s{", first ? "" : ",");
        first = 0;
        cli_json_alert(shown, &res->alerts[i]);
        fprintf(shown, "}");
    }
    fprintf(shown, "],\"errors\":[");
    first = 1;
    for (size_t i = 0; i < res->n_errors; i++) {
        if (strcmp(res->errors[i].policy, p->name) != 0)
            continue;
        fprintf(shown, "%s", first ? "" : ",");
        first = 0;
        json_string(shown, res->errors[i].msg);
    }
    fprintf(shown, "],\"params\":{");
    first = 1;
    for (size_t i = 0; i < res->n_params; i++) {
        if (!res->params[i].policy || strcmp(res->params[i].policy, p->name) != 0)
            continue;
        fprintf(shown, "%s", first ? "" : ",");
        first = 0;
        json_key(shown, res->params[i].key);
        json_string(shown, res->params[i].value);
    }
    fprintf(shown, "}}");
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
        char *text = NULL;
        size_t len = 0;
        if (!(shown = open_memstream(&text, &len))) {
            fprintf(stderr, "fupin explain: out of memory\n");
            code = EXIT_RUNTIME;
            goto done;
        }
        if (as_json) {
            fprintf(shown, "{");
            json_facts(&snap.hh);
            fprintf(shown, ",\"policies\":[");
            for (size_t i = 0; i < ps->n_policies; i++) {
                fprintf(shown, "%s", i ? "," : "");
                json_policy(&res, &ps->policies[i]);
            }
            fprintf(shown, "]}\n");
        } else {
            text_facts(&snap.hh);
            for (size_t i = 0; i < ps->n_policies; i++)
                text_policy(&snap.hh, &res, &ps->policies[i]);
        }
        fclose(shown);
        shown = NULL;
        scrub_ids_n(text, len);
        fwrite(text, 1, len, stdout);
        free(text);
    }
done:
    eval_result_free(&res);
    snapshot_free(&snap);
    engine_close(en);
    config_free(cfg);
    return code;
}
