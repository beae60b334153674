/* nightly_digest.c - one digest per supervisor per night: the items they
 * answer for (oldest overdue first), counts by village and cadre, what
 * climbed tonight, and a text a person reads (Chinese labels with codes).
 * Never re-notifies an acked alert unless it climbed since. */
#include "nightly_digest.h"
#include "date.h"
#include "json.h"
#include "nightly.h"
#include "scrub.h"
#include "store_nightly.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Items listed in the JSON and in the text: a county with thousands of
 * overdue tasks still gets a message a chat robot and a person can take. */
#define DIGEST_MAX_ITEMS 200
#define DIGEST_TEXT_ITEMS 20
#define DIGEST_TEXT_OTHERS 10

static const struct {
    const char *code, *label;
} kind_labels[] = {
    {"task_overdue", "逾期任务"},
    {"no_cadre", "未落实帮扶干部"},
    {"cadre_no_visit", "帮扶干部未走访"},
    {"reduction_behind", "减贫进度落后（约谈）"},
    {"no_visit", "未走访"},
    {"fund_notice", "资金公示问题"},
    {"dropout", "辍学"},
    {"loan_terms", "扶贫贷款条件不符"},
    {"policy_error", "规则运行错误"},
};

const char *nightly_kind_label(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kind_labels / sizeof kind_labels[0]; i++)
        if (strcmp(kind, kind_labels[i].code) == 0)
            return kind_labels[i].label;
    return kind ? kind : "?";
}

const char *nightly_level_label(const char *level)
{
    switch (nightly_level_rank(level)) {
    case 0:
        return "村级";
    case 1:
        return "镇级";
    case 2:
        return "县级";
    case 3:
        return "市级";
    default:
        return level ? level : "?";
    }
}

int nightly_escalated_add(struct nightly_escalated *x, int64_t id, struct err *e)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        int64_t *ids = realloc(x->ids, cap * sizeof *ids);
        if (!ids)
            return err_set(e, ERR_FAIL, "out of memory recording escalations");
        x->ids = ids;
        x->cap = cap;
    }
    x->ids[x->n++] = id;
    return 0;
}

void nightly_escalated_free(struct nightly_escalated *x)
{
    free(x->ids);
    memset(x, 0, sizeof *x);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct item {
    int64_t id, task_id, household_id;
    int escalations, escalated;
    long days;
    char *kind, *severity, *level, *message, *title, *due, *village, *village_name, *cadre_name;
};

struct tally {
    char *key, *name;
    int count;
};

struct digest {
    const char *date, *now;
    struct store *st;
    struct nightly_escalated *esc;
    int64_t sup_id;
    char *sup_name, *sup_region, *sup_level, *sup_channel;
    struct item *items;
    size_t n, cap;
    int acked_quiet;                   /* acked alerts left out */
    struct nightly_escalated notified; /* supervisors with a new digest */
    int digests;
};

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void item_free(struct item *it)
{
    free(it->kind), free(it->severity), free(it->level), free(it->message), free(it->title);
    free(it->due), free(it->village), free(it->village_name), free(it->cadre_name);
}

static void digest_clear(struct digest *d)
{
    for (size_t i = 0; i < d->n; i++)
        item_free(&d->items[i]);
    d->n = 0;
    free(d->sup_name), free(d->sup_region), free(d->sup_level), free(d->sup_channel);
    d->sup_name = d->sup_region = d->sup_level = d->sup_channel = NULL;
    d->sup_id = 0;
    d->acked_quiet = 0;
}

/* One occurrence to count: key (never NULL), its display name, and what
 * stands for a missing name (the key as the item had it, maybe NULL). */
struct tally_pair {
    const char *key, *name, *fallback;
};

static int cmp_pair(const void *a, const void *b)
{
    return strcmp(((const struct tally_pair *)a)->key, ((const struct tally_pair *)b)->key);
}

/* Counts equal keys by sorting: a town's digest can hold tens of thousands
 * of overdue tasks over thousands of villages and cadres, where a linear
 * search per item was most of the nightly job's time. The name kept is the
 * first of its key's run (all occurrences of a key carry the same name). */
static int tally_build(struct tally_pair *p, size_t n, struct tally **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    qsort(p, n, sizeof *p, cmp_pair);
    size_t distinct = 1;
    for (size_t i = 1; i < n; i++)
        distinct += strcmp(p[i].key, p[i - 1].key) != 0;
    struct tally *t = calloc(distinct, sizeof *t);
    if (!t)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(p[i].key, p[i - 1].key) == 0) {
            t[k - 1].count++;
            continue;
        }
        const char *name = p[i].name ? p[i].name : p[i].fallback;
        t[k] = (struct tally){strdup(p[i].key), dup(name), 1};
        k++;
        *n_out = k;
        if (!t[k - 1].key || (name && !t[k - 1].name)) {
            *out = t;
            return -1;
        }
    }
    *out = t;
    return 0;
}

static int cmp_tally(const void *a, const void *b)
{
    const struct tally *x = a, *y = b;
    if (x->count != y->count)
        return y->count - x->count;
    return strcmp(x->key, y->key);
}

static void tally_free(struct tally *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].key), free(t[i].name);
    free(t);
}

static int is_overdue(const struct item *it)
{
    return strcmp(it->kind, "task_overdue") == 0;
}

/* The text a supervisor reads; the first line doubles as email subject. */
static void write_text(FILE *f, const struct digest *d, const struct tally *vil, size_t n_vil,
                       const struct tally *cad, size_t n_cad, int n_overdue, int n_esc)
{
    fprintf(f, "【扶贫督查日报 digest】%s %s（%s %s）\n", d->date, d->sup_name ? d->sup_name : "",
            nightly_level_label(d->sup_level), d->sup_region ? d->sup_region : "");
    fprintf(f, "合计 %zu 项待办，今日升级 %d 项", d->n, n_esc);
    if (d->acked_quiet)
        fprintf(f, "（另有 %d 项已确认 acked，未升级不再提醒）", d->acked_quiet);
    fputs("。\n", f);
    if (n_overdue) {
        fprintf(f, "\n【逾期任务 task_overdue】 %d 项（最早逾期在前）：\n", n_overdue);
        int shown = 0;
        for (size_t i = 0; i < d->n && shown < DIGEST_TEXT_ITEMS; i++) {
            const struct item *it = &d->items[i];
            if (!is_overdue(it))
                continue;
            fprintf(f,
                    "  %d. [告警 #%" PRId64 "] 任务 #%" PRId64 "「%s」户 #%" PRId64
                    " %s 干部 %s 截止 %s 逾期 %ld 天 [%s %s]%s\n",
                    ++shown, it->id, it->task_id, it->title ? it->title : "", it->household_id,
                    it->village_name ? it->village_name : (it->village ? it->village : "?"),
                    it->cadre_name ? it->cadre_name : "未落实", it->due ? it->due : "?", it->days,
                    nightly_level_label(it->level), it->level ? it->level : "?",
                    it->escalated ? " ↑今日升级" : "");
        }
        if (n_overdue > shown)
            fprintf(f, "  ……另有 %d 项，见 JSON items\n", n_overdue - shown);
        /* most first; the full counts are in the JSON */
        fputs("  按村 by village：", f);
        for (size_t i = 0; i < n_vil && i < DIGEST_TEXT_OTHERS; i++)
            fprintf(f, "%s%s %d", i ? "，" : "", vil[i].name ? vil[i].name : vil[i].key,
                    vil[i].count);
        if (n_vil > DIGEST_TEXT_OTHERS)
            fprintf(f, "……共 %zu 个村", n_vil);
        fputs("\n  按干部 by cadre：", f);
        for (size_t i = 0; i < n_cad && i < DIGEST_TEXT_OTHERS; i++)
            fprintf(f, "%s%s %d", i ? "，" : "", cad[i].name, cad[i].count);
        if (n_cad > DIGEST_TEXT_OTHERS)
            fprintf(f, "……共 %zu 名干部", n_cad);
        fputs("\n", f);
    }
    if (n_esc) {
        fprintf(f, "\n【今日升级 escalated】 %d 项：\n", n_esc);
        int listed = 0;
        for (size_t i = 0; i < d->n && listed < DIGEST_TEXT_OTHERS; i++)
            if (d->items[i].escalated && ++listed)
                fprintf(f, "  告警 #%" PRId64 " %s → %s %s（第 %d 次升级）\n", d->items[i].id,
                        d->items[i].kind, nightly_level_label(d->items[i].level),
                        d->items[i].level ? d->items[i].level : "?", d->items[i].escalations);
        if (n_esc > listed)
            fprintf(f, "  ……另有 %d 项\n", n_esc - listed);
    }
    /* The other kinds, grouped in the order the store sorted them. */
    for (size_t i = 0; i < d->n;) {
        if (is_overdue(&d->items[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < d->n && strcmp(d->items[j].kind, d->items[i].kind) == 0)
            j++;
        fprintf(f, "\n【%s %s】 %zu 项：\n", nightly_kind_label(d->items[i].kind), d->items[i].kind,
                j - i);
        for (size_t k = i; k < j && k < i + DIGEST_TEXT_OTHERS; k++)
            fprintf(f, "  - [告警 #%" PRId64 "] %s\n", d->items[k].id,
                    d->items[k].message ? d->items[k].message : "");
        if (j - i > DIGEST_TEXT_OTHERS)
            fprintf(f, "  ……另有 %zu 项\n", j - i - DIGEST_TEXT_OTHERS);
        i = j;
    }
    fputs("\n回复确认：fupin alert ack <告警编号>\n", f);
}

static void write_tally(FILE *f, const char *name, const char *key_name, const struct tally *t,
                        size_t n, int with_name)
{
    fprintf(f, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"%s\":", i ? "," : "", key_name);
        json_string(f, t[i].key);
        if (with_name) {
            fputs(",\"name\":", f);
            json_string(f, t[i].name);
        }
        fprintf(f, ",\"count\":%d}", t[i].count);
    }
    putc(']', f);
}

/* Builds the payload of d into *out (malloc'd). */
static int build_payload(const struct digest *d, char **out, struct err *e)
{
    struct tally *vil = NULL, *cad = NULL;
    size_t n_vil = 0, n_cad = 0, text_len = 0, len = 0;
    int n_overdue = 0, n_esc = 0, counts[5] = {0};
    static const char *const kinds[] = {"task_overdue", "no_cadre", "cadre_no_visit",
                                        "reduction_behind"};
    char *text = NULL;
    struct tally_pair *pv = malloc((d->n ? d->n : 1) * sizeof *pv);
    struct tally_pair *pc = malloc((d->n ? d->n : 1) * sizeof *pc);
    if (!pv || !pc) {
        free(pv);
        free(pc);
        goto oom;
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct item *it = &d->items[i];
        n_esc += it->escalated;
        size_t k = 0;
        while (k < 4 && strcmp(it->kind, kinds[k]) != 0)
            k++;
        counts[k]++;
        if (!is_overdue(it))
            continue;
        pv[n_overdue] =
            (struct tally_pair){it->village ? it->village : "?", it->village_name, it->village};
        const char *cadre = it->cadre_name ? it->cadre_name : "未落实";
        pc[n_overdue] = (struct tally_pair){cadre, NULL, cadre};
        n_overdue++;
    }
    int built = tally_build(pv, (size_t)n_overdue, &vil, &n_vil) == 0 &&
                tally_build(pc, (size_t)n_overdue, &cad, &n_cad) == 0;
    free(pv);
    free(pc);
    if (!built)
        goto oom;
    if (n_vil)
        qsort(vil, n_vil, sizeof *vil, cmp_tally);
    if (n_cad)
        qsort(cad, n_cad, sizeof *cad, cmp_tally);
    FILE *tf = open_memstream(&text, &text_len);
    if (!tf)
        goto oom;
    write_text(tf, d, vil, n_vil, cad, n_cad, n_overdue, n_esc);
    if (fclose(tf) != 0)
        goto oom;

    FILE *f = open_memstream(out, &len);
    if (!f)
        goto oom;
    /* "text" comes first: deliver.c lifts it into chat and mail bodies. */
    fputs("{\"text\":", f);
    json_string(f, text);
    fprintf(f, ",\"kind\":\"digest\",\"date\":\"%s\",\"supervisor\":{\"id\":%" PRId64 ",\"name\":",
            d->date, d->sup_id);
    json_string(f, d->sup_name);
    fputs(",\"region\":", f);
    json_string(f, d->sup_region);
    fputs(",\"level\":", f);
    json_string(f, d->sup_level);
    fprintf(f,
            "},\"totals\":{\"alerts\":%zu,\"task_overdue\":%d,\"no_cadre\":%d,"
            "\"cadre_no_visit\":%d,\"reduction_behind\":%d,\"other\":%d,"
            "\"escalated_today\":%d,\"acked_quiet\":%d}",
            d->n, counts[0], counts[1], counts[2], counts[3], counts[4], n_esc, d->acked_quiet);
    write_tally(f, "by_village", "village", vil, n_vil, 1);
    write_tally(f, "by_cadre", "cadre", cad, n_cad, 0);
    fputs(",\"items\":[", f);
    int listed = 0;
    for (size_t i = 0; i < d->n && listed < DIGEST_MAX_ITEMS; i++) {
        const struct item *it = &d->items[i];
        if (!is_overdue(it))
            continue;
        fprintf(f,
                "%s{\"alert_id\":%" PRId64 ",\"task_id\":%" PRId64 ",\"household_id\":%" PRId64
                ",\"village\":",
                listed++ ? "," : "", it->id, it->task_id, it->household_id);
        json_string(f, it->village);
        fputs(",\"village_name\":", f);
        json_string(f, it->village_name);
        fputs(",\"cadre\":", f);
        json_string(f, it->cadre_name);
        fputs(",\"title\":", f);
        json_string(f, it->title);
        fputs(",\"due\":", f);
        json_string(f, it->due);
        fprintf(f, ",\"days_overdue\":%ld,\"level\":", it->days);
        json_string(f, it->level);
        fprintf(f, ",\"escalations\":%d}", it->escalations);
    }
    fprintf(f, "],\"items_truncated\":%s,\"escalated\":[", n_overdue > listed ? "true" : "false");
    int first = 1;
    for (size_t i = 0; i < d->n; i++) {
        const struct item *it = &d->items[i];
        if (!it->escalated)
            continue;
        fprintf(f, "%s{\"alert_id\":%" PRId64 ",\"kind\":", first ? "" : ",", it->id);
        first = 0;
        json_string(f, it->kind);
        fprintf(f, ",\"task_id\":%" PRId64 ",\"level\":", it->task_id);
        json_string(f, it->level);
        fprintf(f, ",\"escalations\":%d}", it->escalations);
    }
    fputs("],\"other\":[", f);
    first = 1;
    for (size_t i = 0; i < d->n; i++) {
        const struct item *it = &d->items[i];
        if (is_overdue(it))
            continue;
        fprintf(f, "%s{\"alert_id\":%" PRId64 ",\"kind\":", first ? "" : ",", it->id);
        first = 0;
        json_string(f, it->kind);
        fputs(",\"severity\":", f);
        json_string(f, it->severity);
        fputs(",\"level\":", f);
        json_string(f, it->level);
        fputs(",\"message\":", f);
        json_string(f, it->message);
        putc('}', f);
    }
    fputs("]}", f);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        goto oom;
    }
    free(text);
    tally_free(vil, n_vil);
    tally_free(cad, n_cad);
    return 0;
oom:
    free(text);
    tally_free(vil, n_vil);
    tally_free(cad, n_cad);
    return err_set(e, ERR_FAIL, "out of memory building the digest of supervisor %" PRId64,
                   d->sup_id);
}

static int flush(struct digest *d, struct err *e)
{
    if (!d->sup_id || d->n == 0) {
        digest_clear(d);
        return 0;
    }
    char *payload = NULL, key[64];
    int inserted = 0, rc = build_payload(d, &payload, e);
    if (rc)
        goto done;
    /* Alert messages, task titles and names come from policies and cadres:
     * the outbox row never holds a resident ID in the clear. */
    scrub_ids_json(payload, strlen(payload));
    snprintf(key, sizeof key, "digest:%" PRId64 ":%s", d->sup_id, d->date);
    rc = store_outbox_add(d->st, d->sup_id, d->sup_channel ? d->sup_channel : "file", payload, key,
                          d->now, &inserted, e);
    /* Only what actually went into a new message counts as notified: a
     * second run the same night leaves the first digest and the marks be.
     * The items are marked by supervisor at the end, all at once. */
    if (!rc && inserted)
        rc = nightly_escalated_add(&d->notified, d->sup_id, e);
    if (!rc && inserted)
        d->digests++;
done:
    free(payload);
    digest_clear(d);
    return rc;
}

static int on_alert(void *ctx, const struct nightly_alert *a, struct err *e)
{
    struct digest *d = ctx;
    int rc;
    if (a->supervisor_id != d->sup_id) {
        if ((rc = flush(d, e)) != 0)
            return rc;
        d->sup_id = a->supervisor_id;
        d->sup_name = dup(a->sup_name);
        d->sup_region = dup(a->sup_region);
        d->sup_level = dup(a->sup_level);
        d->sup_channel = dup(a->sup_channel);
    }
    if (strcmp(a->state, "acked") == 0 &&
        nightly_level_rank(a->level) <= nightly_level_rank(a->notified_level)) {
        d->acked_quiet++;
        return 0;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        struct item *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return err_set(e, ERR_FAIL, "out of memory building digests");
        d->items = items;
        d->cap = cap;
    }
    int ok = 0;
    long days = a->due ? date_diff(a->due, d->date, &ok) : 0;
    d->items[d->n++] = (struct item){
        .id = a->id,
        .task_id = a->task_id,
        .household_id = a->household_id,
        .escalations = a->escalations,
        .escalated = d->esc->n && bsearch(&a->id, d->esc->ids, d->esc->n, sizeof a->id, cmp_id),
        .days = ok ? days : 0,
        .kind = strdup(a->kind),
        .severity = dup(a->severity),
        .level = dup(a->level),
        .message = dup(a->message),
        .title = dup(a->title),
        .due = dup(a->due),
        .village = dup(a->village),
        .village_name = dup(a->village_name),
        .cadre_name = dup(a->cadre_name),
    };
    if (!d->items[d->n - 1].kind)
        return err_set(e, ERR_FAIL, "out of memory building digests");
    return 0;
}

int nightly_digests(const struct config *cfg, struct store *st, const char *date, const char *now,
                    struct nightly_escalated *esc, int *digests, struct err *e)
{
    (void)cfg;
    if (esc->n)
        qsort(esc->ids, esc->n, sizeof esc->ids[0], cmp_id);
    struct digest d = {.date = date, .now = now, .st = st, .esc = esc};
    int rc = store_nightly_digest_alerts(st, on_alert, &d, e);
    if (!rc)
        rc = flush(&d, e);
    digest_clear(&d);
    free(d.items);
    if (!rc)
        rc = store_nightly_mark_notified_digests(st, d.notified.ids, d.notified.n, e);
    nightly_escalated_free(&d.notified);
    *digests = rc ? 0 : d.digests;
    return rc;
}
