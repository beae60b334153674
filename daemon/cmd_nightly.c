/* cmd_nightly.c - `fupin nightly`: not built yet (issue #6). */
#include "cli.h"

#include <stdio.h>

int cmd_nightly(struct cli *cli)
{
    static const char usage[] = "usage: fupin nightly\n(not available yet: issue #6)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin nightly: not implemented yet (issue #6 has not landed)\n");
    return EXIT_USAGE;
}
