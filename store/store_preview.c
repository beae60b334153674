/* store_preview.c - read-only queries for `fupin preview`: households in id
 * order and their live findings. Never writes: a preview must leave the
 * database byte for byte as it was. */
#include "store_preview.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_households[] = "SELECT id FROM household WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char sql_findings[] =
    "SELECT id, ifnull(member_id, 0), policy, measure, kind, amount, reason, source, state"
    " FROM finding WHERE household_id = ?1 AND state <> 'withdrawn'";

int store_preview_households(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                             struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, sql_households, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int(s, 2, max);
    int step;
    *n = 0;
    while (*n < max && (step = sqlite3_step(s)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    if (*n < max && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading households"));
    sqlite3_reset(s);
    return rc;
}

static const char *text_col(struct arena *a, sqlite3_stmt *s, int i, int *ok)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return NULL;
    char *d = arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, i));
    if (!d)
        *ok = 0;
    return d;
}

static enum stored_state parse_state(const char *s)
{
    if (s && strcmp(s, "accepted") == 0)
        return STORED_ACCEPTED;
    if (s && strcmp(s, "rejected") == 0)
        return STORED_REJECTED;
    return STORED_OPEN;
}

int store_preview_findings(struct store *st, int64_t household_id, struct arena *a,
                           struct stored_finding **rows, size_t *n, size_t *cap, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, sql_findings, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    *n = 0;
    int step, ok = 1;
    while (ok && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            struct stored_finding *nr = realloc(*rows, ncap * sizeof *nr);
            if (!nr) {
                ok = 0;
                break;
            }
            *rows = nr;
            *cap = ncap;
        }
        struct stored_finding *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        r->f.member_id = sqlite3_column_int64(s, 1);
        r->f.policy = text_col(a, s, 2, &ok);
        const char *measure = (const char *)sqlite3_column_text(s, 3);
        snprintf(r->f.measure, sizeof r->f.measure, "%s", measure ? measure : "");
        const char *kind = (const char *)sqlite3_column_text(s, 4);
        r->f.kind = kind && strcmp(kind, "flag") == 0 ? FINDING_FLAG : FINDING_RECOMMEND;
        r->f.has_amount = sqlite3_column_type(s, 5) != SQLITE_NULL;
        r->f.amount = sqlite3_column_double(s, 5);
        r->f.reason = (char *)text_col(a, s, 6, &ok);
        r->f.source = text_col(a, s, 7, &ok);
        r->state = parse_state((const char *)sqlite3_column_text(s, 8));
        if (!r->f.policy)
            r->f.policy = "";
    }
    if (!ok)
        rc = err_set(e, ERR_FAIL, "out of memory");
    else if (step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading findings"));
    sqlite3_reset(s);
    return rc;
}

int store_preview_region_name(struct store *st, const char *code, char *buf, size_t size,
                              struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, "SELECT name FROM region WHERE code = ?1", &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    buf[0] = '\0';
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        snprintf(buf, size, "%s", name ? name : "");
    } else if (step != SQLITE_DONE) {
        rc = store_fail(st, e, ERR_FAIL, N_("reading regions"));
    }
    sqlite3_reset(s);
    return rc;
}
