/* main.c - the fupin command line: global options, then one subcommand.
 * Reading downwards: parse options, pick the subcommand, hand over. The
 * daemon's flow starts in cmd_run.c. */
#include "cli.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *name;
    int (*fn)(struct cli *);
    const char *summary;
} commands[] = {
    {"init", cmd_init, N_("create the database (--demo: fill it with the demo city)")},
    {"run", cmd_run, N_("the daemon: evaluate what changed, then watch for changes")},
    {"eval", cmd_eval, N_("evaluate now (--all | --household ID) and write findings")},
    {"explain", cmd_explain, N_("show one household's findings and why, without writing")},
    {"check", cmd_check, N_("validate the config, every policy and every plugin")},
    {"test", cmd_test, N_("run policy test cases (YAML)")},
    {"nightly", cmd_nightly, N_("run the nightly supervision job now")},
    {"alert", cmd_alert, N_("list and acknowledge alerts")},
    {"findings", cmd_findings, N_("list findings: what each town, village or cadre has to do")},
    {"finding", cmd_finding, N_("accept or reject a finding")},
    {"preview", cmd_preview, N_("what a candidate rule set would change, without writing")},
    {"change", cmd_change, N_("staged policy changes (reload: review): list, show, activate")},
    {"user", cmd_user, N_("the web console's users: add, passwd, disable, list")},
    {"config", cmd_config, N_("print a resolved config value (e.g. database)")},
};

static void usage(FILE *f)
{
    fputs(_("usage: fupin [-c CONFIG] COMMAND [ARGS]\n\n"
            "Rules engine for poverty-alleviation offices.\n\ncommands:\n"),
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
    fputs(_("\noptions:\n"
            "  -c FILE    config file (default: $FUPIN_CONFIG, else configs/fupin.yaml)\n"
            "  --version  print the version\n"
            "\n`fupin COMMAND --help` describes one command. Exit status: 0 success,\n"
            "1 runtime failure, 2 bad usage, bad config or bad input.\n"),
          f);
}

int main(int argc, char **argv)
{
    i18n_init();
    /* Everything fupin creates (database, spool files) is personal data. */
    umask(077);

    struct cli cli = {.config_path = getenv("FUPIN_CONFIG")};
    if (!cli.config_path || !*cli.config_path)
        cli.config_path = "configs/fupin.yaml";

    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            cli.config_path = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("fupin %s\n", FUPIN_VERSION);
            return EXIT_OK;
        } else {
            fprintf(stderr, _("fupin: unknown option %s\n"), argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[i], commands[c].name) == 0) {
            cli.argc = argc - i;
            cli.argv = argv + i;
            return commands[c].fn(&cli);
        }
    }
    if (strcmp(argv[i], "worker") == 0) { /* hidden: started by the daemon */
        cli.argc = argc - i;
        cli.argv = argv + i;
        return cmd_worker(&cli);
    }
    fprintf(stderr, _("fupin: unknown command \"%s\"\n"), argv[i]);
    usage(stderr);
    return EXIT_USAGE;
}
