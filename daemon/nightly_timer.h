/* nightly_timer.h - the nightly job's schedule on the daemon's libuv loop:
 * fires at schedule.nightly_at in schedule.timezone, catches up one missed
 * run at start-up, and retries pending deliveries when they fall due.
 * The job and deliveries run on libuv's thread pool with their own database
 * connection; nothing here ever blocks the loop on the database or network. */
#ifndef FUPIN_NIGHTLY_TIMER_H
#define FUPIN_NIGHTLY_TIMER_H

#include "config.h"
#include "err.h"

#include <stdint.h>

/* The daemon's loop, declared here without uv.h: only daemon/ sees libuv. */
struct uv_loop_s;

struct nightly_timer;

/* Arms the schedule on loop. The timer keeps its own copy of the config
 * (it reads cfg->path again), so the caller may free cfg as soon as this
 * returns. If today's scheduled time has passed and the last completed run
 * (engine_meta 'nightly_last_run') is before today, one catch-up run for
 * today is queued at once; pending deliveries are resumed. Returns 0, or
 * ERR_INVALID (bad nightly_at/timezone) / ERR_FAIL with a message in e. */
int nightly_timer_start(struct uv_loop_s *loop, const struct config *cfg,
                        struct nightly_timer **out, struct err *e);

/* SIGHUP: takes the schedule, escalation, channels and params of cfg (again
 * copied from cfg->path; cfg may be freed when this returns). A job already
 * running finishes with the old values. On error the old config stays. */
int nightly_timer_reload(struct nightly_timer *t, const struct config *cfg, struct err *e);

/* Stops the schedule: closes the handles and asks a running job to stop at
 * its next safe point. The memory is released from the loop's callbacks, so
 * the caller keeps running the loop (uv_run) until it returns, as for any
 * libuv shutdown. t may be NULL. */
void nightly_timer_stop(struct nightly_timer *t);

/* The pure decision behind the schedule, exposed for tests. */
struct nightly_plan {
    int run_now;        /* nonzero: run the job now for `date` */
    char date[11];      /* today in the configured zone */
    int64_t next_in_ms; /* delay until the next scheduled time (> 0) */
};

/* now_utc: seconds since the epoch; offset_s: the zone's offset (tz_offset);
 * at: "HH:MM"; last_run: the last completed run date ("" = never). Missed
 * days collapse into one run for today. Returns ERR_INVALID on a bad `at`. */
int nightly_plan_compute(int64_t now_utc, int offset_s, const char *at, const char *last_run,
                         struct nightly_plan *p);

#endif
