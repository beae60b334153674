/* daemon.h - `fupin run`'s event loop (libuv), the one place the loop lives:
 * wake-ups from the database files and a data_version poll, policy file
 * changes, signals. Evaluation runs on its own thread through the engine;
 * the loop only decides when, and never touches the database for writing. */
#ifndef FUPIN_DAEMON_H
#define FUPIN_DAEMON_H

#include "config.h"
#include "engine.h"
#include "err.h"

/* Runs until SIGTERM or SIGINT, then lets the batch in flight commit and
 * returns 0. en must be open on *cfg. On SIGHUP a new config may replace
 * *cfg (the old one is freed once the engine no longer uses it); the caller
 * frees the final *cfg after engine_close. ERR_FAIL when the loop cannot be
 * set up, with the reason in e. */
int daemon_run(const char *config_path, struct config **cfg, struct engine *en, struct err *e);

#endif
