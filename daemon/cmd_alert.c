/* cmd_alert.c - `fupin alert`: not built yet (issue #6). */
#include "cli.h"

#include <stdio.h>

int cmd_alert(struct cli *cli)
{
    static const char usage[] = "usage: fupin alert\n(not available yet: issue #6)\n";
    if (cli_wants_help(cli, usage))
        return EXIT_OK;
    fprintf(stderr, "fupin alert: not implemented yet (issue #6 has not landed)\n");
    return EXIT_USAGE;
}
