/* cmd_run.c - `fupin run`: not built yet (issue #3). */
#include "cli.h"

#include <stdio.h>

int cmd_run(struct cli *cli)
{
    static const char usage[] = "usage: fupin run\n(not available yet: issue #3)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin run: not implemented yet (issue #3 has not landed)\n");
    return EXIT_USAGE;
}
