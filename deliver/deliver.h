/* deliver.h - sends the outbox through the configured channels (file spool,
 * webhook, email via libcurl), retrying failures with exponential backoff.
 * A row is marked sent only after its channel accepted it, in its own small
 * transaction (file-channel rows: a batch's rows in one, after one fsync of
 * the spool); never call this on the event loop (it blocks on I/O). */
#ifndef FUPIN_DELIVER_H
#define FUPIN_DELIVER_H

#include "config.h"
#include "err.h"
#include "stop.h"
#include "store.h"
#include "store_nightly.h"

#include <stddef.h>
#include <stdint.h>

struct deliver_stats {
    int sent;    /* accepted by their channel and marked sent */
    int failed;  /* failed this time, retry planned */
    int gave_up; /* failed permanently or for the max_attempts-th time: left unsent */
};

/* Once per process, before any thread delivers (curl_global_init). */
void deliver_global_init(void);

/* Tries every unsent row that is due now once. stop (may be NULL) ends the
 * pass between messages. Returns 0 unless the database failed; channel
 * failures are recorded on the rows and counted in stats. */
int deliver_pending(const struct config *cfg, struct store *st, const atomic_int *stop,
                    struct deliver_stats *stats, struct err *e);

/* Milliseconds until the next unsent row is due (0: now); *any 0 when
 * nothing is waiting. */
int deliver_next_due(const struct config *cfg, struct store *st, int64_t *in_ms, int *any,
                     struct err *e);

/* Sends one message through its channel. Returns 0 when the channel
 * accepted it; ERR_INVALID when no retry can help (unknown channel, unusable
 * address, malformed URL, HTTP 4xx but 408/429, SMTP 5xx), which gives the
 * row up at once and raises the city's delivery_failed alert; ERR_FAIL for a
 * failure worth retrying. The reason is in e (no personal data). */
int deliver_send(const struct config *cfg, const struct outbox_msg *m, struct err *e);

#endif
