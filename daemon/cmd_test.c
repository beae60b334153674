/* cmd_test.c - `fupin test`: not built yet (issue #4). */
#include "cli.h"

#include <stdio.h>

int cmd_test(struct cli *cli)
{
    static const char usage[] = "usage: fupin test\n(not available yet: issue #4)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin test: not implemented yet (issue #4 has not landed)\n");
    return EXIT_USAGE;
}
