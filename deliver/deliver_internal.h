/* deliver_internal.h - what deliver.c and deliver_curl.c share; nobody
 * else includes it. */
#ifndef FUPIN_DELIVER_INTERNAL_H
#define FUPIN_DELIVER_INTERNAL_H

#include "config.h"
#include "err.h"
#include "store_nightly.h"

#include <stddef.h>

/* The raw JSON string literal of the payload's leading "text" member
 * (quotes included) into lit and len; 0 when the payload has none. */
int deliver_text_literal(const char *payload, const char **lit, size_t *len);
/* The unescaped text (malloc'd) or NULL. */
char *deliver_text(const char *payload);

int deliver_webhook(const struct config_channel *ch, const struct outbox_msg *m, struct err *e);
int deliver_email(const struct config_channel *ch, const struct outbox_msg *m, struct err *e);

#endif
