/* web_server.h - starting and stopping the console's HTTP server (web.h is
 * what its pages see). The server answers on its own threads: whoever
 * starts it (the daemon's loop) never waits on a request. */
#ifndef FUPIN_WEB_SERVER_H
#define FUPIN_WEB_SERVER_H

#include "err.h"

struct web_server;

/* Loads config_path again (the server keeps its own copy: the daemon's may
 * be replaced on SIGHUP; http: changes need a restart) and listens on
 * http.listen. *out is NULL and 0 returned when http.listen is absent.
 * ERR_INVALID for a bad address or TLS file, ERR_FAIL when the address
 * cannot be bound, with the reason in e. */
int web_server_start(const char *config_path, struct web_server **out, struct err *e);
/* Stops accepting, lets the requests in flight finish, frees s (NULL ok). */
void web_server_stop(struct web_server *s);

#endif
