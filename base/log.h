/* log.h - one line per event on stderr, with a level, for journald.
 * Never pass resident ID numbers, health or income unmasked: use
 * log_mask_id() for IDs; the logger itself does not know what is personal. */
#ifndef FUPIN_LOG_H
#define FUPIN_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below this level are dropped. Thread-safe to call. */
void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_level_parse(const char *name);

/* One event as one line: "<time> <level> [<code>] <text>". code is the
 * event's stable name ("reload.policy_refused": area, dot, what happened),
 * listed in README "Log events"; operators and tests grep it, so it never
 * changes with the wording or the language of the text. */
void log_event(enum log_level level, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line without an event code; for the layers that have no codes yet. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Writes a masked copy of an 18-digit resident ID ("441602********1234")
 * into buf (size >= 19) and returns buf. NULL or short input gives "?". */
char *log_mask_id(const char *id_number, char *buf, size_t size);

#endif
