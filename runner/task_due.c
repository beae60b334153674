/* task_due.c - the default due date of an accepted finding's task (see
 * task_due.h); the figures are the tasks.* params declared in policy_set.c. */
#include "task_due.h"

#include "date.h"
#include "store_worklist.h"

#include <stdio.h>
#include <stdlib.h>

static long due_days(const struct config *cfg, const char *measure, const char *today)
{
    char key[96];
    double v;
    int year = atoi(today);
    snprintf(key, sizeof key, "tasks.due_days.%s", measure);
    if (config_param_number(cfg, key, year, &v) == 0 && v >= 1)
        return (long)v;
    if (config_param_number(cfg, "tasks.default_due_days", year, &v) == 0 && v >= 1)
        return (long)v;
    return 30; /* the declared default, for a config read without declarations */
}

void task_due_date(const struct config *cfg, const char *measure, const char *today, char due[11])
{
    if (date_add(today, due_days(cfg, measure, today), due) != 0)
        snprintf(due, 11, "%s", today);
}

int task_due_default(struct store *st, const struct config *cfg, int64_t finding_id,
                     const char *today, char due[11], struct err *e)
{
    char measure[48] = "";
    if (store_finding_measure(st, finding_id, measure, sizeof measure, e) == ERR_FAIL)
        return ERR_FAIL;
    task_due_date(cfg, measure, today, due);
    return 0;
}
