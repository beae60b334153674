/* deliver_internal.h - what deliver.c and deliver_curl.c share; nobody
 * else includes it. */
#ifndef FUPIN_DELIVER_INTERNAL_H
#define FUPIN_DELIVER_INTERNAL_H

#include "config.h"
#include "err.h"
#include "store.h"
#include "store_nightly.h"

#include <stddef.h>

/* The raw JSON string literal of the payload's leading "text" member
 * (quotes included) into lit and len; 0 when the payload has none. */
int deliver_text_literal(const char *payload, const char **lit, size_t *len);
/* The unescaped text (malloc'd) or NULL. */
char *deliver_text(const char *payload);

/* What a digest mail carries besides its text: the full list as xlsx
 * (data, len, name), or a note saying to export it at the office. */
struct deliver_attachment {
    char *data; /* malloc'd; NULL: none */
    size_t len;
    char name[96];
    char *note; /* malloc'd; NULL: none */
};
/* Builds the attachment of digest m for its supervisor from st (nothing
 * for other messages or st NULL): the xlsx if within
 * params.supervision.digest_attachment_kb, else the note. 0 or ERR_FAIL. */
int deliver_digest_attachment(const struct config *cfg, struct store *st,
                              const struct outbox_msg *m, struct deliver_attachment *att,
                              struct err *e);
void deliver_attachment_free(struct deliver_attachment *att);

int deliver_webhook(const struct config_channel *ch, const struct outbox_msg *m, struct err *e);
/* att may be NULL. */
int deliver_email(const struct config_channel *ch, const struct outbox_msg *m,
                  const struct deliver_attachment *att, struct err *e);

#endif
