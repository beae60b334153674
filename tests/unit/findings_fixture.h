/* findings_fixture.h - what the tests of reconciliation share
 * (test_store_findings.c, test_store_digest.c): a fresh database with two
 * households in one town, a second connection that looks at what was
 * written, and evaluation results built by hand. */
#ifndef FUPIN_FINDINGS_FIXTURE_H
#define FUPIN_FINDINGS_FIXTURE_H

#include "store.h"
#include "store_findings.h"

#include <sqlite3.h>

extern struct store *st;
extern sqlite3 *obs; /* a second connection that looks at what was written */

extern const char EDU[]; /* the sources of the fake policies */
extern const char IND[];

/* Creates the database (households 12 and 13) and opens both connections. */
void setup(void);
void teardown(void);
/* The first column of the first row of sql on obs (-1 for NULL), its text
 * ("(none)" without a row); a bad query is a test failure. */
long long qint(const char *sql);
const char *qtext(const char *sql);
/* Runs statements on obs, as another program would. */
void sql(const char *text);

/* An evaluation result built by hand (no allocation: never freed). */
struct fake {
    struct eval_result res;
    struct finding f[8];
    struct policy_alert a[4];
    struct policy_error err[2];
};

void fake_init(struct fake *k, int64_t household_id);
void add_finding(struct fake *k, const char *policy, const char *source, int64_t member,
                 const char *measure, int has_amount, double amount, const char *reason);
void add_alert(struct fake *k, const char *policy, const char *source, const char *kind,
               const char *message);
void add_error(struct fake *k, const char *policy, const char *source);
/* Reconciles k in one transaction at now; the stats it counted. */
struct reconcile_stats run(struct fake *k, const char *now);
/* Household 12: two education findings and one of industry. */
void base(struct fake *k);

#endif
