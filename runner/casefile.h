/* casefile.h - policy test cases (YAML): load a case file, evaluate each
 * household through the real policy runtime, compare with what is expected.
 * Used by `fupin test` and by the daemon to vet a changed policy before it
 * replaces the running one. Never touches the database. */
#ifndef FUPIN_CASEFILE_H
#define FUPIN_CASEFILE_H

#include "err.h"
#include "policy_set.h"

#include <stdio.h>

struct casefile_totals {
    int passed, failed;
};

/* The word that starts a passed / a failed case's line in the report
 * ("ok  " / "FAIL" in English, "通过" / "失败" in Chinese), in the current
 * language. A static string; compare lines against it, never a literal. */
const char *casefile_ok_tag(void);
const char *casefile_fail_tag(void);

/* Runs the cases of one file, or of every *.yaml in a directory (sorted).
 * only_policy (may be NULL) restricts to files whose `policy:` is that name.
 * One line per case goes to report (may be NULL). Returns 0 when the files
 * were readable (check totals for failures), ERR_INVALID for a malformed file
 * with "file:line:col: what" in e. */
int casefile_run_path(const char *path, const struct policy_set *set, const char *only_policy,
                      FILE *report, struct casefile_totals *totals, struct err *e);

#endif
