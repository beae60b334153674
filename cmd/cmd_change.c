/* cmd_change.c - `fupin change list|show|activate|discard`: the policy
 * changes a daemon in `reload: review` mode staged, and the decision on
 * each. A decision only writes the database; the daemon notices it and
 * swaps the live set. Never activates files that differ from what was
 * staged. */
#include "cli.h"
#include "cmd_preview.h"
#include "engine.h"
#include "i18n.h"
#include "store.h"
#include "store_rules.h"
#include "term.h"

#include <stdio.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The file's text on disk; NULL when it is not there. */
static char *read_text(const char *dir, const char *file)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    if (!m || fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void remove_tree(const char *top, const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)) != NULL) {
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.')
            unlink(path);
    }
    if (dp)
        closedir(dp);
    rmdir(dir);
    rmdir(top);
}

/* The change's candidate, previewed against the stored findings (made by
 * the live set): the live texts with the change's files over them, written
 * to a private temporary folder named like the policy folder, so that the
 * policies' sources compare as the daemon's would. */
static int preview_change(struct store *st, const struct config *cfg, const struct rule_change *c,
                          struct preview *p, struct err *e)
{
    struct rule_file *live = NULL;
    size_t n_live = 0;
    int64_t gen;
    int rc = store_live_load(st, &live, &n_live, &gen, e);
    if (rc)
        return rc;
    const char *tmp = getenv("TMPDIR");
    char top[1024], dir[1200];
    snprintf(top, sizeof top, "%s/fupin-change-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    const char *name = strrchr(cfg->policies_dir, '/');
    if (!mkdtemp(top)) {
        rule_files_free(live, n_live);
        return err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    }
    snprintf(dir, sizeof dir, "%s/%s", top, name ? name + 1 : cfg->policies_dir);
    if (mkdir(dir, 0700) != 0)
        rc = err_set(e, ERR_FAIL, _("cannot create a temporary folder: %s"), strerror(errno));
    for (size_t i = 0; !rc && i < n_live + c->n_f; i++) {
        const struct rule_file *f = i < n_live ? &live[i] : &c->f[i - n_live];
        int overridden = 0;
        for (size_t k = 0; i < n_live && k < c->n_f; k++)
            overridden |= strcmp(c->f[k].file, f->file) == 0;
        if (overridden || !f->text)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, f->file);
        FILE *out = fopen(path, "wb");
        if (!out || fputs(f->text, out) < 0 || fclose(out) != 0)
            rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    }
    rule_files_free(live, n_live);
    if (!rc)
        rc = preview_compute(cfg, dir, p, e);
    remove_tree(top, dir);
    return rc;
}

static int list(struct store *st)
{
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
               state_label(c[i].state), c[i].created_at, c[i].files, c[i].policies);
        if (c[i].decided_by)
            printf(_("  (%s by %s at %s)"), state_label(c[i].state), term_str(c[i].decided_by),
                   c[i].decided_at);
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
    printf(_("change %lld: %s, staged %s\n"), (long long)c.id, state_label(c.state), c.created_at);
    printf(_("  policies: %s\n"), c.policies);
    if (c.decided_by)
        printf(_("  decided by %s at %s\n"), term_str(c.decided_by), c.decided_at);
    for (size_t i = 0; i < c.n_f; i++) {
        if (!c.f[i].text) {
            printf(_("  %s: removed\n"), c.f[i].file);
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
        if ((rc = preview_change(st, cfg, &c, &p, &e)) == 0)
            rc = preview_report_write(F_TEXT, NULL, &p, &e);
        if (rc)
            fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        preview_free(&p);
    }
    rule_change_clear(&c);
    return rc ? cli_exit_code(rc) : EXIT_OK;
}

/* Refuses (ERR_INVALID) when a staged file's text is no longer what the
 * policy folder holds: what would go live is not what was previewed. */
static int same_as_disk(const struct config *cfg, const struct rule_change *c, struct err *e)
{
    for (size_t i = 0; i < c->n_f; i++) {
        char *now = read_text(cfg->policies_dir, c->f[i].file);
        int same =
            (!now && !c->f[i].text) || (now && c->f[i].text && strcmp(now, c->f[i].text) == 0);
        free(now);
        if (!same)
            return err_set(e, ERR_INVALID,
                           _("change %lld: %s changed on disk since it was staged; save it again "
                             "to stage it anew"),
                           (long long)c->id, c->f[i].file);
    }
    return 0;
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
        rc = list(st);
    } else if (is_show) {
        rc = show(st, cfg, id);
    } else {
        struct rule_change c;
        char now[20];
        engine_now(now);
        int r = store_change_get(st, id, &c, &e);
        if (r == 0 && is_activate && strcmp(c.state, "pending") == 0)
            r = same_as_disk(cfg, &c, &e);
        char *summary = NULL;
        if (r == 0 && is_activate) {
            /* The activation's summary is kept with the change. A candidate
             * the strict preview cannot load still goes live as the daemon
             * checked it; only the summary is missing then. */
            struct preview p;
            preview_init(&p);
            struct err pe = {{0}};
            size_t len = 0;
            if (preview_change(st, cfg, &c, &p, &pe) == 0) {
                FILE *m = open_memstream(&summary, &len);
                if (m) {
                    preview_report_json(m, &p);
                    fclose(m);
                }
            } else {
                fprintf(stderr, _("fupin change: no preview kept: %s\n"), term_str(pe.msg));
            }
            preview_free(&p);
        }
        if (r == 0)
            r = store_change_decide(st, id, is_activate, by, now, &e);
        if (r == 0 && summary && store_change_set_summary(st, id, summary, &e) != 0)
            fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        free(summary);
        if (r == 0)
            printf(is_activate ? _("change %lld activated: the daemon puts it live\n")
                               : _("change %lld discarded\n"),
                   (long long)id);
        else
            fprintf(stderr, "fupin change: %s\n", term_str(e.msg));
        rule_change_clear(&c);
        rc = r ? cli_exit_code(r) : EXIT_OK;
    }
    store_close(st);
    config_free(cfg);
    return rc;
}
