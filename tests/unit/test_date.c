/* test_date.c - civil-date arithmetic: validity, leap years, ages on the
 * birthday and the day before, adding days across months and years. */
#include "date.h"
#include "testlib.h"

#include <string.h>

static void valid_and_invalid_dates(void)
{
    CHECK(date_is_valid("2018-06-30"));
    CHECK(date_is_valid("2016-02-29")); /* divisible by 4 */
    CHECK(date_is_valid("2000-02-29")); /* divisible by 400 */
    CHECK(!date_is_valid("2017-02-29"));
    CHECK(!date_is_valid("1900-02-29")); /* divisible by 100, not 400 */
    CHECK(!date_is_valid("2018-02-30"));
    CHECK(!date_is_valid("2018-04-31"));
    CHECK(date_is_valid("2018-12-31"));
    CHECK(!date_is_valid("2018-13-01"));
    CHECK(!date_is_valid("2018-00-10"));
    CHECK(!date_is_valid("2018-01-00"));
    CHECK(!date_is_valid("2018-1-01"));
    CHECK(!date_is_valid("2018/01/01"));
    CHECK(!date_is_valid("2018-01-01 "));
    CHECK(!date_is_valid("2018-01-0a"));
    CHECK(!date_is_valid(""));
    CHECK(!date_is_valid(NULL));
    CHECK(!date_is_valid("0000-01-01"));
    int y = 0, m = 0, d = 0;
    CHECK(date_parse("2017-03-09", &y, &m, &d) == 0 && y == 2017 && m == 3 && d == 9);
    CHECK(date_parse("2017-02-29", &y, &m, &d) == -1);
}

static void days_and_diff(void)
{
    int ok = 0;
    CHECK(date_days("1970-01-01", &ok) == 0 && ok);
    CHECK(date_days("1970-01-02", &ok) == 1 && ok);
    CHECK(date_days("1969-12-31", &ok) == -1 && ok);
    date_days("2018-02-30", &ok);
    CHECK(!ok);
    CHECK(date_diff("2018-01-01", "2018-12-31", &ok) == 364 && ok);
    CHECK(date_diff("2016-01-01", "2017-01-01", &ok) == 366 && ok); /* leap year */
    CHECK(date_diff("2018-03-01", "2018-02-28", &ok) == -1 && ok);
    CHECK(date_diff("2016-02-28", "2016-03-01", &ok) == 2 && ok);
    CHECK(date_diff("2015-12-31", "2016-01-01", &ok) == 1 && ok);
    date_diff("2018-01-01", "not a date", &ok);
    CHECK(!ok);
    date_diff("2018-02-29", "2018-03-01", &ok);
    CHECK(!ok);
}

static void age_on_birthday_eve_and_day(void)
{
    CHECK(date_age("2002-06-30", "2018-06-29") == 15); /* the eve */
    CHECK(date_age("2002-06-30", "2018-06-30") == 16); /* the birthday */
    CHECK(date_age("2002-06-30", "2018-07-01") == 16);
    CHECK(date_age("1958-01-01", "2018-12-31") == 60);
    CHECK(date_age("1958-01-01", "2019-01-01") == 61);
    CHECK(date_age("2018-06-30", "2018-06-30") == 0);
    CHECK(date_age("2018-07-01", "2018-06-30") == -1); /* born after the date */
    CHECK(date_age("2000-02-29", "2004-02-29") == 4);
    CHECK(date_age("2000-02-29", "2004-02-28") == 3);
    CHECK(date_age("2000-02-29", "2001-03-01") == 1);
    CHECK(date_age("bad", "2018-01-01") == -1);
    CHECK(date_age("2000-01-01", "2018-02-30") == -1);
}

static void add_across_months_and_years(void)
{
    char out[11];
    CHECK(date_add("2018-01-31", 1, out) == 0 && strcmp(out, "2018-02-01") == 0);
    CHECK(date_add("2018-02-28", 1, out) == 0 && strcmp(out, "2018-03-01") == 0);
    CHECK(date_add("2016-02-28", 1, out) == 0 && strcmp(out, "2016-02-29") == 0);
    CHECK(date_add("2016-02-29", 1, out) == 0 && strcmp(out, "2016-03-01") == 0);
    CHECK(date_add("2018-12-31", 1, out) == 0 && strcmp(out, "2019-01-01") == 0);
    CHECK(date_add("2019-01-01", -1, out) == 0 && strcmp(out, "2018-12-31") == 0);
    CHECK(date_add("2018-03-01", -1, out) == 0 && strcmp(out, "2018-02-28") == 0);
    CHECK(date_add("2018-06-30", 90, out) == 0 && strcmp(out, "2018-09-28") == 0);
    CHECK(date_add("2018-06-30", 0, out) == 0 && strcmp(out, "2018-06-30") == 0);
    CHECK(date_add("2016-01-01", 366, out) == 0 && strcmp(out, "2017-01-01") == 0);
    CHECK(date_add("1970-01-01", -1, out) == 0 && strcmp(out, "1969-12-31") == 0);
    CHECK(date_add("2018-02-30", 1, out) == -1);
    date_format(0, out);
    CHECK(strcmp(out, "1970-01-01") == 0);
    /* days and format are inverses over a span that crosses 2000 and leap days */
    int ok;
    long start = date_days("1996-01-01", &ok);
    for (long d = start; d < start + 3 * 3653; d += 7) {
        date_format(d, out);
        CHECK(date_is_valid(out) && date_days(out, &ok) == d);
    }
}

int main(void)
{
    RUN(valid_and_invalid_dates);
    RUN(days_and_diff);
    RUN(age_on_birthday_eve_and_day);
    RUN(add_across_months_and_years);
    return test_done();
}
