/* runlock.h - one daemon per database. `fupin run` holds an exclusive
 * flock(2) on "<database>.lock" for as long as it runs, so a second daemon
 * started on the same database (systemd plus a hand-started one, two
 * configs naming one file) stops at once with a message naming the first,
 * instead of evaluating every change twice. The kernel drops the lock when
 * the process dies, so a crash never leaves a stale lock behind; the file
 * itself stays (removing it would race with a daemon starting). */
#ifndef FUPIN_RUNLOCK_H
#define FUPIN_RUNLOCK_H

#include "err.h"

struct runlock;

/* Takes the lock for database, writing this process's pid into the lock
 * file (0600). ERR_FAIL when another process holds it (e names the file and
 * that process's pid) or the file cannot be opened or locked. */
int runlock_take(const char *database, struct runlock **out, struct err *e);

/* Releases the lock and frees it; NULL is fine. */
void runlock_release(struct runlock *l);

#endif
