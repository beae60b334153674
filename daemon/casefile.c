/* casefile.c - policy test cases: being written (issue #4). */
#include "casefile.h"

int casefile_run_path(const char *path, const struct policy_set *set, const char *only_policy,
                      FILE *report, struct casefile_totals *totals, struct err *e)
{
    return err_set(e, ERR_INVALID, "%s: policy test cases are not supported yet", path);
}
