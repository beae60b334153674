/* bench_nightly.c - the nightly job (`fupin nightly --date`, the real
 * command) over one open task per household of the scaled city, 10 % of them
 * overdue. Each run gets a fresh copy, so every run raises the alerts anew. */
#include "bench.h"

#include <stdio.h>
#include <sys/wait.h>

#define NIGHTLY_DATE "2018-06-30"

/* The scaled city with its tasks replaced by exactly one per household:
 * every tenth due before NIGHTLY_DATE, the rest after it. */
static int tasks_city(const char *city, const char *path, double *tasks, struct err *e)
{
    struct bench_db *b = NULL;
    int rc = bench_copy(city, path, e);
    if (rc == 0)
        rc = bench_db_open(path, &b, e);
    if (rc == 0)
        rc = bench_db_exec(b,
                           "BEGIN;"
                           "DELETE FROM task;"
                           "INSERT INTO task(id, household_id, cadre_id, measure, title, due,"
                           " status) SELECT h.id, h.id, p.cadre_id, 'project', 'benchmark task',"
                           " CASE WHEN h.id % 10 = 0 THEN '2018-06-01' ELSE '2018-12-31' END,"
                           " 'open' FROM household h LEFT JOIN pairing p ON p.household_id = h.id;"
                           /* The journal rows of this load are not the nightly job's concern. */
                           "DELETE FROM engine_journal;"
                           "COMMIT",
                           e);
    if (rc == 0)
        rc = bench_db_double(b, "SELECT count(*) FROM task", tasks, e);
    bench_db_close(b);
    return rc;
}

int bench_nightly(const struct bench_opts *o, const char *city, long households,
                  struct bench_table *t, struct err *e)
{
    char base[512], db[512], cfg[512], log[512], policies[512];
    snprintf(base, sizeof base, "%s/tasks.db", o->tmp);
    snprintf(db, sizeof db, "%s/nightly.db", o->tmp);
    snprintf(cfg, sizeof cfg, "%s/nightly.yaml", o->tmp);
    snprintf(log, sizeof log, "%s/nightly.log", o->tmp);
    snprintf(policies, sizeof policies, "%s/policies", o->source_dir);
    double tasks = 0, alerts = 0, text_max = 0, payload_max = 0, digests = 0;
    struct bench_fig secs = {.n = 0};
    int rc = tasks_city(city, base, &tasks, e);
    if (rc == 0)
        rc = bench_write_config(o, cfg, db, policies, e);
    for (int run = 0; rc == 0 && run < o->runs; run++) {
        if ((rc = bench_copy(base, db, e)) != 0)
            break;
        char *argv[] = {(char *)o->bin, "-c", cfg, "nightly", "--date", NIGHTLY_DATE, NULL};
        double t0 = bench_mono();
        pid_t pid = bench_spawn(argv, log, e);
        if (pid < 0) {
            rc = ERR_FAIL;
            break;
        }
        int status = 0;
        bench_wait(pid, 0, &status, NULL);
        double s = bench_mono() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            rc = err_set(e, ERR_FAIL, "fupin nightly failed (status %d); see %s", status, log);
            break;
        }
        bench_fig_add(&secs, s);
        struct bench_db *b = NULL;
        if ((rc = bench_db_open(db, &b, e)) == 0)
            rc = bench_db_double(b, "SELECT count(*) FROM alert WHERE task_id IS NOT NULL", &alerts,
                                 e);
        /* The digests must stay a size a chat robot or a mail takes. */
        if (rc == 0)
            rc = bench_db_double(b, "SELECT count(*) FROM outbox", &digests, e);
        if (rc == 0)
            rc = bench_db_double(
                b, "SELECT max(length(CAST(json_extract(payload, '$.text') AS BLOB))) FROM outbox",
                &text_max, e);
        if (rc == 0)
            rc = bench_db_double(b, "SELECT max(length(CAST(payload AS BLOB))) FROM outbox",
                                 &payload_max, e);
        bench_db_close(b);
        fprintf(stderr, "fupin-bench: nightly over %.0f tasks: %.2f s, %.0f task alerts\n", tasks,
                s, alerts);
    }
    bench_remove_db(db);
    bench_remove_db(base);
    if (rc)
        return rc;
    char what[128];
    snprintf(what, sizeof what, "nightly job, %.0f tasks (10%% overdue)", tasks);
    bench_table_row(t, what, &secs, "s", 2, households >= 1000000 ? "<= 10" : "", "");
    bench_table_note(t, "nightly: %.0f alerts about tasks after a run (%.0f tasks overdue)", alerts,
                     tasks / 10);
    bench_table_note(t,
                     "nightly: %.0f digests, the largest text %.1f KB (limit 64 KB), the largest "
                     "message %.1f KB",
                     digests, text_max / 1024, payload_max / 1024);
    return 0;
}
