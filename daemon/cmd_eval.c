/* cmd_eval.c - `fupin eval`: not built yet (issue #3). */
#include "cli.h"

#include <stdio.h>

int cmd_eval(struct cli *cli)
{
    static const char usage[] = "usage: fupin eval\n(not available yet: issue #3)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin eval: not implemented yet (issue #3 has not landed)\n");
    return EXIT_USAGE;
}
