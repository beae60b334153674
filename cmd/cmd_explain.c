/* cmd_explain.c - `fupin explain ID [--json]`: one household evaluated without
 * writing, every policy's findings, alerts, errors and the parameters it read,
 * beside the facts they rest on. Output is for the cadre (stdout), so health
 * may be shown; resident ID numbers are masked and nothing goes to the log. */
#include "change.h"
#include "cli.h"
#include "engine.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "nightly_digest.h"
#include "scrub.h"
#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const explain_usage =
    N_("usage: fupin explain ID [--json]\n"
       "Evaluates one household without writing and shows every policy's\n"
       "findings with the facts and parameters behind them.\n");

/* The code of an enumerated field as household.h spells it, for --json
 * (outside programs read it); NULL when not recorded. */
#define NAME(map, v) household_enum_name(&household_enum_##map, (int)(v))
/* Its Chinese label, for the text output (people read it) and beside the
 * code in --json. */
#define LABEL(map, v) household_enum_label(&household_enum_##map, (int)(v))

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

static const char *yes_no(int v)
{
    return v ? _("yes") : _("no");
}

/* 1 / 0 / not recorded of a nullable 0/1 fact. */
static const char *recorded(int v, const char *yes, const char *no)
{
    return v == HOUSEHOLD_NULL_INT ? _("not recorded") : v ? yes : no;
}

/* Every fact a policy reads, in the cadre's words (the facts the rules
 * computed, such as the labour force, included). */
static void text_facts(const struct household *hh)
{
    fprintf(shown, _("household %lld (evaluated as of %s)\n"), (long long)hh->id, hh->today);
    fprintf(shown, _("  village %s %s (town %s, county %s), %s, %s\n"),
            hh->village ? term_str(hh->village) : "?",
            hh->village_name ? term_str(hh->village_name) : "", hh->town ? term_str(hh->town) : "?",
            hh->county ? term_str(hh->county) : "?",
            hh->poor_village ? _("poor village") : _("scattered poor household"),
            hh->livable ? _("fit to live and produce in") : _("not fit to live and produce in"));
    fprintf(shown, _("  head %s; status %s; cause of poverty %s; exited on %s; dibao %s\n"),
            hh->head_name ? term_str(hh->head_name) : "?", LABEL(status, hh->status),
            hh->poverty_cause ? term_str(hh->poverty_cause) : "-",
            hh->exited_at ? term_str(hh->exited_at) : "-", yes_no(hh->dibao));
    fprintf(shown, _("  two no-worries: food %s, clothing %s\n"),
            recorded(hh->food_secure, _("secured"), _("not secured")),
            recorded(hh->clothing_secure, _("secured"), _("not secured")));
    fprintf(shown, _("  housing grade %s%s; tap water %s; wants to relocate %s; land %s\n"),
            LABEL(grade, hh->housing_grade), hh->housing_renovated ? _(" (renovated)") : "",
            yes_no(hh->tap_water), yes_no(hh->wants_relocation), yes_no(hh->has_land));
    fprintf(shown,
            _("  wants to farm or process %s; industry project %s; credit rating %s; linked "
              "enterprises %zu; asset shares %zu\n"),
            yes_no(hh->wants_industry), yes_no(hh->has_project),
            hh->credit_rating ? term_str(hh->credit_rating) : _("not rated"), hh->n_links,
            hh->n_shares);
    if (hh->cadre_id)
        fprintf(shown, _("  cadre %lld (since %s); last visit %s\n"), (long long)hh->cadre_id,
                hh->paired_since ? term_str(hh->paired_since) : "?",
                last_visit(hh) ? term_str(last_visit(hh)) : _("none"));
    else
        fprintf(shown, _("  no cadre paired; last visit %s\n"),
                last_visit(hh) ? term_str(last_visit(hh)) : _("none"));
    fprintf(shown,
            _("  labour force %d (of working age, not in school, labour ability recorded as full "
              "or partial)\n"),
            hh->labor_force);
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24], age[16] = "?";
        if (m->age >= 0)
            snprintf(age, sizeof age, "%d", m->age);
        fprintf(shown,
                _("  member %lld %s (%s) %s: aged %s, %s%s, health %s, school stage %s, practical "
                  "skills %d; employed %s, wants a job %s; medical insurance %s, critical-illness "
                  "insurance %s, pension insurance %s\n"),
                (long long)m->id, m->name ? term_str(m->name) : "?",
                m->relation ? term_str(m->relation) : "-",
                log_mask_id(m->id_number, masked, sizeof masked), age, LABEL(labor, m->labor),
                m->in_labor_force ? _(" (in the labour force)") : "", LABEL(health, m->health),
                LABEL(school, m->school_stage), m->skills, yes_no(m->employed),
                yes_no(m->wants_job), yes_no(m->medical_insured), yes_no(m->critical_insured),
                yes_no(m->pension_insured));
    }
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *in = &hh->income[i];
        fprintf(shown, _("  income %d: %.2f yuan per head (%zu people)\n"), in->year,
                hh->n_members ? income_total(in) / (double)hh->n_members : income_total(in),
                hh->n_members);
    }
    for (size_t i = 0; i < hh->n_loans; i++) {
        const struct household_loan *l = &hh->loans[i];
        fprintf(shown,
                _("  loan %lld: %.2f yuan, %d months, from %s; collateral %s, guarantor %s, "
                  "interest subsidised %s\n"),
                (long long)l->id, l->amount, l->term_months,
                l->start_date ? term_str(l->start_date) : "?", yes_no(l->collateral),
                yes_no(l->guarantor), yes_no(l->interest_subsidised));
    }
    for (size_t i = 0; i < hh->n_tasks; i++) {
        const struct household_task *t = &hh->tasks[i];
        fprintf(shown, _("  task %lld \"%s\" due %s, %s\n"), (long long)t->id,
                t->title ? term_str(t->title) : "", t->due, LABEL(task_status, t->status));
    }
    for (size_t i = 0; i < hh->n_funds; i++) {
        const struct household_fund *f = &hh->funds[i];
        fprintf(shown,
                _("  fund application %lld \"%s\" %.2f yuan, %s; public notice %s to %s, "
                  "objections %d, approved %s\n"),
                (long long)f->id, f->project ? term_str(f->project) : "", f->amount,
                LABEL(fund_status, f->status), f->notice_from ? term_str(f->notice_from) : "-",
                f->notice_to ? term_str(f->notice_to) : "-", f->objections,
                f->approved_at ? term_str(f->approved_at) : "-");
    }
    for (size_t i = 0; i < hh->n_shocks; i++) {
        const struct household_shock *k = &hh->shocks[i];
        fprintf(shown, _("  shock %s: %s, loss %.2f yuan\n"), k->date, LABEL(shock_kind, k->kind),
                k->loss);
    }
}

/* ---- the facts of issue #18's measures ----
 * Printed from household.h's HOUSEHOLD_MEASURES_FIELDS and
 * HOUSEHOLD_MEMBER_MEASURES_FIELDS by name, so a field appended to those
 * lists shows in both outputs without another edit here (a field without
 * a label below shows under its code). */

#define MEASURE_FACT_NAME_(name, kind, sql) #name,
static const char *const household_measure_facts[] = {HOUSEHOLD_MEASURES_FIELDS(MEASURE_FACT_NAME_)
                                                          NULL};
static const char *const member_measure_facts[] = {
    HOUSEHOLD_MEMBER_MEASURES_FIELDS(MEASURE_FACT_NAME_) NULL};
#undef MEASURE_FACT_NAME_

static const struct {
    const char *name, *label;
} measure_fact_labels[] = {
    {"wants_land_transfer", N_("willing to take transferred land")},
    {"land_transferred_in", N_("has taken transferred land")},
    {"family_farm", N_("runs a family farm or joint operation")},
    {"credit_village", N_("village rated a credit village")},
    {"wants_business", N_("wants to start a business")},
    {"business_trained", N_("had entrepreneurship training")},
    {"pension_years", N_("pension contribution years")},
};

static const char *measure_fact_label(const char *name)
{
    for (size_t i = 0; i < sizeof measure_fact_labels / sizeof measure_fact_labels[0]; i++)
        if (strcmp(measure_fact_labels[i].name, name) == 0)
            return _(measure_fact_labels[i].label);
    return name;
}

/* The int a BOOL, INT or INT_OR_NULL field holds in record rec (every kind
 * these lists use); NULL when the field is of another kind. */
static const int *measure_fact(enum household_rec r, const void *rec, const char *name,
                               const struct household_field **field)
{
    const struct household_field *f = household_field_find(r, name);
    if (!f ||
        (f->kind != HOUSEHOLD_BOOL && f->kind != HOUSEHOLD_INT && f->kind != HOUSEHOLD_INT_OR_NULL))
        return NULL;
    *field = f;
    return (const int *)(const void *)((const char *)rec + f->offset);
}

static void text_measure_facts(enum household_rec r, const void *rec, const char *const *names)
{
    const char *sep = "";
    for (const char *const *n = names; *n; n++) {
        const struct household_field *f;
        const int *v = measure_fact(r, rec, *n, &f);
        if (!v)
            continue;
        fprintf(shown, "%s%s ", sep, measure_fact_label(*n));
        if (f->kind == HOUSEHOLD_BOOL || (f->a == 0 && f->b == 1))
            fprintf(shown, "%s", recorded(*v, yes_no(1), yes_no(0)));
        else if (*v == HOUSEHOLD_NULL_INT)
            fprintf(shown, "%s", recorded(*v, "", ""));
        else
            fprintf(shown, "%d", *v);
        sep = "；";
    }
}

static void text_all_measure_facts(const struct household *hh)
{
    fprintf(shown, "  ");
    text_measure_facts(HOUSEHOLD_REC_HOUSEHOLD, hh, household_measure_facts);
    fprintf(shown, "\n");
    for (size_t i = 0; i < hh->n_members; i++) {
        fprintf(shown, _("  member %lld: "), (long long)hh->members[i].id);
        text_measure_facts(HOUSEHOLD_REC_MEMBER, &hh->members[i], member_measure_facts);
        fprintf(shown, "\n");
    }
}

/* ,"name":value for each; null when not recorded. */
static void json_measure_facts(enum household_rec r, const void *rec, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        const struct household_field *f;
        const int *v = measure_fact(r, rec, *n, &f);
        if (!v)
            continue;
        fprintf(shown, ",\"%s\":", *n);
        if (*v == HOUSEHOLD_NULL_INT)
            fprintf(shown, "null");
        else if (f->kind == HOUSEHOLD_BOOL)
            fprintf(shown, "%s", *v ? "true" : "false");
        else
            fprintf(shown, "%d", *v);
    }
}

/* A measure or an alert kind in words, its code beside for policy staff:
 * "公益性岗位就业（public_welfare_job）"; a code without words as it is. */
static const char *in_words(const char *label, const char *code, char *buf, size_t size)
{
    if (!label || !code || strcmp(label, code) == 0)
        return term_str(code);
    snprintf(buf, size, _("%s (%s)"), label, code);
    return term_str(buf);
}

static void text_policy(const struct household *hh, const struct eval_result *res,
                        const struct policy *p)
{
    fprintf(shown, "\n%s（%s）%s\n", term_str(p->title), term_str(p->name), term_str(p->source));
    int any = 0;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        if (strcmp(f->policy, p->name) != 0)
            continue;
        const struct household_member *m = f->member_id ? member_of(hh, f->member_id) : NULL;
        char who[96], amount[40] = "";
        snprintf(who, sizeof who, "%s", _("whole household"));
        if (f->member_id)
            snprintf(who, sizeof who, _("%s (member %lld)"), m && m->name ? term_str(m->name) : "?",
                     (long long)f->member_id);
        if (f->has_amount)
            snprintf(amount, sizeof amount, " %.2f", f->amount);
        char measure[160];
        fprintf(shown, _("  %s %s -> %s%s: %s\n"), cli_kind_label(f->kind),
                in_words(policy_measure_label(f->measure), f->measure, measure, sizeof measure),
                who, amount, term_str(f->reason));
        any = 1;
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        if (strcmp(res->alerts[i].policy, p->name) == 0) {
            char kind[160];
            fprintf(shown, _("  alert %s (%s): %s\n"),
                    in_words(nightly_kind_label(res->alerts[i].kind), res->alerts[i].kind, kind,
                             sizeof kind),
                    cli_severity_label(res->alerts[i].severity), term_str(res->alerts[i].message));
            any = 1;
        }
    for (size_t i = 0; i < res->n_errors; i++)
        if (strcmp(res->errors[i].policy, p->name) == 0) {
            fprintf(shown, _("  error: %s\n"), term_str(res->errors[i].msg));
            any = 1;
        }
    if (!any)
        fprintf(shown, _("  no measure applies\n"));
    /* Why and why not: every test the rule evaluated, with its values. */
    for (size_t i = 0; i < res->n_tests; i++) {
        const struct policy_test *t = &res->tests[i];
        if (strcmp(t->policy, p->name) != 0)
            continue;
        const struct household_member *m = t->member_id ? member_of(hh, t->member_id) : NULL;
        char who[96] = "";
        if (t->member_id)
            snprintf(who, sizeof who, "[%s] ", m && m->name ? term_str(m->name) : "?");
        fprintf(shown, "  %s %s%s：%s\n", t->ok ? "✓" : "✗", who, term_str(t->label),
                term_str(t->detail));
    }
    for (size_t i = 0; i < res->n_params; i++)
        if (res->params[i].policy && strcmp(res->params[i].policy, p->name) == 0)
            fprintf(shown, _("  param %s = %s\n"), term_str(res->params[i].key),
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
    fprintf(shown, ",\"status_label\":");
    json_string(shown, LABEL(status, hh->status));
    fprintf(shown, ",\"poverty_cause\":");
    json_string(shown, hh->poverty_cause);
    fprintf(shown, ",\"housing_grade\":");
    json_string(shown, NAME(grade, hh->housing_grade));
    fprintf(shown, ",\"housing_grade_label\":");
    json_string(shown, LABEL(grade, hh->housing_grade));
    fprintf(shown, ",\"labor_force\":%d,\"food_secure\":", hh->labor_force);
    if (hh->food_secure == HOUSEHOLD_NULL_INT)
        fprintf(shown, "null");
    else
        fprintf(shown, "%s", hh->food_secure ? "true" : "false");
    fprintf(shown, ",\"clothing_secure\":");
    if (hh->clothing_secure == HOUSEHOLD_NULL_INT)
        fprintf(shown, "null");
    else
        fprintf(shown, "%s", hh->clothing_secure ? "true" : "false");
    fprintf(shown, ",\"shocks\":[");
    for (size_t i = 0; i < hh->n_shocks; i++) {
        fprintf(shown, "%s{\"date\":", i ? "," : "");
        json_string(shown, hh->shocks[i].date);
        fprintf(shown, ",\"kind\":");
        json_string(shown, NAME(shock_kind, hh->shocks[i].kind));
        fprintf(shown, ",\"kind_label\":");
        json_string(shown, LABEL(shock_kind, hh->shocks[i].kind));
        fprintf(shown, ",\"loss\":");
        json_number(shown, hh->shocks[i].loss);
        fprintf(shown, "}");
    }
    fprintf(shown, "]");
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
        fprintf(shown, ",\"labor_label\":");
        json_string(shown, LABEL(labor, m->labor));
        fprintf(shown, ",\"in_labor_force\":%s", m->in_labor_force ? "true" : "false");
        fprintf(shown, ",\"health\":");
        json_string(shown, NAME(health, m->health));
        fprintf(shown, ",\"health_label\":");
        json_string(shown, LABEL(health, m->health));
        fprintf(shown, ",\"school_stage\":");
        json_string(shown, NAME(school, m->school_stage));
        fprintf(shown, ",\"school_stage_label\":");
        json_string(shown, LABEL(school, m->school_stage));
        fprintf(shown, ",\"skills\":%d", m->skills);
        json_measure_facts(HOUSEHOLD_REC_MEMBER, m, member_measure_facts);
        fprintf(shown, "}");
    }
    fprintf(shown, "],\"per_capita_income\":{");
    for (size_t i = 0; i < hh->n_income; i++) {
        double total = income_total(&hh->income[i]);
        fprintf(shown, "%s\"%d\":", i ? "," : "", hh->income[i].year);
        json_number(shown, hh->n_members ? total / (double)hh->n_members : total);
    }
    fprintf(shown, "}");
    json_measure_facts(HOUSEHOLD_REC_HOUSEHOLD, hh, household_measure_facts);
    fprintf(shown, "}");
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
    fprintf(shown, "],\"tests\":[");
    first = 1;
    for (size_t i = 0; i < res->n_tests; i++) {
        const struct policy_test *t = &res->tests[i];
        if (strcmp(t->policy, p->name) != 0)
            continue;
        fprintf(shown, "%s{\"label\":", first ? "" : ",");
        first = 0;
        json_string(shown, t->label);
        fprintf(shown, ",\"ok\":%s,\"member\":", t->ok ? "true" : "false");
        if (t->member_id)
            fprintf(shown, "%lld", (long long)t->member_id);
        else
            fprintf(shown, "null");
        fprintf(shown, ",\"detail\":");
        json_string(shown, t->detail);
        fprintf(shown, "}");
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
    const char *usage = _(explain_usage);
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
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), cli->argv[i]);
    }
    if (!arg)
        return cli_usage_error(cli, usage, _("expected a household ID"));
    int64_t id;
    if (cli_parse_id(arg, &id) != 0)
        return cli_usage_error(cli, usage, _("\"%s\" is not a household ID"), arg);

    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;
    struct err e = {{0}};
    struct engine *en;
    struct change_live live = {0};
    int rc = 0;
    if (cfg->reload && strcmp(cfg->reload, "review") == 0) {
        /* The live (activated) rules, as the daemon runs them; never the
         * files people are editing. Read only: explain writes nothing. */
        struct store *st;
        if ((rc = store_open(cfg->database, STORE_READ, &st, &e)) == 0) {
            rc = change_live_open(st, cfg, &live, &e);
            store_close(st);
        }
    }
    if (rc == 0)
        rc = cli_open_engine(live.cfg ? live.cfg : cfg, 1, &en, &e);
    if (rc) {
        fprintf(stderr, "fupin explain: %s\n", term_str(e.msg));
        change_live_close(&live);
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
        /* The facts as the policies saw them (the runner computed them from
         * the same household and params). */
        double lo = 1, hi = 0;
        if (config_param_number(ps->cfg, "working_age_min", snap.hh.year, &lo) ||
            config_param_number(ps->cfg, "working_age_max", snap.hh.year, &hi))
            lo = 1, hi = 0;
        struct household_facts_params fp = {(int)lo, (int)hi};
        struct household facts;
        struct household_member *members = calloc(snap.hh.n_members + 1, sizeof *members);
        if (!members) {
            fputs(_("fupin explain: out of memory\n"), stderr);
            code = EXIT_RUNTIME;
            goto done;
        }
        household_facts(&snap.hh, &fp, &facts, members);
        const struct household *hh = &facts;
        char *text = NULL;
        size_t len = 0;
        if (!(shown = open_memstream(&text, &len))) {
            fputs(_("fupin explain: out of memory\n"), stderr);
            free(members);
            code = EXIT_RUNTIME;
            goto done;
        }
        if (as_json) {
            fprintf(shown, "{");
            json_facts(hh);
            fprintf(shown, ",\"policies\":[");
            for (size_t i = 0; i < ps->n_policies; i++) {
                fprintf(shown, "%s", i ? "," : "");
                json_policy(&res, &ps->policies[i]);
            }
            fprintf(shown, "]}\n");
        } else {
            text_facts(hh);
            text_all_measure_facts(hh);
            for (size_t i = 0; i < ps->n_policies; i++)
                text_policy(hh, &res, &ps->policies[i]);
        }
        fclose(shown);
        shown = NULL;
        scrub_ids_n(text, len);
        fwrite(text, 1, len, stdout);
        free(text);
        free(members);
    }
done:
    eval_result_free(&res);
    snapshot_free(&snap);
    engine_close(en);
    change_live_close(&live);
    config_free(cfg);
    return code;
}
