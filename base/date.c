/* date.c - see date.h. Days-from-civil after Howard Hinnant's algorithm,
 * so no libc time-zone state is touched. */
#include "date.h"

#include <stdio.h>
#include <string.h>

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int date_parse(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int mm = (s[5] - '0') * 10 + (s[6] - '0');
    int dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (yy < 1 || mm < 1 || mm > 12 || dd < 1 || dd > days_in_month(yy, mm))
        return -1;
    *y = yy;
    *m = mm;
    *d = dd;
    return 0;
}

int date_is_valid(const char *s)
{
    int y, m, d;
    return date_parse(s, &y, &m, &d) == 0;
}

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long date_days(const char *s, int *ok)
{
    int y, m, d;
    if (date_parse(s, &y, &m, &d) != 0) {
        if (ok)
            *ok = 0;
        return -1;
    }
    if (ok)
        *ok = 1;
    return days_from_civil(y, m, d);
}

long date_diff(const char *a, const char *b, int *ok)
{
    int oka, okb;
    long da = date_days(a, &oka), db = date_days(b, &okb);
    if (ok)
        *ok = oka && okb;
    return oka && okb ? db - da : 0;
}

int date_age(const char *birth, const char *on)
{
    int by, bm, bd, y, m, d;
    if (date_parse(birth, &by, &bm, &bd) != 0 || date_parse(on, &y, &m, &d) != 0)
        return -1;
    int age = y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
    return age < 0 ? -1 : age;
}

void date_format(long z, char out[11])
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", (int)(y % 10000), (int)(m % 100), (int)(d % 100));
    memcpy(out, buf, 10);
    out[10] = 0;
}

int date_add(const char *s, long n, char out[11])
{
    int ok;
    long days = date_days(s, &ok);
    if (!ok)
        return -1;
    date_format(days + n, out);
    return 0;
}
