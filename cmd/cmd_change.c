/* cmd_change.c - `fupin change list|show|activate|discard`: the policy
 * changes a daemon in `reload: review` mode staged, and the decision on
 * each. A decision only writes the database; the daemon notices it and
 * swaps the live set. Never activates files that differ from what was
 * staged. */
#include "change.h"
#include "cli.h"
#include "cmd_preview.h"
#include "i18n.h"
#include "store.h"
#include "store_rules.h"
#include "term.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char change_usage[] = N_("usage: fupin change list\n"
                                      "       fupin change show ID\n"
                                      "       fupin change activate ID --by NAME\n"
                                      "       fupin change discard ID --by NAME\n");

static const char *state_label(const char *state)
{
    if (strcmp(state, "pending") == 0)
        return _("pending");
    if (strcmp(state, "active") == 0)
        return _("activated");
    if (strcmp(state, "discarded") == 0)
        return _("discarded");
    return _("stale");
}

static int list(struct store *st, const struct config *cfg)
{
    int offset_s = config_offset_s(cfg);
    char at[20], decided[20];
    struct rule_change *c;
    size_t n;
    struct err e;
    if (store_change_list(st, &c, &n, &e) != 0) {
        fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        return EXIT_RUNTIME;
    }
    if (!n)
        printf("%s\n", _("no staged changes"));
    for (size_t i = 0; i < n; i++) {
        printf(_("change %lld  %s  %s  files: %s  policies: %s"), (long long)c[i].id,
               state_label(c[i].state), tz_show(c[i].created_at, offset_s, at), c[i].files,
               c[i].policies);
        if (c[i].decided_by)
            printf(_("  (%s by %s at %s)"), state_label(c[i].state), term_str(c[i].decided_by),
                   tz_show(c[i].decided_at, offset_s, decided));
        putchar('\n');
        rule_change_clear(&c[i]);
    }
    free(c);
    return EXIT_OK;
}

static int show(struct store *st, const struct config *cfg, int64_t id)
{
    struct rule_change c;
    struct err e;
    int rc = store_change_get(st, id, &c, &e);
    if (rc) {
        fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        return cli_exit_code(rc);
    }
    char at[20];
    int offset_s = config_offset_s(cfg);
    printf(_("change %lld: %s, staged %s\n"), (long long)c.id, state_label(c.state),
           tz_show(c.created_at, offset_s, at));
    printf(_("  policies: %s\n"), c.policies);
    if (c.decided_by)
        printf(_("  decided by %s at %s\n"), term_str(c.decided_by),
               tz_show(c.decided_at, offset_s, at));
    for (size_t i = 0; i < c.n_f; i++) {
        if (!c.f[i].text) {
            printf(_("  %s: removed\n"), c.f[i].file);
            continue;
        }
        if (strncmp(c.f[i].file, RULE_PLUGIN_PREFIX, strlen(RULE_PLUGIN_PREFIX)) == 0) {
            /* A plugin is kept as the hex of its bytes. */
            printf(_("  %s: a build of %zu bytes\n"), c.f[i].file, strlen(c.f[i].text) / 2);
            continue;
        }
        long lines = 0;
        for (const char *p = c.f[i].text; *p; p++)
            lines += *p == '\n';
        printf(_("  %s: %ld lines\n"), c.f[i].file, lines);
    }
    if (strcmp(c.state, "pending") == 0) {
        /* What activating it would do now, against the live version. */
        struct preview p;
        preview_init(&p);
        putchar('\n');
        fflush(stdout);
        if ((rc = change_preview(st, cfg, &c, &p, &e)) == 0)
            rc = preview_report_write(F_TEXT, NULL, &p, &e);
        if (rc)
            fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        preview_free(&p);
    }
    rule_change_clear(&c);
    return rc ? cli_exit_code(rc) : EXIT_OK;
}

int cmd_change(struct cli *cli)
{
    const char *usage = _(change_usage);
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    if (cli->argc < 2)
        return cli_usage_error(cli, usage, _("expected list, show, activate or discard"));
    const char *sub = cli->argv[1];
    int is_list = strcmp(sub, "list") == 0, is_show = strcmp(sub, "show") == 0;
    int is_activate = strcmp(sub, "activate") == 0, is_discard = strcmp(sub, "discard") == 0;
    if (!is_list && !is_show && !is_activate && !is_discard)
        return cli_usage_error(cli, usage, _("unknown subcommand \"%s\""), term_str(sub));
    int64_t id = 0;
    const char *by = NULL;
    if (is_list) {
        if (cli->argc > 2)
            return cli_usage_error(cli, usage, _("unexpected argument \"%s\""),
                                   term_str(cli->argv[2]));
    } else {
        if (cli->argc < 3)
            return cli_usage_error(cli, usage, _("%s takes a change ID"), sub);
        if (cli_parse_id(cli->argv[2], &id) != 0)
            return cli_usage_error(cli, usage, _("\"%s\" is not a change ID"),
                                   term_str(cli->argv[2]));
        for (int i = 3; i < cli->argc; i++) {
            const char *a = cli->argv[i];
            if (is_show || strcmp(a, "--by") != 0)
                return cli_usage_error(cli, usage, _("unexpected argument \"%s\""), term_str(a));
            if (i + 1 >= cli->argc)
                return cli_usage_error(cli, usage, _("%s needs a value"), a);
            by = cli->argv[++i];
        }
        if (!is_show && !by)
            return cli_usage_error(cli, usage, _("--by NAME is required: who decides"));
        if (by && (!*by || strlen(by) > 120 || !term_is_clean(by)))
            return cli_usage_error(
                cli, usage, _("--by \"%s\": a name of at most 120 bytes, one line"), term_str(by));
    }

    struct config *cfg;
    int rc = cli_load_config(cli, &cfg);
    if (rc)
        return rc;
    struct store *st;
    struct err e;
    if (store_open(cfg->database, is_list || is_show ? STORE_READ : STORE_WRITE, &st, &e) != 0) {
        fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    if (is_list) {
        rc = list(st, cfg);
    } else if (is_show) {
        rc = show(st, cfg, id);
    } else {
        int r = change_decide(st, cfg, id, is_activate, by, &e);
        if (r == 0)
            printf(is_activate ? _("change %lld activated: the daemon puts it live\n")
                               : _("change %lld discarded\n"),
                   (long long)id);
        else
            fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        rc = r ? cli_exit_code(r) : EXIT_OK;
    }
    store_close(st);
    config_free(cfg);
    return rc;
}
