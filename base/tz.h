/* tz.h - the offices' time zones without the C library's: a fixed table of
 * zone names and "UTC±HH[:MM]" mapped to offsets, and "what day/time is it
 * there". Pure and thread-safe; never touches TZ, tzset() or localtime(). */
#ifndef FUPIN_TZ_H
#define FUPIN_TZ_H

#include "err.h"

#include <stdint.h>

/* The zone a missing schedule.timezone means: the offices work on Beijing
 * time whatever the server's zone is. */
#define TZ_DEFAULT "Asia/Shanghai"

/* Offset from UTC of a named zone (China observes no DST: Asia/Shanghai and
 * its aliases are UTC+8), or of "UTC+HH[:MM]" / "UTC-HH[:MM]"; NULL or ""
 * means TZ_DEFAULT. Returns 0, or ERR_INVALID with the zone named in e (e may
 * be NULL) for a zone it does not know. */
int tz_offset(const char *zone, int *offset_s, struct err *e);

/* Splits now_utc (seconds since the epoch) in a zone of offset_s into the
 * local day (days since 1970-01-01, as date_format takes) and the seconds
 * since local midnight (0..86399). */
void tz_local(int64_t now_utc, int offset_s, long *day, int *sec_of_day);

/* The local date ("YYYY-MM-DD") at now_utc in a zone of offset_s. */
void tz_date(int64_t now_utc, int offset_s, char out[11]);

/* Today's date in zone (NULL = TZ_DEFAULT). An unknown zone gives today in
 * TZ_DEFAULT and returns ERR_INVALID, so callers that cannot report still get
 * a date; otherwise returns 0. */
int tz_today(const char *zone, char out[11]);

/* A stored time, "YYYY-MM-DD HH:MM:SS" in UTC as the database keeps every
 * time, as the wall clock of a zone of offset_s: written into buf, which is
 * returned. Anything else (a date alone, an empty or malformed value, NULL,
 * a time that would fall outside the years 1 to 9999) is returned as it
 * is, so a person still sees what the row holds. */
const char *tz_show(const char *utc, int offset_s, char buf[20]);

/* The stored time (UTC, as tz_show reads) at which a local date
 * ("YYYY-MM-DD") begins in a zone of offset_s, written into buf, which is
 * returned: "since 2018-06-02" in Beijing is ">= 2018-06-01 16:00:00". An
 * invalid date, or one whose start falls before the year 1, is returned as
 * it is. */
const char *tz_day_start(const char *date, int offset_s, char buf[20]);

#endif
