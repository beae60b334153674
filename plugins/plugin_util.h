/* plugin_util.h - small helpers shared by the bundled plugins (education,
 * medical, housing, credit): civil-date arithmetic, yuan formatting, a
 * bounded string builder, the wording templates ({name} placeholders) and
 * the why-not record. Not part of the ABI (the raw emit and param helpers
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
    return m->name && *m->name ? m->name : "（未填姓名）";
}

/* Only registered and returned (返贫) households receive help measures. */
static inline int pu_is_helped(const struct fupin_household *hh)
{
    return hh->status == FUPIN_STATUS_REGISTERED || hh->status == FUPIN_STATUS_RETURNED;
}

/* Everyone the plan counts, exited households included: 三保障 (compulsory
 * schooling, basic medical cover, a safe house) is watched for them too, so
 * a child who drops out or a house that turns unsafe after exit is seen. */
static inline int pu_is_counted(const struct fupin_household *hh)
{
    return pu_is_helped(hh) || hh->status == FUPIN_STATUS_EXITED;
}

/* Whether m belongs to the household's labour force, the only members a
 * labour-related measure (a production loan) may count on: the host's one
 * definition (working age, not in school, labour recorded full or partial). */
static inline int pu_in_labor_force(const struct fupin_member *m)
{
    return m->in_labor_force;
}

/* ---- Wording: templates with named placeholders ----
 *
 * Every text a cadre reads is a template kept in a table at the top of its
 * plugin, "{clause}：{who}（{age}）……", so wording is edited without touching
 * the conditions. Values are strings, given as PU_ARGS({"who", name}, ...);
 * numbers are formatted first into a struct pu_scratch. */

struct pu_arg {
    const char *name, *value;
};

/* A NULL-terminated array of struct pu_arg, alive to the end of the statement's block. */
#define PU_ARGS(...) ((const struct pu_arg[]){__VA_ARGS__, {NULL, NULL}})

/* Room for the formatted values of one message; a value that does not fit
 * becomes "…" rather than overflowing. */
struct pu_scratch {
    char buf[FUPIN_MESSAGE_MAX];
    size_t used;
};

/* Cuts s (of length len) back to the last whole UTF-8 character, so a
 * message cut at a buffer's end is still valid text. */
static inline void pu_utf8_trim(char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (len - (i - 1) < need)
            len = i - 1;
    }
    s[len] = '\0';
}

/* A formatted value kept in sc until sc is dropped. */
__attribute__((format(printf, 2, 3))) static inline const char *pu_fmt(struct pu_scratch *sc,
                                                                       const char *fmt, ...)
{
    size_t room = sizeof sc->buf - sc->used;
    if (room < 8)
        return "…";
    char *s = sc->buf + sc->used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return "…";
    if ((size_t)n >= room) {
        pu_utf8_trim(s, room - 1);
        n = (int)strlen(s);
    }
    sc->used += (size_t)n + 1;
    return s;
}

/* amount as "50,000 元", kept in sc. */
static inline const char *pu_money(struct pu_scratch *sc, double amount)
{
    char b[64]; /* pu_yuan's longest: a sign, 47 grouped digits, " 元" */
    return pu_fmt(sc, "%s", pu_yuan(amount, b, sizeof b));
}

/* A number without needless decimals: 36, 0.5, 1.25 (months, ages, percents). */
static inline const char *pu_num(struct pu_scratch *sc, double x)
{
    return pu_fmt(sc, "%g", x);
}

/* Fills tmpl into buf (size bytes, always terminated, cut at a character):
 * each {name} becomes the value of the arg of that name. 0, or -1 with the
 * unknown name in missing: a wording edit that names a value the rule does
 * not give fails the evaluation rather than printing "{x}" to a cadre. */
static inline int pu_fill(char *buf, size_t size, const char *tmpl, const struct pu_arg *args,
                          char *missing, size_t missing_size)
{
    size_t len = 0;
    const char *p = tmpl;
    buf[0] = '\0';
    while (*p) {
        const char *piece = p;
        size_t n;
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close) {
            size_t nlen = (size_t)(close - p - 1);
            piece = NULL;
            for (const struct pu_arg *a = args; a && a->name; a++)
                if (strlen(a->name) == nlen && memcmp(a->name, p + 1, nlen) == 0) {
                    piece = a->value ? a->value : "";
                    break;
                }
            if (!piece) {
                snprintf(missing, missing_size, "%.*s", (int)(nlen < 64 ? nlen : 64), p + 1);
                return -1;
            }
            n = strlen(piece);
            p = close + 1;
        } else {
            const char *next = strchr(p + 1, '{');
            n = next ? (size_t)(next - p) : strlen(p);
            p += n;
        }
        if (len + n >= size) {
            memcpy(buf + len, piece, size - 1 - len);
            pu_utf8_trim(buf, size - 1);
            return 0;
        }
        memcpy(buf + len, piece, n);
        len += n;
        buf[len] = '\0';
    }
    return 0;
}

/* Fills tmpl for c's plugin; FUPIN_ERROR with c->err naming the placeholder. */
static inline int pu_fill_for(struct fupin_ctx *c, char *buf, size_t size, const char *tmpl,
                              const struct pu_arg *args)
{
    char missing[80];
    if (pu_fill(buf, size, tmpl, args, missing, sizeof missing) != 0)
        return fupin_fail(c, "%s: the wording template names {%s}, which the rule does not give",
                          c->area, missing);
    return FUPIN_OK;
}

static inline int pu_emit(struct fupin_ctx *c, int is_flag, int64_t member_id, const char *measure,
                          int has_amount, double amount, const char *tmpl,
                          const struct pu_arg *args)
{
    char reason[FUPIN_MESSAGE_MAX];
    if (pu_fill_for(c, reason, sizeof reason, tmpl, args))
        return FUPIN_ERROR;
    struct fupin_finding f = {.member_id = member_id,
                              .measure = measure,
                              .has_amount = has_amount,
                              .amount = has_amount ? amount : 0,
                              .reason = reason};
    int rc = is_flag ? c->host->flag(c->out, &f) : c->host->recommend(c->out, &f);
    if (rc != FUPIN_OK)
        return fupin_fail(c, "the host refused finding %s", measure);
    return FUPIN_OK;
}

/* Recommends measure to member_id (0: the household), the reason filled from
 * tmpl; no amount. FUPIN_ERROR with c->err set on a bad template or refusal. */
static inline int pu_recommend(struct fupin_ctx *c, int64_t member_id, const char *measure,
                               const char *tmpl, const struct pu_arg *args)
{
    return pu_emit(c, 0, member_id, measure, 0, 0, tmpl, args);
}

/* As pu_recommend, with an amount in yuan that is actually granted. */
static inline int pu_recommend_amount(struct fupin_ctx *c, int64_t member_id, const char *measure,
                                      double amount, const char *tmpl, const struct pu_arg *args)
{
    return pu_emit(c, 0, member_id, measure, 1, amount, tmpl, args);
}

/* Raises alert kind with severity "info", "warning" or "critical", the
 * message filled from tmpl. FUPIN_ERROR with c->err set on failure. */
static inline int pu_alert(struct fupin_ctx *c, const char *kind, const char *severity,
                           const char *tmpl, const struct pu_arg *args)
{
    char msg[FUPIN_MESSAGE_MAX];
    if (pu_fill_for(c, msg, sizeof msg, tmpl, args))
        return FUPIN_ERROR;
    if (c->host->alert(c->out, kind, severity, msg) != FUPIN_OK)
        return fupin_fail(c, "the host refused the %s alert", kind);
    return FUPIN_OK;
}

/* The why-not record: one test a rule evaluated (label, passed or not, the
 * values, filled from tmpl) about member_id (0: the household), shown by
 * `fupin explain` even when nothing applies. A host that does not lend
 * test() records nothing, and evaluation goes on; a bad template fails
 * always, so it is caught by `fupin test` whatever the host.
 * The one place that calls host->test (ABI 3; an older host records
 * nothing). */
static inline int pu_test(struct fupin_ctx *c, int64_t member_id, const char *label, int ok,
                          const char *tmpl, const struct pu_arg *args)
{
    char detail[FUPIN_MESSAGE_MAX];
    if (pu_fill_for(c, detail, sizeof detail, tmpl, args))
        return FUPIN_ERROR;
    if (FUPIN_HOST_HAS(c->host, test) &&
        c->host->test(c->out, member_id, label, ok ? 1 : 0, detail) != FUPIN_OK)
        return fupin_fail(c, "the host refused the test %s", label);
    return FUPIN_OK;
}

#endif
