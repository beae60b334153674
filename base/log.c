/* log.c - stderr logging, one line per event, safe from any thread.
 * Never formats personal data by itself; callers mask before logging, and
 * every line passes the ID scrubber anyway (a policy's error text may quote
 * anything). */
#include "log.h"
#include "scrub.h"
#include "term.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    min_level = level;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    if (strcmp(name, "warning") == 0)
        return LOG_WARN;
    return -1;
}

__attribute__((format(printf, 3, 0))) static void log_line(enum log_level level, const char *code,
                                                           const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    /* Keep one event on one line: journald and grep both depend on it. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    scrub_ids(line);
    /* The log is often a terminal (`fupin run` by hand): a name in a
     * message must not recolour it or move the cursor. */
    char safe[4200];
    const char *text = term_escape(line, safe, sizeof safe);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    pthread_mutex_lock(&log_lock);
    if (code)
        fprintf(stderr, "%s.%03ld %s [%s] %s\n", stamp, ts.tv_nsec / 1000000, level_names[level],
                code, text);
    else
        fprintf(stderr, "%s.%03ld %s %s\n", stamp, ts.tv_nsec / 1000000, level_names[level], text);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

void log_event(enum log_level level, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, code, fmt, ap);
    va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, NULL, fmt, ap);
    va_end(ap);
}

char *log_mask_id(const char *id_number, char *buf, size_t size)
{
    if (size < 19)
        return buf;
    if (!id_number || strlen(id_number) != 18) {
        memcpy(buf, "?", 2);
        return buf;
    }
    /* Region code (6) and the last 4 stay: enough for a cadre to tell two
     * people apart, not enough to identify anyone. By hand: plugins get
     * every member's masked, per household. */
    memcpy(buf, id_number, 6);
    memset(buf + 6, '*', 8);
    memcpy(buf + 14, id_number + 14, 4);
    buf[18] = '\0';
    return buf;
}
