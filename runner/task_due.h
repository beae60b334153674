/* task_due.h - the due date of the help task that accepting a finding makes
 * when the person gives none: one rule for the command line and the web
 * console, so both propose the same date. Reads; never writes. */
#ifndef FUPIN_TASK_DUE_H
#define FUPIN_TASK_DUE_H

#include "config.h"
#include "err.h"
#include "store.h"

#include <stdint.h>

/* Writes into due today plus params.tasks.due_days.<measure of finding id>,
 * else params.tasks.default_due_days, else 30 days (today itself when the
 * date cannot be added). An unknown finding gets the default: the decision
 * that follows reports it. ERR_FAIL only when the database cannot be read. */
int task_due_default(struct store *st, const struct config *cfg, int64_t finding_id,
                     const char *today, char due[11], struct err *e);

/* The same rule for a finding of measure, without the database (a form
 * that proposes the date). */
void task_due_date(const struct config *cfg, const char *measure, const char *today, char due[11]);

#endif
