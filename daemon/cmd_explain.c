/* cmd_explain.c - `fupin explain`: not built yet (issue #4). */
#include "cli.h"

#include <stdio.h>

int cmd_explain(struct cli *cli)
{
    static const char usage[] = "usage: fupin explain\n(not available yet: issue #4)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin explain: not implemented yet (issue #4 has not landed)\n");
    return EXIT_USAGE;
}
