/* cmd_explain.c - `fupin explain ID [--json]`: one household evaluated without
 * writing, every policy's findings, alerts, errors and the parameters it read,
 * beside the facts they rest on. Output is for the cadre (stdout), so health
 * may be shown; resident ID numbers are masked and nothing goes to the log. */
#include "cli.h"
#include "engine.h"
#include "json.h"
#include "log.h"

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

static const char *yes_no(int v)
{
    return v ? "是" : "否";
}

/* 1 / 0 / not recorded of a nullable 0/1 fact. */
static const char *recorded(int v, const char *yes, const char *no)
{
    return v == HOUSEHOLD_NULL_INT ? "未登记" : v ? yes : no;
}

static const char *labor_zh(enum household_labor l)
{
    switch (l) {
    case HOUSEHOLD_LABOR_FULL:
        return "完全劳动力";
    case HOUSEHOLD_LABOR_PARTIAL:
        return "部分劳动力";
    case HOUSEHOLD_LABOR_NONE:
        return "无劳动能力";
    case HOUSEHOLD_LABOR_UNRECORDED:
        break;
    }
    return "劳动能力未登记";
}

/* Every fact a policy reads, in the cadre's words (the facts the rules
 * computed, such as the labour force, included). */
static void text_facts(const struct household *hh)
{
    printf("户 %lld（评估日 %s）\n", (long long)hh->id, hh->today);
    printf("  村 %s %s（镇 %s，县 %s），%s，%s\n", hh->village ? hh->village : "?",
           hh->village_name ? hh->village_name : "", hh->town ? hh->town : "?",
           hh->county ? hh->county : "?", hh->poor_village ? "贫困村" : "分散贫困户",
           hh->livable ? "具备生产生活条件" : "不具备生产生活条件");
    printf("  户主 %s；状态 %s；致贫原因 %s；退出日 %s；低保 %s\n",
           hh->head_name ? hh->head_name : "?", NAME_OR_DASH(status, hh->status),
           hh->poverty_cause ? hh->poverty_cause : "-", hh->exited_at ? hh->exited_at : "-",
           yes_no(hh->dibao));
    printf("  两不愁：不愁吃 %s，不愁穿 %s\n", recorded(hh->food_secure, "有保障", "无保障"),
           recorded(hh->clothing_secure, "有保障", "无保障"));
    const char *grade = NAME(grade, hh->housing_grade);
    printf("  住房 %s%s%s；自来水 %s；愿意搬迁 %s；土地 %s\n", grade ? grade : "等级未评定",
           grade ? " 级" : "", hh->housing_renovated ? "（已改造）" : "", yes_no(hh->tap_water),
           yes_no(hh->wants_relocation), yes_no(hh->has_land));
    printf(
        "  发展生产意愿 %s；产业项目 %s；信用评级 %s；联结经营主体 %zu 个；资产收益股份 %zu 项\n",
        yes_no(hh->wants_industry), yes_no(hh->has_project),
        hh->credit_rating ? hh->credit_rating : "未评定", hh->n_links, hh->n_shares);
    if (hh->cadre_id)
        printf("  帮扶干部 %lld（%s 起）；最近走访 %s\n", (long long)hh->cadre_id,
               hh->paired_since ? hh->paired_since : "?", last_visit(hh) ? last_visit(hh) : "无");
    else
        printf("  未落实帮扶干部；最近走访 %s\n", last_visit(hh) ? last_visit(hh) : "无");
    printf("  劳动力 %d 人（劳动年龄内、不在校、劳动能力已登记为完全或部分）\n", hh->labor_force);
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct household_member *m = &hh->members[i];
        char masked[24], age[16] = "?";
        if (m->age >= 0)
            snprintf(age, sizeof age, "%d", m->age);
        printf("  成员 %lld %s（%s）%s：%s岁，%s%s，健康 %s，在读 %s，实用技术 %d 项；"
               "已就业 %s，就业意愿 %s；医保 %s，大病保险 %s，养老保险 %s\n",
               (long long)m->id, m->name ? m->name : "?", m->relation ? m->relation : "-",
               log_mask_id(m->id_number, masked, sizeof masked), age, labor_zh(m->labor),
               m->in_labor_force ? "（劳动力）" : "", NAME_OR_DASH(health, m->health),
               NAME_OR_DASH(school, m->school_stage), m->skills, yes_no(m->employed),
               yes_no(m->wants_job), yes_no(m->medical_insured), yes_no(m->critical_insured),
               yes_no(m->pension_insured));
    }
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *in = &hh->income[i];
        printf("  %d 年收入：人均 %.2f 元（%zu 人）\n", in->year,
               hh->n_members ? income_total(in) / (double)hh->n_members : income_total(in),
               hh->n_members);
    }
    for (size_t i = 0; i < hh->n_loans; i++) {
        const struct household_loan *l = &hh->loans[i];
        printf("  贷款 %lld：%.2f 元，%d 个月，起贷 %s；抵押 %s，担保 %s，贴息 %s\n",
               (long long)l->id, l->amount, l->term_months, l->start_date ? l->start_date : "?",
               yes_no(l->collateral), yes_no(l->guarantor), yes_no(l->interest_subsidised));
    }
    for (size_t i = 0; i < hh->n_tasks; i++) {
        const struct household_task *t = &hh->tasks[i];
        printf("  任务 %lld「%s」截止 %s，%s\n", (long long)t->id, t->title ? t->title : "", t->due,
               NAME_OR_DASH(task_status, t->status));
    }
    for (size_t i = 0; i < hh->n_funds; i++) {
        const struct household_fund *f = &hh->funds[i];
        printf("  资金申请 %lld「%s」%.2f 元，%s；公示 %s 至 %s，异议 %d，批准 %s\n",
               (long long)f->id, f->project ? f->project : "", f->amount,
               NAME_OR_DASH(fund_status, f->status), f->notice_from ? f->notice_from : "-",
               f->notice_to ? f->notice_to : "-", f->objections,
               f->approved_at ? f->approved_at : "-");
    }
    for (size_t i = 0; i < hh->n_shocks; i++) {
        const struct household_shock *k = &hh->shocks[i];
        printf("  变故 %s：%s，损失 %.2f 元\n", k->date, NAME_OR_DASH(shock_kind, k->kind),
               k->loss);
    }
}

static void text_policy(const struct household *hh, const struct eval_result *res,
                        const struct policy *p)
{
    printf("\n%s（%s）%s\n", p->title, p->name, p->source);
    int any = 0;
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        if (strcmp(f->policy, p->name) != 0)
            continue;
        const struct household_member *m = f->member_id ? member_of(hh, f->member_id) : NULL;
        char who[96] = "全户", amount[40] = "";
        if (f->member_id)
            snprintf(who, sizeof who, "%s（成员 %lld）", m && m->name ? m->name : "?",
                     (long long)f->member_id);
        if (f->has_amount)
            snprintf(amount, sizeof amount, " %.2f", f->amount);
        printf("  %s %s → %s%s：%s\n", finding_kind_name(f->kind), f->measure, who, amount,
               f->reason);
        any = 1;
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        if (strcmp(res->alerts[i].policy, p->name) == 0) {
            printf("  告警 %s（%s）：%s\n", res->alerts[i].kind,
                   severity_name(res->alerts[i].severity), res->alerts[i].message);
            any = 1;
        }
    for (size_t i = 0; i < res->n_errors; i++)
        if (strcmp(res->errors[i].policy, p->name) == 0) {
            printf("  错误：%s\n", res->errors[i].msg);
            any = 1;
        }
    if (!any)
        printf("  无适用措施\n");
    /* Why and why not: every test the rule evaluated, with its values. */
    for (size_t i = 0; i < res->n_tests; i++) {
        const struct policy_test *t = &res->tests[i];
        if (strcmp(t->policy, p->name) != 0)
            continue;
        const struct household_member *m = t->member_id ? member_of(hh, t->member_id) : NULL;
        char who[96] = "";
        if (t->member_id)
            snprintf(who, sizeof who, "[%s] ", m && m->name ? m->name : "?");
        printf("  %s %s%s：%s\n", t->ok ? "✓" : "✗", who, t->label, t->detail);
    }
    for (size_t i = 0; i < res->n_params; i++)
        if (res->params[i].policy && strcmp(res->params[i].policy, p->name) == 0)
            printf("  参数 %s = %s\n", res->params[i].key, res->params[i].value);
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
    printf(",\"labor_force\":%d,\"food_secure\":", hh->labor_force);
    if (hh->food_secure == HOUSEHOLD_NULL_INT)
        printf("null");
    else
        printf("%s", hh->food_secure ? "true" : "false");
    printf(",\"clothing_secure\":");
    if (hh->clothing_secure == HOUSEHOLD_NULL_INT)
        printf("null");
    else
        printf("%s", hh->clothing_secure ? "true" : "false");
    printf(",\"shocks\":[");
    for (size_t i = 0; i < hh->n_shocks; i++) {
        printf("%s{\"date\":", i ? "," : "");
        json_string(stdout, hh->shocks[i].date);
        printf(",\"kind\":");
        json_string(stdout, NAME(shock_kind, hh->shocks[i].kind));
        printf(",\"loss\":");
        json_number(stdout, hh->shocks[i].loss);
        printf("}");
    }
    printf("]");
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
        printf(",\"in_labor_force\":%s", m->in_labor_force ? "true" : "false");
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
    printf("],\"tests\":[");
    first = 1;
    for (size_t i = 0; i < res->n_tests; i++) {
        const struct policy_test *t = &res->tests[i];
        if (strcmp(t->policy, p->name) != 0)
            continue;
        printf("%s{\"label\":", first ? "" : ",");
        first = 0;
        json_string(stdout, t->label);
        printf(",\"ok\":%s,\"member\":", t->ok ? "true" : "false");
        if (t->member_id)
            printf("%lld", (long long)t->member_id);
        else
            printf("null");
        printf(",\"detail\":");
        json_string(stdout, t->detail);
        printf("}");
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
        fprintf(stderr, "fupin explain: %s\n", e.msg);
        config_free(cfg);
        return cli_exit_code(rc);
    }
    struct snapshot snap = {0};
    struct eval_result res = {.trace = 1};
    rc = engine_explain(en, id, &snap, &res, &e);
    if (rc == ERR_NOTFOUND) {
        fprintf(stderr, "fupin explain: %s\n", e.msg);
        code = EXIT_USAGE;
    } else if (rc) {
        fprintf(stderr, "fupin explain: %s\n", e.msg);
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
            fprintf(stderr, "fupin explain: out of memory\n");
            code = EXIT_RUNTIME;
            goto done;
        }
        household_facts(&snap.hh, &fp, &facts, members);
        const struct household *hh = &facts;
        if (as_json) {
            printf("{");
            json_facts(hh);
            printf(",\"policies\":[");
            for (size_t i = 0; i < ps->n_policies; i++) {
                printf("%s", i ? "," : "");
                json_policy(&res, &ps->policies[i]);
            }
            printf("]}\n");
        } else {
            text_facts(hh);
            for (size_t i = 0; i < ps->n_policies; i++)
                text_policy(hh, &res, &ps->policies[i]);
        }
        free(members);
    }
done:
    eval_result_free(&res);
    snapshot_free(&snap);
    engine_close(en);
    config_free(cfg);
    return code;
}
