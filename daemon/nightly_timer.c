/* nightly_timer.c - runs the nightly job at schedule.nightly_at on the
 * daemon's libuv loop and keeps the outbox moving (retries when due, a poll
 * every minute for rows others added). All database and network work runs
 * on the thread pool, one piece at a time; the loop thread only arms timers. */
#include "nightly_timer.h"
#include "date.h"
#include "deliver.h"
#include "i18n.h"
#include "log.h"
#include "nightly.h"
#include "stop.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

/* Pending deliveries are looked for at least this often. */
#define POLL_MS 60000

struct nightly_timer {
    uv_loop_t *loop;
    uv_timer_t job_timer, retry_timer;
    uv_work_t work;
    struct config *cfg, *staged; /* our own copies (config_load of cfg->path) */
    int offset_s, staged_offset_s;
    atomic_int stop; /* read by the job on the work thread */
    int busy, want_job, want_deliver, open_handles, stopping;
    /* one piece of work: inputs, then results read back on the loop */
    int do_job;
    int64_t next_job_ms, next_retry_ms;
    int any_retry;
};

int nightly_plan_compute(int64_t now_utc, int offset_s, const char *at, const char *last_run,
                         struct nightly_plan *p)
{
    memset(p, 0, sizeof *p);
    if (!at || strlen(at) != 5 || at[2] != ':' || at[0] < '0' || at[0] > '2' || at[1] < '0' ||
        at[1] > '9' || at[3] < '0' || at[3] > '5' || at[4] < '0' || at[4] > '9')
        return ERR_INVALID;
    int hh = (at[0] - '0') * 10 + (at[1] - '0'), mm = (at[3] - '0') * 10 + (at[4] - '0');
    if (hh > 23)
        return ERR_INVALID;
    long day;
    int sec;
    tz_local(now_utc, offset_s, &day, &sec);
    int64_t due = hh * 3600 + mm * 60;
    date_format(day, p->date);
    /* Missed days collapse: only today's run is owed, whatever was missed
     * before, since each run looks at everything still open. */
    p->run_now = sec >= due && strcmp(last_run ? last_run : "", p->date) < 0;
    p->next_in_ms = (sec < due ? due - sec : due + 86400 - sec) * 1000;
    return 0;
}

static int load_copy(const struct config *cfg, struct config **out, int *offset_s, struct err *e)
{
    if (!cfg->path)
        return err_set(e, ERR_INVALID, _("nightly: the config has no file to copy from"));
    struct config *copy;
    int rc = config_load(cfg->path, &copy, e);
    if (rc)
        return rc;
    struct nightly_plan p;
    if ((rc = tz_offset(copy->timezone, offset_s, e)) != 0)
        goto fail;
    if (nightly_plan_compute(0, 0, copy->nightly_at, "", &p) != 0) {
        rc = err_set(e, ERR_INVALID, _("%s: schedule.nightly_at \"%s\" is not HH:MM"), copy->path,
                     copy->nightly_at);
        goto fail;
    }
    *out = copy;
    return 0;
fail:
    config_free(copy);
    return rc;
}

/* Thread pool: the job when it is owed, then one delivery pass. */
static void work_cb(uv_work_t *req)
{
    struct nightly_timer *t = req->data;
    struct err e = {""};
    struct store *st = NULL;
    t->next_job_ms = 60000;
    t->next_retry_ms = POLL_MS;
    t->any_retry = 0;
    if (store_open(t->cfg->database, STORE_WRITE, &st, &e) != 0) {
        log_event(LOG_ERROR, "nightly.failed", "nightly: %s", e.msg);
        return;
    }
    if (t->do_job) {
        char last[16];
        struct nightly_plan p;
        if (store_meta_get(st, "nightly_last_run", last, sizeof last, &e) != 0) {
            log_event(LOG_ERROR, "nightly.failed", "nightly: %s", e.msg);
        } else if (nightly_plan_compute((int64_t)time(NULL), t->offset_s, t->cfg->nightly_at, last,
                                        &p) == 0) {
            t->next_job_ms = p.next_in_ms;
            struct nightly_report r;
            /* engine.as_of pins the evaluation date (the demo city lives in
             * 2018); the schedule still follows the wall clock. */
            const char *date = t->cfg->as_of[0] ? t->cfg->as_of : p.date;
            if (p.run_now && nightly_run(t->cfg, st, date, &t->stop, &r, &e) != 0)
                log_event(LOG_ERROR, "nightly.failed", "nightly %s: %s", date, e.msg);
        }
    }
    struct deliver_stats ds;
    if (!stop_requested(&t->stop) && deliver_pending(t->cfg, st, &t->stop, &ds, &e) != 0)
        log_event(LOG_ERROR, "delivery.failed", "delivery: %s", e.msg);
    int64_t in_ms = 0;
    if (deliver_next_due(t->cfg, st, &in_ms, &t->any_retry, &e) == 0 && t->any_retry)
        t->next_retry_ms = in_ms;
    store_close(st);
}

static void job_fire(uv_timer_t *h);
static void retry_fire(uv_timer_t *h);
static void after_work(uv_work_t *req, int status);

static void maybe_free(struct nightly_timer *t)
{
    if (t->stopping && !t->busy && t->open_handles == 0) {
        config_free(t->cfg);
        config_free(t->staged);
        free(t);
    }
}

static void request(struct nightly_timer *t, int job)
{
    if (t->stopping)
        return;
    if (job)
        t->want_job = 1;
    t->want_deliver = 1;
    if (t->busy)
        return;
    t->do_job = t->want_job;
    t->want_job = t->want_deliver = 0;
    t->busy = 1;
    int rc = uv_queue_work(t->loop, &t->work, work_cb, after_work);
    if (rc) {
        t->busy = 0;
        log_event(LOG_ERROR, "nightly.queue_failed", "nightly: cannot queue work: %s",
                  uv_strerror(rc));
        uv_timer_start(&t->retry_timer, retry_fire, POLL_MS, 0);
    }
}

static void after_work(uv_work_t *req, int status)
{
    struct nightly_timer *t = req->data;
    t->busy = 0;
    if (t->stopping) {
        maybe_free(t);
        return;
    }
    if (t->staged) {
        config_free(t->cfg);
        t->cfg = t->staged;
        t->offset_s = t->staged_offset_s;
        t->staged = NULL;
    }
    if (status == 0 && t->do_job)
        uv_timer_start(&t->job_timer, job_fire, (uint64_t)t->next_job_ms, 0);
    /* Never spin: a retry due "now" (backoff 0) waits a second. */
    int64_t retry = t->any_retry ? t->next_retry_ms : POLL_MS;
    if (retry < 1000)
        retry = 1000;
    if (retry > POLL_MS)
        retry = POLL_MS;
    uv_timer_start(&t->retry_timer, retry_fire, (uint64_t)retry, 0);
    if (t->want_job || t->want_deliver)
        request(t, t->want_job);
}

static void job_fire(uv_timer_t *h)
{
    request(h->data, 1);
}

static void retry_fire(uv_timer_t *h)
{
    request(h->data, 0);
}

int nightly_timer_start(struct uv_loop_s *loop, const struct config *cfg,
                        struct nightly_timer **out, struct err *e)
{
    *out = NULL;
    struct nightly_timer *t = calloc(1, sizeof *t);
    if (!t)
        return err_set(e, ERR_FAIL, _("out of memory"));
    int rc = load_copy(cfg, &t->cfg, &t->offset_s, e);
    if (rc) {
        free(t);
        return rc;
    }
    deliver_global_init();
    t->loop = loop;
    t->work.data = t;
    uv_timer_init(loop, &t->job_timer);
    uv_timer_init(loop, &t->retry_timer);
    t->job_timer.data = t->retry_timer.data = t;
    t->open_handles = 2;
    /* The first piece of work decides on a catch-up run and resumes
     * deliveries a previous process left pending. */
    request(t, 1);
    *out = t;
    return 0;
}

int nightly_timer_reload(struct nightly_timer *t, const struct config *cfg, struct err *e)
{
    struct config *copy;
    int offset;
    int rc = load_copy(cfg, &copy, &offset, e);
    if (rc)
        return rc;
    if (t->busy) {
        /* The running job keeps its config; the new one takes over after. */
        config_free(t->staged);
        t->staged = copy;
        t->staged_offset_s = offset;
    } else {
        config_free(t->cfg);
        t->cfg = copy;
        t->offset_s = offset;
    }
    /* nightly_at may have moved: decide again. */
    uv_timer_stop(&t->job_timer);
    request(t, 1);
    return 0;
}

static void on_close(uv_handle_t *h)
{
    struct nightly_timer *t = h->data;
    t->open_handles--;
    maybe_free(t);
}

void nightly_timer_stop(struct nightly_timer *t)
{
    if (!t || t->stopping)
        return;
    t->stopping = 1;
    stop_request(&t->stop);
    if (t->busy)
        uv_cancel((uv_req_t *)&t->work); /* fails harmlessly when already running */
    uv_close((uv_handle_t *)&t->job_timer, on_close);
    uv_close((uv_handle_t *)&t->retry_timer, on_close);
}
