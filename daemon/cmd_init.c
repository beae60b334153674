/* cmd_init.c - `fupin init`: not built yet (issue #2). */
#include "cli.h"

#include <stdio.h>

int cmd_init(struct cli *cli)
{
    static const char usage[] = "usage: fupin init\n(not available yet: issue #2)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin init: not implemented yet (issue #2 has not landed)\n");
    return EXIT_USAGE;
}
