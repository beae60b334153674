/* cmd_check.c - `fupin check`: not built yet (issue #4). */
#include "cli.h"

#include <stdio.h>

int cmd_check(struct cli *cli)
{
    static const char usage[] = "usage: fupin check\n(not available yet: issue #4)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin check: not implemented yet (issue #4 has not landed)\n");
    return EXIT_USAGE;
}
