/* scrub.c - see scrub.h. Deliberately wider than idcard_is_valid: a typo in
 * the check character does not make an ID any less personal. Never keeps or
 * logs what it masks. */
#include "scrub.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* A real calendar date; digits are checked by the caller. Leap years by
 * hand: date_parse wants "YYYY-MM-DD" and this must not copy. */
static int plausible_date(int y, int m, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 0;
    return 1;
}

static int id18_at(const char *s, size_t left)
{
    if (left < 18 || s[0] < '1' || s[0] > '8')
        return 0;
    for (int i = 1; i < 17; i++)
        if (!is_digit(s[i]))
            return 0;
    if (!is_digit(s[17]) && s[17] != 'X' && s[17] != 'x')
        return 0;
    return plausible_date(num(s + 6, 4), num(s + 10, 2), num(s + 12, 2));
}

/* The old 15-digit form only stands alone: inside a longer run of digits it
 * would match far too many ordinary numbers. */
static int id15_at(const char *buf, size_t at, size_t n)
{
    const char *s = buf + at;
    if (n - at < 15 || (at > 0 && is_digit(buf[at - 1])) || s[0] < '1' || s[0] > '8')
        return 0;
    for (int i = 1; i < 15; i++)
        if (!is_digit(s[i]))
            return 0;
    if (n - at > 15 && (is_digit(s[15]) || s[15] == 'X' || s[15] == 'x'))
        return 0;
    return plausible_date(1900 + num(s + 6, 2), num(s + 8, 2), num(s + 10, 2));
}

static size_t scan(char *buf, size_t n, int write)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(buf[i]))
            continue;
        /* An ID glued to more digits still leaks: match without a left or
         * right boundary, leftmost first. */
        if (id18_at(buf + i, n - i)) {
            if (write)
                memset(buf + i + 6, '*', 8);
            found++;
            i += 17;
        } else if (id15_at(buf, i, n)) {
            if (write)
                memset(buf + i + 6, '*', 5);
            found++;
            i += 14;
        }
    }
    return found;
}

size_t scrub_ids_n(char *buf, size_t n)
{
    return buf ? scan(buf, n, 1) : 0;
}

size_t scrub_ids_json(char *buf, size_t n)
{
    size_t found = 0;
    for (size_t i = 0; buf && i < n; i++) {
        if (buf[i] != '"')
            continue;
        size_t start = ++i;
        while (i < n && buf[i] != '"')
            i += buf[i] == '\\' ? 2 : 1;
        if (i > n)
            i = n;
        found += scan(buf + start, i - start, 1);
    }
    return found;
}

size_t scrub_ids(char *s)
{
    return s ? scan(s, strlen(s), 1) : 0;
}

int scrub_has_id(const char *s)
{
    return s && scan((char *)s, strlen(s), 0) > 0;
}
