/* cmd_eval.c - `fupin eval`: the daemon's evaluation path run once, without
 * the watcher: everything (--all), one household, or whatever changed since
 * the cursor. Writes findings; prints a summary or the findings as JSON. */
#include "cli.h"
#include "i18n.h"
#include "engine.h"
#include "rule_history.h"
#include "rule_stage.h"
#include "json.h"
#include "log.h"
#include "term.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const eval_usage =
    N_("usage: fupin eval [--all [--policy NAME] | --household ID] [--json]\n"
       "Evaluates households now through the daemon's path and writes findings.\n"
       "  --all           every household (the journal so far counts as done)\n"
       "  --policy NAME   with --all: that policy only (the others' findings stay)\n"
       "  --household ID  one household; prints its findings\n"
       "  (neither)       what changed since the last evaluation\n"
       "  --json          machine-readable output\n"
       "Exit status 1 when any policy failed on a household (policy_error), 0 otherwise.\n");

/* Set by SIGINT/SIGTERM: the batch in flight finishes, the rest stays
 * marked for the daemon. */
static atomic_int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_request(&stop_flag);
}

static void print_summary(const struct engine_stats *st, int as_json, int was_interrupted)
{
    if (as_json) {
        printf("{\"households\":%ld,\"inserted\":%ld,\"updated\":%ld,\"withdrawn\":%ld,"
               "\"unchanged\":%ld,\"gone\":%ld,\"malformed\":%ld,\"policy_errors\":%ld,"
               "\"elapsed_ms\":%.0f,\"complete\":%s}\n",
               st->households, st->inserted, st->updated, st->withdrawn, st->unchanged, st->gone,
               st->malformed, st->errors, st->ms, was_interrupted ? "false" : "true");
        return;
    }
    printf(_("households %ld: findings inserted %ld, updated %ld, withdrawn %ld, unchanged %ld; "
             "gone %ld, malformed %ld, policy errors %ld; %.1f s%s\n"),
           st->households, st->inserted, st->updated, st->withdrawn, st->unchanged, st->gone,
           st->malformed, st->errors, st->ms / 1000.0,
           was_interrupted ? _(" (interrupted: the rest stays marked for the daemon)") : "");
}

static int run_batches(struct engine *en, struct engine_stats *st, struct err *e)
{
    int rc = 0;
    while (!stop_requested(&stop_flag) && (rc = engine_step(en, &stop_flag, st, e)) > 0)
        ;
    if (stop_requested(&stop_flag))
        return 0;
    return rc < 0 ? rc : 0;
}

static void print_result_json(const struct eval_result *res)
{
    printf("{\"household\":%lld,\"findings\":[", (long long)res->household_id);
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        printf("%s{\"policy\":", i ? "," : "");
        json_string(stdout, f->policy);
        putchar(',');
        cli_json_finding(stdout, f);
        printf(",\"source\":");
        json_string(stdout, f->source);
        printf("}");
    }
    printf("],\"alerts\":[");
    for (size_t i = 0; i < res->n_alerts; i++) {
        const struct policy_alert *a = &res->alerts[i];
        printf("%s{\"policy\":", i ? "," : "");
        json_string(stdout, a->policy);
        putchar(',');
        cli_json_alert(stdout, a);
        printf("}");
    }
    printf("],\"errors\":[");
    for (size_t i = 0; i < res->n_errors; i++) {
        printf("%s{\"policy\":", i ? "," : "");
        json_string(stdout, res->errors[i].policy);
        printf(",\"source\":");
        json_string(stdout, res->errors[i].source);
        printf(",\"message\":");
        json_string(stdout, res->errors[i].msg);
        printf("}");
    }
    printf("]}\n");
}

static void print_result_text(const struct eval_result *res)
{
    printf(_("household %lld: %zu findings, %zu alerts, %zu policy errors\n"),
           (long long)res->household_id, res->n_findings, res->n_alerts, res->n_errors);
    for (size_t i = 0; i < res->n_findings; i++) {
        const struct finding *f = &res->findings[i];
        char member[48];
        if (f->member_id)
            snprintf(member, sizeof member, _("member %lld"), (long long)f->member_id);
        else
            snprintf(member, sizeof member, "%s", _("whole household"));
        char amount[48] = "";
        if (f->has_amount)
            snprintf(amount, sizeof amount, " %.2f", f->amount);
        printf(_("  %s %s/%s (%s)%s: %s [%s]\n"), cli_kind_label(f->kind), term_str(f->policy),
               term_str(f->measure), member, amount, term_str(f->reason), term_str(f->source));
    }
    for (size_t i = 0; i < res->n_alerts; i++)
        printf(_("  alert     %s %s (%s): %s\n"), term_str(res->alerts[i].policy),
               term_str(res->alerts[i].kind), cli_severity_label(res->alerts[i].severity),
               term_str(res->alerts[i].message));
    for (size_t i = 0; i < res->n_errors; i++)
        printf(_("  error     %s: %s\n"), term_str(res->errors[i].policy),
               term_str(res->errors[i].msg));
}

static int eval_household(struct engine *en, const char *arg, int as_json)
{
    int64_t id;
    if (cli_parse_id(arg, &id) != 0) {
        fprintf(stderr, _("fupin eval: --household needs a positive number, not \"%s\"\n"), arg);
        return EXIT_USAGE;
    }
    struct eval_result res = {0};
    struct err e = {{0}};
    int rc = engine_eval_one(en, id, &res, &e);
    int code = EXIT_OK;
    if (rc == ERR_NOTFOUND) {
        fprintf(stderr, "fupin eval: %s\n", term_str(e.msg));
        code = EXIT_USAGE;
    } else if (rc == ERR_INVALID) {
        fprintf(stderr, _("fupin eval: %s (a data_quality alert was raised)\n"), term_str(e.msg));
        code = EXIT_USAGE;
    } else if (rc) {
        fprintf(stderr, "fupin eval: %s\n", term_str(e.msg));
        code = EXIT_RUNTIME;
    } else {
        if (as_json)
            print_result_json(&res);
        else
            print_result_text(&res);
        /* A policy that failed (or killed its worker) is a runtime failure
         * of this run, even though the other findings were written. */
        if (res.n_errors)
            code = EXIT_RUNTIME;
    }
    eval_result_free(&res);
    return code;
}

int cmd_eval(struct cli *cli)
{
    const char *usage = _(eval_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    int all = 0, as_json = 0;
    const char *household = NULL, *policy = NULL;
    for (int i = 1; i < cli->argc; i++) {
        if (strcmp(cli->argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(cli->argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(cli->argv[i], "--household") == 0 && i + 1 < cli->argc)
            household = cli->argv[++i];
        else if (strcmp(cli->argv[i], "--policy") == 0 && i + 1 < cli->argc)
            policy = cli->argv[++i];
        else
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), cli->argv[i]);
    }
    if (all && household)
        return cli_usage_error(cli, usage, _("--all and --household exclude each other"));
    if (policy && !all)
        return cli_usage_error(cli, usage, _("--policy NAME goes with --all"));

    struct config *cfg;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;
    struct err e = {{0}};
    struct engine *en;
    int rc;
    if (cfg->reload && strcmp(cfg->reload, "review") == 0) {
        /* The live (activated) rules, as the daemon runs them; never the
         * files people are editing. */
        struct config *live;
        if ((rc = rule_stage_open_live(cfg, &live, &e)) != 0) {
            fprintf(stderr, "fupin eval: %s\n", term_str(e.msg));
            config_free(cfg);
            return cli_exit_code(rc);
        }
        config_free(cfg);
        cfg = live;
    }
    rc = cli_open_engine(cfg, 1, &en, &e);
    if (rc) {
        fprintf(stderr, "fupin eval: %s\n", term_str(e.msg));
        config_free(cfg);
        return cli_exit_code(rc);
    }
    if (policy && !policy_set_find(engine_policies(en), policy)) {
        fprintf(stderr, _("fupin eval: --policy %s: no loaded policy has this name\n"),
                term_str(policy));
        engine_close(en);
        config_free(cfg);
        return EXIT_USAGE;
    }
    if (rule_history_record(engine_policies(en), "eval", &e) != 0)
        log_event(LOG_WARN, "rules.record_failed", "cannot record the rule versions: %s", e.msg);
    /* Policies and plugins run in worker processes, as under the daemon:
     * one that crashes or hangs costs a policy_error, not the run. */
    if ((rc = engine_spawn_workers(en, "/proc/self/exe", &e)) != 0) {
        fprintf(stderr, "fupin eval: %s\n", e.msg);
        engine_close(en);
        config_free(cfg);
        return EXIT_RUNTIME;
    }

    if (household) {
        code = eval_household(en, household, as_json);
    } else {
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        struct engine_stats st = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = all && policy ? engine_begin_policy(en, policy, &stop_flag, &e)
             : all         ? engine_begin_full(en, &stop_flag, &e)
                           : engine_mark_if_changed(en, &stop_flag, NULL, &e);
        if (rc == 0)
            rc = run_batches(en, &st, &e);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        st.ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (rc && rc != ERR_STOPPED) {
            fprintf(stderr, "fupin eval: %s\n", term_str(e.msg));
            code = EXIT_RUNTIME;
        } else {
            int interrupted = stop_requested(&stop_flag);
            print_summary(&st, as_json, interrupted);
            code = interrupted || st.errors ? EXIT_RUNTIME : EXIT_OK;
        }
    }
    engine_close(en);
    config_free(cfg);
    return code;
}
