/* tz.c - zone offsets from a fixed table and local dates from them, so that
 * threads (the nightly job on libuv's pool) never race on TZ/tzset(). Must
 * never read or change the process environment or the C library's zone. */
#include "tz.h"
#include "date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *name;
    int offset_s;
} zones[] = {
    {"Asia/Shanghai", 8 * 3600},
    {"Asia/Chongqing", 8 * 3600},
    {"Asia/Chungking", 8 * 3600},
    {"Asia/Harbin", 8 * 3600},
    {"Asia/Urumqi", 6 * 3600},
    {"Asia/Hong_Kong", 8 * 3600},
    {"Asia/Macau", 8 * 3600},
    {"Asia/Taipei", 8 * 3600},
    {"PRC", 8 * 3600},
    {"UTC", 0},
    {"Etc/UTC", 0},
    {"GMT", 0},
};

int tz_offset(const char *zone, int *offset_s, struct err *e)
{
    if (!zone || !*zone)
        zone = TZ_DEFAULT;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcmp(zone, zones[i].name) == 0) {
            *offset_s = zones[i].offset_s;
            return 0;
        }
    }
    int h = 0, m = 0, n = 0;
    char sign = 0;
    if ((sscanf(zone, "UTC%c%2d:%2d%n", &sign, &h, &m, &n) == 3 ||
         (m = 0, sscanf(zone, "UTC%c%2d%n", &sign, &h, &n) == 2)) &&
        zone[n] == 0 && (sign == '+' || sign == '-') && h >= 0 && h <= 14 && m >= 0 && m < 60) {
        *offset_s = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
        return 0;
    }
    return err_set(e, ERR_INVALID,
                   "schedule.timezone \"%s\" is not known; use Asia/Shanghai (or an alias), "
                   "UTC, or UTC+HH:MM",
                   zone);
}

void tz_local(int64_t now_utc, int offset_s, long *day, int *sec_of_day)
{
    int64_t local = now_utc + offset_s;
    /* floor division: instants before the epoch still fall on their day */
    int64_t d = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    *day = (long)d;
    *sec_of_day = (int)(local - d * 86400);
}

void tz_date(int64_t now_utc, int offset_s, char out[11])
{
    long day;
    int sec;
    tz_local(now_utc, offset_s, &day, &sec);
    date_format(day, out);
}

int tz_today(const char *zone, char out[11])
{
    int offset_s = 0;
    int rc = tz_offset(zone, &offset_s, NULL);
    if (rc)
        tz_offset(TZ_DEFAULT, &offset_s, NULL);
    tz_date((int64_t)time(NULL), offset_s, out);
    return rc;
}

static int two_digits(const char *s, int max, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return *out <= max ? 0 : -1;
}

/* Days since 1970-01-01 of 0001-01-01 and of 9999-12-31: the dates a
 * stored time can name. */
#define FIRST_DAY (-719162L)
#define LAST_DAY 2932896L

/* "YYYY-MM-DD HH:MM:SS" of instant t in a zone of offset_s, into buf; NULL
 * when that day lies outside the years 1 to 9999. */
static const char *format_time(int64_t t, int offset_s, char buf[20])
{
    long day;
    int sec;
    tz_local(t, offset_s, &day, &sec);
    if (day < FIRST_DAY || day > LAST_DAY)
        return NULL;
    date_format(day, buf);
    const int parts[3] = {sec / 3600, sec / 60 % 60, sec % 60};
    for (int i = 0; i < 3; i++) {
        buf[10 + 3 * i] = i ? ':' : ' ';
        buf[11 + 3 * i] = (char)('0' + parts[i] / 10);
        buf[12 + 3 * i] = (char)('0' + parts[i] % 10);
    }
    buf[19] = 0;
    return buf;
}

const char *tz_show(const char *utc, int offset_s, char buf[20])
{
    char date[11];
    int h, m, s, ok = 1;
    if (!utc || strlen(utc) != 19 || utc[10] != ' ' || utc[13] != ':' || utc[16] != ':' ||
        two_digits(utc + 11, 23, &h) || two_digits(utc + 14, 59, &m) ||
        two_digits(utc + 17, 59, &s))
        return utc;
    memcpy(date, utc, 10);
    date[10] = 0;
    long day = date_days(date, &ok);
    if (!ok)
        return utc;
    const char *shown = format_time((int64_t)day * 86400 + h * 3600 + m * 60 + s, offset_s, buf);
    return shown ? shown : utc;
}

const char *tz_day_start(const char *date, int offset_s, char buf[20])
{
    int ok = 1;
    long day = date_days(date, &ok);
    const char *start = ok ? format_time((int64_t)day * 86400 - offset_s, 0, buf) : NULL;
    return start ? start : date;
}
