/* plugin_util.h - small helpers shared by the bundled plugins (education,
 * medical, housing, credit): civil-date arithmetic, yuan formatting, a
 * bounded string builder. Not part of the ABI (the emit and param helpers
 * are in fupin_plugin.h). Header-only and static: a plugin links nothing of
 * the daemon, and nothing here keeps state, so it is thread-safe. */
#ifndef FUPIN_PLUGIN_UTIL_H
#define FUPIN_PLUGIN_UTIL_H

#include "fupin_plugin.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "YYYY-MM-DD" with a real calendar day; 0 on success, -1 otherwise. */
static inline int pu_date_parse(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*m < 1 || *m > 12 || *d < 1)
        return -1;
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    return *d <= mdays[*m - 1] + (*m == 2 && leap) ? 0 : -1;
}

/* Writes a date known to be in range as "YYYY-MM-DD" (digit by digit, so
 * the compiler can see it fits in 11 bytes). */
static inline void pu_date_format(int y, int m, int d, char out[11])
{
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10 % 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10 % 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

static inline int pu_days_in_month(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}

/* A date as one comparable integer (YYYYMMDD); -1 when not a valid date. */
static inline long pu_date_key(const char *s)
{
    int y, m, d;
    if (pu_date_parse(s, &y, &m, &d) != 0)
        return -1;
    return (long)y * 10000 + m * 100 + d;
}

/* s + months, the day clamped to the end of the target month (a loan of
 * 2017-01-31 for one month ends 2017-02-28). Writes out[11]; -1 on bad s. */
static inline int pu_date_add_months(const char *s, int months, char out[11])
{
    int y, m, d;
    if (pu_date_parse(s, &y, &m, &d) != 0)
        return -1;
    long idx = (long)y * 12 + (m - 1) + months;
    if (idx < 0 || idx >= 10000L * 12)
        return -1;
    y = (int)(idx / 12);
    m = (int)(idx % 12) + 1;
    if (d > pu_days_in_month(y, m))
        d = pu_days_in_month(y, m);
    pu_date_format(y, m, d, out);
    return 0;
}

/* The first day of the month after s (cover under 二(五) starts then). */
static inline int pu_first_of_next_month(const char *s, char out[11])
{
    int y, m, d;
    if (pu_date_parse(s, &y, &m, &d) != 0)
        return -1;
    char first[11];
    pu_date_format(y, m, 1, first);
    return pu_date_add_months(first, 1, out);
}

/* "50,000 元", "1,234.50 元": what cadres read in reasons. */
static inline const char *pu_yuan(double amount, char *buf, size_t size)
{
    if (!isfinite(amount)) {
        snprintf(buf, size, "? 元");
        return buf;
    }
    double r = round(amount * 100) / 100;
    int neg = r < 0;
    double a = fabs(r);
    unsigned long long whole = (unsigned long long)a;
    int cents = (int)llround((a - (double)whole) * 100);
    if (cents == 100) {
        whole++;
        cents = 0;
    }
    char digits[32], grouped[48];
    int n = snprintf(digits, sizeof digits, "%llu", whole), j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    if (cents)
        snprintf(buf, size, "%s%s.%02d 元", neg ? "-" : "", grouped, cents);
    else
        snprintf(buf, size, "%s%s 元", neg ? "-" : "", grouped);
    return buf;
}

/* A bounded string builder: appends never overflow, the result is always
 * terminated (a too-long message is cut, never a crash). */
struct pu_buf {
    char *s;
    size_t size, len;
};

__attribute__((format(printf, 2, 3))) static inline void pu_add(struct pu_buf *b, const char *fmt,
                                                                ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    b->len += (size_t)n;
    if (b->len >= b->size)
        b->len = b->size - 1;
}

/* Member name for reasons; an unnamed row still reads sensibly. */
static inline const char *pu_name(const struct fupin_member *m)
{
    return m->name && *m->name ? m->name : "(unnamed member)";
}

/* Only registered and returned (返贫) households receive help measures. */
static inline int pu_is_helped(const struct fupin_household *hh)
{
    return hh->status == FUPIN_STATUS_REGISTERED || hh->status == FUPIN_STATUS_RETURNED;
}

#endif
