/* date.h - calendar arithmetic on "YYYY-MM-DD" strings, without time zones
 * (the plan's dates are civil dates). Pure functions, thread-safe. */
#ifndef FUPIN_DATE_H
#define FUPIN_DATE_H

/* Parses a valid calendar date; returns 0, or -1 for anything else. */
int date_parse(const char *s, int *y, int *m, int *d);
/* Nonzero if s is a valid YYYY-MM-DD date. */
int date_is_valid(const char *s);
/* Days since 1970-01-01 of a valid date; on invalid input returns -1 via ok=0. */
long date_days(const char *s, int *ok);
/* Days from a to b (b - a); ok=0 if either is invalid. */
long date_diff(const char *a, const char *b, int *ok);
/* Full years of age on `on` for someone born on `birth`; -1 if invalid. */
int date_age(const char *birth, const char *on);
/* Formats days-since-epoch as YYYY-MM-DD into out[11]. */
void date_format(long days, char out[11]);
/* out = s + n days (n may be negative); returns -1 on invalid s. */
int date_add(const char *s, long n, char out[11]);

#endif
