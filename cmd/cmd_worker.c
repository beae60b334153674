/* cmd_worker.c - `fupin worker`, hidden: an evaluation worker process that
 * the daemon (and `fupin eval`) start themselves (daemon/worker.h). Not for
 * people: it talks frames on the descriptors it is given. */
#include "cli.h"
#include "i18n.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_worker(struct cli *cli)
{
    int fd = -1, progress = -1;
    const char *policies = NULL, *copy = NULL, *copy_dir = NULL;
    for (int i = 1; i + 1 < cli->argc; i += 2) {
        if (strcmp(cli->argv[i], "--fd") == 0)
            fd = atoi(cli->argv[i + 1]);
        else if (strcmp(cli->argv[i], "--progress") == 0)
            progress = atoi(cli->argv[i + 1]);
        else if (strcmp(cli->argv[i], "--policies") == 0)
            policies = cli->argv[i + 1];
        else if (strcmp(cli->argv[i], "--config-copy") == 0)
            copy = cli->argv[i + 1];
        else if (strcmp(cli->argv[i], "--config-dir") == 0)
            copy_dir = cli->argv[i + 1];
    }
    if (fd < 3 || progress < 3 || !policies || !copy != !copy_dir) {
        fputs(_("fupin worker: started by the daemon itself, not by hand\n"), stderr);
        return EXIT_USAGE;
    }
    return worker_main(cli->config_path, copy, copy_dir, policies, fd, progress);
}
