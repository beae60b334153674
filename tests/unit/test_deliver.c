/* test_deliver.c - delivery and the schedule without a network: the file
 * channel's spool line and modes, a failing channel's backoff and give-up,
 * text lifted from the payload, and nightly_timer on a real libuv loop
 * doing exactly one catch-up run and delivering it. */
#include "config.h"
#include "deliver.h"
#include "deliver_internal.h"
#include "nightly.h"
#include "nightly_timer.h"
#include "store.h"
#include "testlib.h"
#include "tz.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

static char dir[256], db_path[300], cfg_path[300];

static struct config *load(const char *nightly_at, const char *webhook_url)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(db_path, sizeof db_path, "%s/fupin.db", dir);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "database: fupin.db\npolicies: .\n"
             "schedule: {nightly_at: \"%s\", timezone: Asia/Shanghai}\n"
             "escalation: {county_days: 7, city_days: 30}\n"
             "channels:\n  file: {dir: spool}\n  webhook: {url: \"%s\", timeout_s: 2}\n"
             "delivery: {max_attempts: 3, backoff_s: 60}\n",
             nightly_at, webhook_url);
    char *p = test_write_file(dir, "fupin.yaml", yaml);
    snprintf(cfg_path, sizeof cfg_path, "%s", p);
    free(p);
    struct config *cfg;
    struct err e;
    if (config_load(cfg_path, &cfg, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    return cfg;
}

static struct store *city(void)
{
    struct store *st;
    struct err e;
    static const char sql[] =
        "INSERT INTO region(code, name, level, parent) VALUES ('4416','市','city',NULL),"
        " ('441602','县','county','4416'), ('441602101','镇','town','441602'),"
        " ('441602101001','村','village','441602101');"
        "INSERT INTO supervisor(id, name, region, channel) VALUES (1, '镇组', '441602101', 'file'),"
        " (2, '县组', '441602', 'webhook');"
        "INSERT INTO household(id, village) VALUES (1, '441602101001'), (2, '441602101001');"
        "INSERT INTO cadre(id, name) VALUES (1, 'c');"
        "INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2099-01-01'), (2, 1, "
        "'2099-01-01');"
        "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES (1, 1, 1, 't1',"
        "  date('now', '+8 hours', '-1 day')), (2, 2, 1, 't2', date('now', '+8 hours', '-10 "
        "days'));";
    if (store_open(db_path, STORE_CREATE, &st, &e) != 0 || store_exec(st, sql, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    return st;
}

static long q_int(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    long v = -999;
    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = (long)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    } else {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return v;
}

static void file_channel_and_failed_webhook_backoff(void)
{
    /* Port 9 on loopback (discard) refuses: a real connection failure. */
    struct config *cfg = load("02:00", "http://127.0.0.1:9/hook");
    struct store *st = city();
    struct nightly_report r;
    struct err e;
    char today[11];
    tz_date((int64_t)time(NULL), 8 * 3600, today);
    CHECK(nightly_run(cfg, st, today, NULL, &r, &e) == 0);
    CHECK(r.digests == 2);
    struct deliver_stats ds;
    time_t before = time(NULL);
    CHECK(deliver_pending(cfg, st, NULL, &ds, &e) == 0);
    time_t after = time(NULL);
    CHECK(ds.sent == 1 && ds.failed == 1 && ds.gave_up == 0);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE channel='file' AND sent_at IS NOT NULL") == 1);
    CHECK(q_int("SELECT attempts FROM outbox WHERE channel='webhook' AND sent_at IS NULL"
                " AND last_error LIKE 'webhook:%'") == 1);
    /* backoff_s x 2^0 = 60 s after the attempt, which lies between before
     * and after however slow the machine (the stamp has whole seconds). */
    long next = q_int("SELECT CAST(strftime('%s', next_attempt_at) AS INT) FROM outbox WHERE "
                      "channel='webhook'");
    CHECK(next >= (long)before + 59 && next <= (long)after + 60);
    int64_t in_ms;
    int any;
    /* Not due yet, and due when the row says, measured from this call. */
    time_t asked = time(NULL);
    CHECK(deliver_next_due(cfg, st, &in_ms, &any, &e) == 0 && any);
    time_t answered = time(NULL);
    CHECK(in_ms > 0 && in_ms >= (int64_t)(next - answered - 1) * 1000 &&
          in_ms <= (int64_t)(next - asked + 1) * 1000);
    /* Not due: a second pass sends nothing and records nothing. */
    CHECK(deliver_pending(cfg, st, NULL, &ds, &e) == 0 && ds.sent == 0 && ds.failed == 0);
    CHECK(q_int("SELECT attempts FROM outbox WHERE channel='webhook'") == 1);

    char spool[400];
    snprintf(spool, sizeof spool, "%s/spool", dir);
    struct stat sb;
    CHECK(stat(spool, &sb) == 0 && (sb.st_mode & 0777) == 0700);
    char cmd[1000], *out = NULL;
    snprintf(cmd, sizeof cmd, "cat %s/outbox-*.jsonl | wc -l; stat -c %%a %s/outbox-*.jsonl", spool,
             spool);
    test_run(cmd, &out);
    CHECK_STR_CONTAINS(out, "1\n600");
    free(out);
    store_close(st);
    config_free(cfg);
}

/* More file rows than one batch, with a webhook row among them: every
 * file row reaches the spool once, in id order, and the webhook row is
 * still tried on its own. */
static void file_channel_delivers_many_rows_in_order(void)
{
    struct config *cfg = load("02:00", "http://127.0.0.1:9/hook");
    struct store *st = city();
    struct err e;
    CHECK(store_exec(st,
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                     " INSERT INTO outbox(supervisor_id, channel, payload, created_at, dedup_key)"
                     " SELECT CASE i WHEN 100 THEN 2 ELSE 1 END,"
                     "  CASE i WHEN 100 THEN 'webhook' ELSE 'file' END,"
                     "  '{\"n\":' || i || '}', '2018-06-30 00:00:00', 'k' || i FROM n",
                     &e) == 0);
    struct deliver_stats ds;
    CHECK(deliver_pending(cfg, st, NULL, &ds, &e) == 0);
    CHECK(ds.sent == 299 && ds.failed == 1 && ds.gave_up == 0);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE channel='file' AND sent_at IS NOT NULL"
                " AND attempts = 1 AND next_attempt_at IS NULL") == 299);
    CHECK(q_int("SELECT attempts FROM outbox WHERE channel='webhook' AND sent_at IS NULL") == 1);
    char cmd[1000], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "cat %s/spool/outbox-*.jsonl | sed 's/.*\"n\":\\([0-9]*\\).*/\\1/' | tr '\\n' ' '",
             dir);
    test_run(cmd, &out);
    char want[2000] = "";
    for (int i = 1; i <= 300; i++)
        if (i != 100)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%d ", i);
    CHECK(out && strcmp(out, want) == 0);
    free(out);
    store_close(st);
    config_free(cfg);
}

static void text_is_lifted_from_the_payload(void)
{
    const char *p = "{\"text\":\"a \\\"b\\\"\\n\\u0001中\",\"kind\":\"digest\"}";
    const char *lit;
    size_t len;
    CHECK(deliver_text_literal(p, &lit, &len) == 1 && len == strlen("\"a \\\"b\\\"\\n\\u0001中\""));
    char *t = deliver_text(p);
    CHECK(t && strcmp(t, "a \"b\"\n\001中") == 0);
    free(t);
    CHECK(deliver_text("{\"kind\":1}") == NULL);
    CHECK(deliver_text("{\"text\":\"unterminated") == NULL);
}

struct watch {
    uv_timer_t t;
    struct nightly_timer *nt;
    int ticks, max_ticks, until_sent;
};

static void on_tick(uv_timer_t *h)
{
    struct watch *w = h->data;
    /* done once the catch-up run is recorded and its digest delivered */
    int done =
        w->until_sent &&
        q_int("SELECT count(*) FROM outbox WHERE channel='file' AND sent_at IS NOT NULL") == 1;
    if (done || ++w->ticks > w->max_ticks) {
        uv_timer_stop(h);
        uv_close((uv_handle_t *)h, NULL);
        nightly_timer_stop(w->nt);
    }
}

/* Runs a fresh loop with the timer until the file digest is sent (or for
 * max_ticks x 100 ms), then stops it and drains the loop. */
static void run_timer_loop(const struct config *cfg, int until_sent, int max_ticks)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct watch w = {.max_ticks = max_ticks, .until_sent = until_sent};
    struct err e;
    int rc = nightly_timer_start(&loop, cfg, &w.nt, &e);
    CHECK(rc == 0);
    if (rc) {
        fprintf(stderr, "%s\n", e.msg);
        return;
    }
    uv_timer_init(&loop, &w.t);
    w.t.data = &w;
    uv_timer_start(&w.t, on_tick, 100, 100);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
}

static void timer_catches_up_once_on_a_loop(void)
{
    /* 00:00 has always passed today: a daemon that was down owes one run. */
    struct config *cfg = load("00:00", "http://127.0.0.1:9/hook");
    struct store *st = city();
    struct err e;
    CHECK(store_meta_set(st, "nightly_last_run", "2018-01-01", &e) == 0);
    store_close(st);
    run_timer_loop(cfg, 1, 100);
    char today[11];
    tz_date((int64_t)time(NULL), 8 * 3600, today);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM engine_meta WHERE key='nightly_last_run' AND value='%s'", today);
    CHECK(q_int(sql) == 1);
    /* one run: one digest per supervisor with something to report */
    CHECK(q_int("SELECT count(*) FROM outbox") == 2);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE channel='file' AND sent_at IS NOT NULL") == 1);
    long seen = q_int("SELECT max(last_seen_at) = min(last_seen_at) FROM alert");

    /* A restart the same day owes nothing: no second run, no new digest. */
    run_timer_loop(cfg, 0, 10);
    CHECK(q_int(sql) == 1);
    CHECK(q_int("SELECT count(*) FROM outbox") == 2);
    CHECK(seen == 1 && q_int("SELECT max(last_seen_at) = min(last_seen_at) FROM alert") == 1);
    config_free(cfg);
}

static void reload_swaps_config_and_refuses_a_bad_one(void)
{
    struct config *cfg = load("00:00", "http://127.0.0.1:9/hook");
    struct store *st = city();
    store_close(st);
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct watch w = {.max_ticks = 100, .until_sent = 1};
    struct err e;
    CHECK(nightly_timer_start(&loop, cfg, &w.nt, &e) == 0);
    /* SIGHUP while the first piece of work may still run: staged, then used */
    CHECK(nightly_timer_reload(w.nt, cfg, &e) == 0);
    char *p = test_write_file(dir, "fupin.yaml",
                              "database: fupin.db\npolicies: .\n"
                              "schedule: {nightly_at: \"02:00\", timezone: Mars/Olympus}\n");
    free(p);
    CHECK(nightly_timer_reload(w.nt, cfg, &e) == ERR_INVALID);
    uv_timer_init(&loop, &w.t);
    w.t.data = &w;
    uv_timer_start(&w.t, on_tick, 100, 100);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    /* the old (good) config kept the schedule running: the catch-up ran */
    CHECK(q_int("SELECT count(*) FROM outbox WHERE channel='file' AND sent_at IS NOT NULL") == 1);
    config_free(cfg);
}

static void bad_schedule_is_refused(void)
{
    struct config *cfg = load("02:00", "http://127.0.0.1:9/hook");
    free(cfg->timezone);
    cfg->timezone = strdup("Mars/Olympus");
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct nightly_timer *nt;
    struct err e;
    /* the timer re-reads the file, so break the file, not the struct */
    char *p = test_write_file(dir, "fupin.yaml",
                              "database: fupin.db\npolicies: .\n"
                              "schedule: {nightly_at: \"02:00\", timezone: Mars/Olympus}\n");
    free(p);
    int rc = nightly_timer_start(&loop, cfg, &nt, &e);
    CHECK(rc == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "Mars/Olympus");
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    config_free(cfg);
}

int main(void)
{
    RUN(file_channel_and_failed_webhook_backoff);
    RUN(file_channel_delivers_many_rows_in_order);
    RUN(text_is_lifted_from_the_payload);
    RUN(timer_catches_up_once_on_a_loop);
    RUN(reload_swaps_config_and_refuses_a_bad_one);
    RUN(bad_schedule_is_refused);
    return test_done();
}
