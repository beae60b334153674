/* cli.c - helpers every subcommand shares. Never exits the process:
 * subcommands return exit codes to main. */
#include "cli.h"
#include "date.h"
#include "engine.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "nightly_digest.h"
#include "policy_set.h"
#include "tz.h"
#include "term.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_load_config(const struct cli *cli, struct config **cfg)
{
    struct err e;
    int rc = config_load(cli->config_path, cfg, &e);
    if (rc) {
        fprintf(stderr, "fupin: %s\n", term_str(e.msg));
        return cli_exit_code(rc);
    }
    i18n_apply_config((*cfg)->language);
    int level = log_level_parse((*cfg)->log_level);
    if (level >= 0)
        log_set_level((enum log_level)level);
    return EXIT_OK;
}

int cli_wants_help(const struct cli *cli, const char *usage)
{
    for (int i = 1; i < cli->argc; i++) {
        if (strcmp(cli->argv[i], "-h") == 0 || strcmp(cli->argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    }
    return 0;
}

int cli_usage_error(const struct cli *cli, const char *usage, const char *fmt, ...)
{
    fprintf(stderr, "fupin %s: ", cli->argv[0]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

int cli_is_date(const char *s)
{
    return date_is_valid(s);
}

int cli_parse_id(const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v <= 0)
        return -1;
    *id = (int64_t)v;
    return 0;
}

int cli_exit_code(int rc)
{
    return rc == ERR_INVALID || rc == ERR_NOTFOUND ? EXIT_USAGE : EXIT_RUNTIME;
}

int cli_open_engine(const struct config *cfg, int strict, struct engine **en, struct err *e)
{
    struct policy_set *set;
    *en = NULL;
    int rc = policy_set_load(cfg, strict, &set, e);
    if (rc == 0)
        rc = engine_open(cfg, set, en, e);
    return rc;
}

const char *cli_kind_label(enum finding_kind k)
{
    switch (k) {
    case FINDING_RECOMMEND:
        return _("recommendation");
    case FINDING_FLAG:
        return _("flag");
    }
    return finding_kind_name(k);
}

const char *cli_severity_label(enum severity s)
{
    switch (s) {
    case SEVERITY_INFO:
        return _("info");
    case SEVERITY_WARNING:
        return _("warning");
    case SEVERITY_CRITICAL:
        return _("critical");
    }
    return severity_name(s);
}

void cli_json_finding(FILE *f, const struct finding *fd)
{
    json_key(f, "measure");
    json_string(f, fd->measure);
    fprintf(f, ",\"kind\":\"%s\",\"member\":", finding_kind_name(fd->kind));
    if (fd->member_id)
        fprintf(f, "%lld", (long long)fd->member_id);
    else
        fputs("null", f);
    fputs(",\"amount\":", f);
    if (fd->has_amount)
        json_number(f, fd->amount);
    else
        fputs("null", f);
    fputs(",\"reason\":", f);
    json_string(f, fd->reason);
    /* The words beside the code, as explain's facts give them. */
    fputs(",\"measure_label\":", f);
    json_string(f, policy_measure_label(fd->measure));
}

void cli_json_alert(FILE *f, const struct policy_alert *a)
{
    json_key(f, "kind");
    json_string(f, a->kind);
    fprintf(f, ",\"severity\":\"%s\",\"message\":", severity_name(a->severity));
    json_string(f, a->message);
    fputs(",\"kind_label\":", f);
    json_string(f, nightly_kind_label(a->kind));
}

int cmd_config(struct cli *cli)
{
    const char *usage =
        _("usage: fupin config KEY\n"
          "Prints a resolved config value: database, policies, plugins, http.listen\n"
          "(exit 1 when the web console is off).\n");
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc != 2)
        return cli_usage_error(cli, usage, _("expected one KEY"));
    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    const char *key = cli->argv[1];
    const char *v = strcmp(key, "database") == 0   ? cfg->database
                    : strcmp(key, "policies") == 0 ? cfg->policies_dir
                    : strcmp(key, "plugins") == 0  ? cfg->plugin_dir
                                                   : NULL;
    if (strcmp(key, "http.listen") == 0) {
        /* A bare port is the loopback's, as the console reads it. */
        const char *l = cfg->http_listen;
        int bare = l && l[strspn(l, "0123456789")] == '\0';
        if (l)
            printf("%s%s\n", bare ? "127.0.0.1:" : "", l);
        config_free(cfg);
        return l ? EXIT_OK : 1;
    }
    if (!v) {
        config_free(cfg);
        return cli_usage_error(cli, usage, _("unknown key \"%s\""), key);
    }
    printf("%s\n", v);
    config_free(cfg);
    return EXIT_OK;
}
