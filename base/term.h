/* term.h - text from data (names, reasons, file names, messages) made safe
 * for a terminal: control characters and invalid UTF-8 are shown as \xNN
 * escapes, so a name can never move the cursor, ring the bell, recolour the
 * screen or forge a line of output. Never used for JSON (json.c escapes). */
#ifndef FUPIN_TERM_H
#define FUPIN_TERM_H

#include <stddef.h>

/* s itself when it holds nothing to escape (NULL stays NULL), else its
 * escaped copy in buf (size > 4), cut at a whole escape or character with
 * "..." when it does not fit. */
const char *term_escape(const char *s, char *buf, size_t size);

/* As term_escape into one of TERM_SLOTS per-thread buffers used in turn,
 * so up to TERM_SLOTS results can be arguments of one printf. A result is
 * valid until TERM_SLOTS more calls; a long escaped text is cut at
 * TERM_SLOT_BYTES. */
#define TERM_SLOTS 16
#define TERM_SLOT_BYTES 2048
const char *term_str(const char *s);

/* Nonzero when s holds nothing term_escape would change. */
int term_is_clean(const char *s);

#endif
