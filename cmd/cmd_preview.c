/* cmd_preview.c - `fupin preview`: what a candidate rule set (another policy
 * folder, plugin folder or params:) would change, evaluated over every
 * household on one read-only snapshot and compared with the stored
 * findings (runner/preview.c). Writes nothing to the database, ever; the
 * report goes to stdout or --output, resident IDs masked. */
#include "cli.h"
#include "cmd_preview.h"
#include "i18n.h"
#include "policy_set.h"
#include "preview.h"
#include "preview_run.h"
#include "term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    N_("usage: fupin preview [--policies DIR] [--params FILE] [--plugins DIR]\n"
       "                     [--format text|json|xlsx|html] [--output FILE]\n"
       "Evaluates a candidate rule set over every household without writing anything\n"
       "and shows what it would change against the stored findings: findings added,\n"
       "withdrawn and changed per policy and measure and per county and town, the money\n"
       "per year before and after, households newly flagged or no longer flagged for\n"
       "exit or return risk, example households, and the accepted or rejected findings\n"
       "it would touch.\n"
       "  --policies DIR  the candidate policy folder (default: the config's)\n"
       "  --params FILE   a file holding only a params: mapping (default: the config's)\n"
       "  --plugins DIR   the candidate plugin folder (default: the config's)\n"
       "Exit status 0 whether or not anything would change, 2 for a broken candidate.\n");

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cmd_preview(struct cli *cli)
{
    if (cli_wants_help(cli, _(usage)))
        return EXIT_OK;
    const char *policies = NULL, *params = NULL, *plugins = NULL, *output = NULL;
    enum preview_format fmt = F_TEXT;
    for (int i = 1; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        int takes = !strcmp(a, "--policies") || !strcmp(a, "--params") || !strcmp(a, "--plugins") ||
                    !strcmp(a, "--format") || !strcmp(a, "--output");
        if (!takes)
            return cli_usage_error(cli, _(usage), _("unexpected argument \"%s\""), term_str(a));
        if (i + 1 >= cli->argc || !cli->argv[i + 1][0])
            return cli_usage_error(cli, _(usage), _("%s needs a value"), a);
        const char *v = cli->argv[++i];
        if (!strcmp(a, "--policies"))
            policies = v;
        else if (!strcmp(a, "--params"))
            params = v;
        else if (!strcmp(a, "--plugins"))
            plugins = v;
        else if (!strcmp(a, "--output"))
            output = v;
        else if (!strcmp(v, "text"))
            fmt = F_TEXT;
        else if (!strcmp(v, "json"))
            fmt = F_JSON;
        else if (!strcmp(v, "xlsx"))
            fmt = F_XLSX;
        else if (!strcmp(v, "html"))
            fmt = F_HTML;
        else
            return cli_usage_error(cli, _(usage),
                                   _("--format \"%s\": expected text, json, xlsx or html"),
                                   term_str(v));
    }
    if (policies && !is_dir(policies))
        return cli_usage_error(cli, _(usage), _("--policies %s: not a folder"), term_str(policies));
    if (plugins && !is_dir(plugins))
        return cli_usage_error(cli, _(usage), _("--plugins %s: not a folder"), term_str(plugins));
    if (fmt == F_XLSX && !output && isatty(STDOUT_FILENO))
        return cli_usage_error(cli, _(usage), _("--format xlsx needs --output FILE"));

    struct config *cfg, *cand = NULL;
    int code = cli_load_config(cli, &cfg);
    if (code)
        return code;
    struct err e = {{0}};
    struct policy_set *set = NULL;
    struct preview p;
    preview_init(&p);
    int rc = config_candidate(cfg, policies, plugins, params, &cand, &e);
    /* Strict, as `fupin check` and one-shot commands load: a candidate that
     * does not load is broken (exit 2 with file:line), never half previewed. */
    if (rc == 0)
        rc = policy_set_load(cand, 1, &set, &e);
    if (rc) {
        fprintf(stderr, "fupin preview: %s\n", term_str(e.msg));
        code = rc == ERR_FAIL ? EXIT_RUNTIME : EXIT_USAGE;
        goto out;
    }
    if ((rc = preview_run(cfg, set, &p, &e)) != 0) {
        fprintf(stderr, "fupin preview: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
        goto out;
    }
    if ((rc = preview_report_write(fmt, output, &p, &e)) != 0) {
        fprintf(stderr, "fupin preview: %s\n", term_str(e.msg));
        code = cli_exit_code(rc);
    }
out:
    preview_free(&p);
    policy_set_free(set);
    config_free(cand);
    config_free(cfg);
    return code;
}
