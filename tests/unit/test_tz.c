/* test_tz.c - zone offsets from the table and "UTC±HH:MM", local dates on
 * both sides of midnight and before the epoch, and today without TZ. */
#include "config.h"
#include "date.h"
#include "testlib.h"
#include "tz.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2018-06-30 00:00:00 UTC */
#define T0 1530316800LL

static void known_zones_and_utc_offsets(void)
{
    int o = -1;
    struct err e;
    CHECK(tz_offset("Asia/Shanghai", &o, &e) == 0 && o == 8 * 3600);
    CHECK(tz_offset("PRC", &o, &e) == 0 && o == 8 * 3600);
    CHECK(tz_offset("Asia/Urumqi", &o, &e) == 0 && o == 6 * 3600);
    CHECK(tz_offset("UTC", &o, &e) == 0 && o == 0);
    CHECK(tz_offset(NULL, &o, &e) == 0 && o == 8 * 3600);
    CHECK(tz_offset("", &o, &e) == 0 && o == 8 * 3600);
    CHECK(tz_offset("UTC+05:30", &o, &e) == 0 && o == 5 * 3600 + 1800);
    CHECK(tz_offset("UTC-03", &o, &e) == 0 && o == -3 * 3600);
    CHECK(tz_offset("UTC+14", &o, &e) == 0 && o == 14 * 3600);
}

static void unknown_zones_are_refused_by_name(void)
{
    int o = 42;
    struct err e = {""};
    CHECK(tz_offset("Mars/Olympus", &o, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "Mars/Olympus");
    CHECK(o == 42);
    CHECK(tz_offset("UTC+15", &o, &e) == ERR_INVALID);
    CHECK(tz_offset("UTC+05:60", &o, &e) == ERR_INVALID);
    CHECK(tz_offset("UTC+8x", &o, &e) == ERR_INVALID);
    CHECK(tz_offset("UTC*08", &o, &e) == ERR_INVALID);
    CHECK(tz_offset("asia/shanghai", &o, &e) == ERR_INVALID);
    CHECK(tz_offset("Mars/Olympus", &o, NULL) == ERR_INVALID);
}

static void local_date_and_time_around_midnight(void)
{
    char d[11];
    long day;
    int sec;
    tz_date(T0, 0, d);
    CHECK(strcmp(d, "2018-06-30") == 0);
    /* 23:30 UTC on 06-29 is already 07:30 on 06-30 in Beijing */
    tz_date(T0 - 1800, 8 * 3600, d);
    CHECK(strcmp(d, "2018-06-30") == 0);
    tz_local(T0 - 1800, 8 * 3600, &day, &sec);
    CHECK(sec == 7 * 3600 + 1800);
    tz_date(T0 - 1800, 0, d);
    CHECK(strcmp(d, "2018-06-29") == 0);
    tz_date(T0 + 3600, -2 * 3600, d);
    CHECK(strcmp(d, "2018-06-29") == 0);
    /* before the epoch the day still floors */
    tz_local(-1, 0, &day, &sec);
    CHECK(day == -1 && sec == 86399);
    tz_date(-1, 0, d);
    CHECK(strcmp(d, "1969-12-31") == 0);
}

static void today_never_touches_tz(void)
{
    setenv("TZ", "America/New_York", 1);
    char east[11], west[11], dflt[11];
    CHECK(tz_today("UTC+14", east) == 0);
    CHECK(tz_today("UTC-12", west) == 0);
    int ok = 0;
    long gap = date_diff(west, east, &ok);
    /* 26 hours apart: one or two calendar days */
    CHECK(ok && (gap == 1 || gap == 2));
    /* an unknown zone still gives a date (Beijing's) but says so */
    char before[11], after[11];
    tz_date((int64_t)time(NULL), 8 * 3600, before);
    CHECK(tz_today("Mars/Olympus", dflt) == ERR_INVALID);
    tz_date((int64_t)time(NULL), 8 * 3600, after);
    CHECK(strcmp(dflt, before) == 0 || strcmp(dflt, after) == 0);
    CHECK(strcmp(getenv("TZ"), "America/New_York") == 0);
}

static void config_today_uses_as_of_then_the_zone(void)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.as_of, "2018-06-30", 11);
    char d[11];
    config_today(&cfg, d);
    CHECK(strcmp(d, "2018-06-30") == 0);
    cfg.as_of[0] = 0;
    char zone[] = "UTC+14", before[11], after[11];
    cfg.timezone = zone;
    tz_date((int64_t)time(NULL), 14 * 3600, before);
    config_today(&cfg, d);
    tz_date((int64_t)time(NULL), 14 * 3600, after);
    CHECK(strcmp(d, before) == 0 || strcmp(d, after) == 0);
}

static void stored_times_shown_in_the_zone(void)
{
    char buf[20];
    CHECK_STR(tz_show("2026-12-06 04:05:06", 8 * 3600, buf), "2026-12-06 12:05:06");
    /* Across midnight, a month's and a year's end, and a leap day. */
    CHECK_STR(tz_show("2026-12-31 16:00:00", 8 * 3600, buf), "2027-01-01 00:00:00");
    CHECK_STR(tz_show("2024-02-28 23:59:59", 8 * 3600, buf), "2024-02-29 07:59:59");
    CHECK_STR(tz_show("2026-03-01 02:00:00", -3 * 3600, buf), "2026-02-28 23:00:00");
    CHECK_STR(tz_show("2026-12-06 04:05:06", 0, buf), "2026-12-06 04:05:06");
    /* What is no stored time is shown as it is, never half converted. */
    const char *as_is[] = {"2026-12-06",          "",
                           "2026-12-06T04:05:06", "2026-12-06 24:00:00",
                           "2026-02-30 01:00:00", "2026-12-06 04:05:06Z",
                           "2026-12-06 4:05:06",  "2026-12-06 04:60:00"};
    for (size_t i = 0; i < sizeof as_is / sizeof *as_is; i++)
        CHECK(tz_show(as_is[i], 8 * 3600, buf) == as_is[i]);
    CHECK(tz_show(NULL, 8 * 3600, buf) == NULL);
    /* A time whose day would leave the years 1 to 9999 stays as stored. */
    const char *last = "9999-12-31 20:00:00", *first = "0001-01-01 03:00:00";
    CHECK(tz_show(last, 8 * 3600, buf) == last);
    CHECK_STR(tz_show(last, -8 * 3600, buf), "9999-12-31 12:00:00");
    CHECK(tz_show(first, -8 * 3600, buf) == first);
}

static void a_local_day_starts_at_its_utc_instant(void)
{
    char buf[20];
    CHECK_STR(tz_day_start("2018-06-02", 8 * 3600, buf), "2018-06-01 16:00:00");
    CHECK_STR(tz_day_start("2018-01-01", 8 * 3600, buf), "2017-12-31 16:00:00");
    CHECK_STR(tz_day_start("2018-06-02", 0, buf), "2018-06-02 00:00:00");
    CHECK_STR(tz_day_start("2018-06-02", -3 * 3600, buf), "2018-06-02 03:00:00");
    /* Shown back on the same clock it is the day's first second. */
    char shown[20];
    CHECK_STR(tz_show(tz_day_start("2024-03-01", 8 * 3600, buf), 8 * 3600, shown),
              "2024-03-01 00:00:00");
    CHECK(strcmp(tz_day_start("2018-02-30", 8 * 3600, buf), "2018-02-30") == 0);
    CHECK(strcmp(tz_day_start("0001-01-01", 8 * 3600, buf), "0001-01-01") == 0);
    CHECK_STR(tz_day_start("0001-01-01", -8 * 3600, buf), "0001-01-01 08:00:00");
}

int main(void)
{
    RUN(known_zones_and_utc_offsets);
    RUN(unknown_zones_are_refused_by_name);
    RUN(local_date_and_time_around_midnight);
    RUN(today_never_touches_tz);
    RUN(config_today_uses_as_of_then_the_zone);
    RUN(stored_times_shown_in_the_zone);
    RUN(a_local_day_starts_at_its_utc_instant);
    return test_done();
}
