/* cli.h - what every subcommand shares: parsed global options, config
 * loading with the standard messages, and exit codes (0 ok, 1 runtime
 * failure, 2 bad usage/config/input). Subcommands live in cmd_*.c. */
#ifndef FUPIN_CLI_H
#define FUPIN_CLI_H

#include "config.h"
#include "err.h"
#include "policy.h"

#include <stdint.h>
#include <stdio.h>

struct engine;
struct finding;
struct policy_alert;

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

struct cli {
    const char *config_path; /* -c, $FUPIN_CONFIG, or configs/fupin.yaml */
    int argc;                /* arguments after the subcommand name */
    char **argv;             /* argv[0] is the subcommand name */
};

/* Loads the config, printing "fupin: file:line:col: what" on failure.
 * Returns EXIT_OK or EXIT_USAGE/EXIT_RUNTIME; also applies log.level. */
int cli_load_config(const struct cli *cli, struct config **cfg);
/* Nonzero when argv holds -h or --help; then prints usage to stdout. */
int cli_wants_help(const struct cli *cli, const char *usage);
/* Prints "fupin <cmd>: msg" and the usage hint; returns EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Nonzero if s is a valid YYYY-MM-DD calendar date. */
int cli_is_date(const char *s);
/* Parses a positive decimal record ID ("12"); returns 0, or -1 for anything
 * else (sign, spaces, overflow, 0). */
int cli_parse_id(const char *s, int64_t *id);
/* The exit code for a failure: EXIT_USAGE for ERR_INVALID (bad input or
 * config) and ERR_NOTFOUND (the user named what is not there), EXIT_RUNTIME
 * for anything else. */
int cli_exit_code(int rc);
/* Loads the policies and opens the engine on them, which then owns them;
 * cfg must outlive the engine. strict: a policy that fails to load is an
 * error (one-shot commands); otherwise it is recorded as missing and the
 * rest runs (the daemon). Returns 0 or a code with e. */
int cli_open_engine(const struct config *cfg, int strict, struct engine **en, struct err *e);
/* What a person reads for a finding's kind (帮扶建议, 认定标记) and an
 * alert's severity (提示, 警告, 严重); JSON keeps the codes. Static strings. */
const char *cli_kind_label(enum finding_kind k);
const char *cli_severity_label(enum severity s);
/* Write the JSON members (no braces) that eval and explain share:
 * "measure","kind","member","amount","reason","measure_label" of a finding
 * and "kind","severity","message","kind_label" of an alert (a label is the
 * code itself when there are no words for it). */
void cli_json_finding(FILE *f, const struct finding *fd);
void cli_json_alert(FILE *f, const struct policy_alert *a);

/* The subcommands. Each returns the process exit code. */
int cmd_init(struct cli *cli);
int cmd_run(struct cli *cli);
int cmd_eval(struct cli *cli);
int cmd_explain(struct cli *cli);
int cmd_check(struct cli *cli);
int cmd_test(struct cli *cli);
int cmd_nightly(struct cli *cli);
int cmd_alert(struct cli *cli);
int cmd_findings(struct cli *cli);
int cmd_finding(struct cli *cli);
int cmd_config(struct cli *cli);
int cmd_preview(struct cli *cli);
int cmd_change(struct cli *cli);
int cmd_user(struct cli *cli);
/* init --demo: one console user per role with a random password, printed
 * once to out. 0 or a code with e. */
struct store;
int cli_demo_users(struct store *st, FILE *out, struct err *e);
/* Hidden: the evaluation worker process the daemon starts (worker.h). */
int cmd_worker(struct cli *cli);

#endif
