/* engine_marks.c - what a pass runs: each policy's fingerprint as of its
 * last marking, the scope of the pending marks (every policy, or those
 * whose fingerprint changed), and marking households for a pass. */
#include "engine_internal.h"
#include "i18n.h"
#include "log.h"
#include "store_engine.h"
#include "store_findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what a pass runs ---- */

/* engine_meta keys: each policy's fingerprint (policy_set_fingerprint) as of
 * its last marking, and the scope of the pending marks: "*" (every policy)
 * or the names of the policies they are for, comma-separated. */
#define FP_PREFIX "policy_fingerprint:"
#define SCOPE_KEY "pending_policies"
#define MAX_FPS 256

uint64_t engine_all_policies(const struct engine *en)
{
    return en->set->n_policies >= 64 ? ~0ull : (1ull << en->set->n_policies) - 1;
}

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* The mask of a scope text; no scope (marks made by an older fupin) or "*"
 * mean every policy. */
static uint64_t scope_mask(const struct engine *en, const char *scope)
{
    if (!scope[0] || strcmp(scope, "*") == 0)
        return ~0ull;
    uint64_t mask = 0;
    for (size_t i = 0; i < en->set->n_policies && i < 64; i++)
        if (in_list(scope, en->set->policies[i].name))
            mask |= 1ull << i;
    return mask;
}

/* The scope of the pending marks, read with them (another fupin process may
 * have marked since). */
int engine_pending_scope(struct engine *en, uint64_t *mask, struct err *e)
{
    char scope[1024];
    int rc = store_meta_get(en->w, SCOPE_KEY, scope, sizeof scope, e);
    *mask = rc ? 0 : scope_mask(en, scope);
    return rc;
}

/* Widens the pending scope by names ("*": every policy) and marks every
 * household, in the caller's transaction. Marks left from an unfinished
 * pass keep their own scope by the union; once none is left the old scope
 * is forgotten. */
static int mark_scope(struct engine *en, const char *names, struct err *e)
{
    char scope[1024] = "";
    int64_t left = 0;
    int rc = store_pending_count(en->w, &left, e);
    if (rc == 0 && left > 0)
        rc = store_meta_get(en->w, SCOPE_KEY, scope, sizeof scope, e);
    if (rc)
        return rc;
    if (left > 0 && !scope[0])
        snprintf(scope, sizeof scope, "*");
    if (strcmp(names, "*") == 0 || strcmp(scope, "*") == 0) {
        snprintf(scope, sizeof scope, "*");
    } else {
        for (const char *p = names; *p;) {
            size_t n = strcspn(p, ",");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
            size_t len = strlen(scope);
            if (!in_list(scope, name) && len + n + 2 < sizeof scope)
                snprintf(scope + len, sizeof scope - len, "%s%s", len ? "," : "", name);
            else if (!in_list(scope, name))
                snprintf(scope, sizeof scope, "*"); /* too many names: all */
            p += n + (p[n] == ',');
        }
    }
    if ((rc = store_pending_mark_all(en->w, e)) != 0)
        return rc;
    return store_meta_set(en->w, SCOPE_KEY, scope, e);
}

/* Records the fingerprint of policy i; with the combined one that says "the
 * engine has recorded its policies" to outside tools. */
static int record_fingerprint(struct engine *en, size_t i, struct err *e)
{
    char key[96], fp[17];
    snprintf(key, sizeof key, FP_PREFIX "%s", en->set->policies[i].name);
    policy_set_fingerprint(en->set, i, fp);
    int rc = store_meta_set(en->w, key, fp, e);
    return rc ? rc : store_meta_set(en->w, "policy_fingerprint", "per-policy", e);
}

int engine_record_all_fingerprints(struct engine *en, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; i < en->set->n_policies && !rc; i++)
        rc = record_fingerprint(en, i, e);
    return rc;
}

/* ---- marks ---- */

static int mark_all_in_tx(struct engine *en, struct err *e)
{
    int rc = mark_scope(en, "*", e);
    return rc ? rc : engine_record_all_fingerprints(en, e);
}

int engine_mark_all(struct engine *en, const atomic_int *stop, struct err *e)
{
    engine_drain(en);
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = mark_all_in_tx(en, e)) == 0)
        return store_commit(en->w, e);
    store_rollback(en->w);
    return rc;
}

/* Appends name; a list that would not fit becomes "*" (every policy), never
 * a cut name that would match none. */
static void list_add(char *names, size_t size, const char *name)
{
    size_t len = strlen(names);
    if (strcmp(names, "*") == 0)
        return;
    if (len + strlen(name) + 2 > size)
        snprintf(names, size, "*");
    else
        snprintf(names + len, size - len, "%s%s", len ? "," : "", name);
}

/* The policies whose fingerprint differs from the stored one, and those
 * with a stored one that are gone (neither loaded nor missing: their
 * findings are withdrawn by the pass, since no policy says them any more),
 * comma-separated into names; *n_current counts the loaded ones among them.
 * *n_stale counts stored rows to delete: the gone ones', and those of
 * missing policies, which did not run on what changed meanwhile, so their
 * return must count as a change. With forget they are deleted (in a
 * transaction). */
static int changed_policies(struct engine *en, int forget, char *names, size_t size,
                            size_t *n_current, size_t *n_stale, struct err *e)
{
    struct store_meta_row *rows = calloc(MAX_FPS, sizeof *rows);
    if (!rows)
        return err_set(e, ERR_FAIL, "out of memory");
    int n = 0;
    int rc = store_meta_prefixed(en->w, FP_PREFIX, MAX_FPS, rows, &n, e);
    if (n < 0)
        n = MAX_FPS; /* more than a set ever holds: the rest wait a turn */
    names[0] = 0;
    *n_current = *n_stale = 0;
    for (size_t i = 0; rc == 0 && i < en->set->n_policies; i++) {
        const struct policy *p = &en->set->policies[i];
        char fp[17];
        policy_set_fingerprint(en->set, i, fp);
        int same = 0;
        for (int k = 0; k < n && !same; k++)
            same = strcmp(rows[k].name, p->name) == 0 && strcmp(rows[k].value, fp) == 0;
        if (!same) {
            list_add(names, size, p->name);
            (*n_current)++;
        }
    }
    for (int k = 0; rc == 0 && k < n; k++) {
        if (policy_set_find(en->set, rows[k].name))
            continue;
        int missing = 0;
        for (size_t i = 0; i < en->set->n_missing && !missing; i++)
            missing = strcmp(en->set->missing[i].name, rows[k].name) == 0;
        if (!missing)
            list_add(names, size, rows[k].name);
        (*n_stale)++;
        if (forget) {
            char key[96];
            snprintf(key, sizeof key, FP_PREFIX "%s", rows[k].name);
            rc = store_meta_delete(en->w, key, e);
        }
    }
    free(rows);
    return rc;
}

int engine_mark_changed(struct engine *en, const atomic_int *stop, char *changed, size_t size,
                        struct err *e)
{
    engine_drain(en);
    char names[1024];
    size_t n_current = 0, n_stale = 0;
    if (changed && size)
        changed[0] = 0;
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = changed_policies(en, 1, names, sizeof names, &n_current, &n_stale, e)) != 0)
        goto fail;
    if (!names[0])
        return n_stale ? store_commit(en->w, e) : (store_rollback(en->w), 0);
    if (changed && size)
        snprintf(changed, size, "%s", names);
    if ((rc = mark_scope(en, names, e)) != 0 || (rc = engine_record_all_fingerprints(en, e)) != 0)
        goto fail;
    return store_commit(en->w, e);
fail:
    store_rollback(en->w);
    return rc;
}

int engine_mark_if_changed(struct engine *en, const atomic_int *stop, int *marked, struct err *e)
{
    char names[1024];
    size_t n_current = 0, n_stale = 0;
    if (marked)
        *marked = 0;
    engine_drain(en);
    int rc = store_begin_read(en->w, e);
    if (rc)
        return rc;
    rc = changed_policies(en, 0, names, sizeof names, &n_current, &n_stale, e);
    store_rollback(en->w);
    if (rc || (!names[0] && !n_stale))
        return rc;
    if (!names[0])
        return engine_mark_changed(en, stop, NULL, 0, e);
    if (marked)
        *marked = 1;
    /* Everything is about to be evaluated: the journal so far adds nothing
     * (and after `fupin init --demo` it holds the whole city once more). */
    if (n_current == en->set->n_policies)
        return engine_begin_full(en, stop, e);
    return engine_mark_changed(en, stop, NULL, 0, e);
}

int engine_changed_policies(struct engine *en, char *names, size_t size, struct err *e)
{
    size_t n_current = 0, n_stale = 0;
    engine_drain(en);
    int rc = store_begin_read(en->w, e);
    if (rc)
        return rc;
    rc = changed_policies(en, 0, names, size, &n_current, &n_stale, e);
    store_rollback(en->w);
    return rc;
}

int engine_begin_policy(struct engine *en, const char *name, const atomic_int *stop, struct err *e)
{
    const struct policy *p = policy_set_find(en->set, name);
    if (!p)
        return err_set(e, ERR_NOTFOUND, "no policy named %s", name);
    engine_drain(en);
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = mark_scope(en, name, e)) != 0 ||
        (rc = record_fingerprint(en, (size_t)(p - en->set->policies), e)) != 0) {
        store_rollback(en->w);
        return rc;
    }
    return store_commit(en->w, e);
}

int engine_begin_full(struct engine *en, const atomic_int *stop, struct err *e)
{
    engine_drain(en);
    int64_t *ids = en->b[0].ids;
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    int64_t end;
    char now[20];
    engine_now(now);
    if ((rc = store_journal_end(en->w, &end, e)) != 0 ||
        (rc = store_cursor_set(en->w, end, e)) != 0 ||
        (rc = store_journal_trim(en->w, end, e)) != 0)
        goto fail;
    for (;;) {
        int n = 0;
        if ((rc = store_orphan_households(en->w, en->cap, ids, &n, e)) != 0)
            goto fail;
        for (int i = 0; i < n; i++)
            if ((rc = store_forget_household(en->w, ids[i], now, en->tally, e)) != 0)
                goto fail;
        if (n < en->cap)
            break;
    }
    if ((rc = mark_all_in_tx(en, e)) != 0)
        goto fail;
    return store_commit(en->w, e);
fail:
    store_rollback(en->w);
    return rc;
}
