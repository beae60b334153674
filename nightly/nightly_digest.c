/* nightly_digest.c - one digest per supervisor per night, a summary at a
 * size a chat robot or a mail takes: totals, counts per subordinate region,
 * what is new since last night, the oldest overdue items and how to reply.
 * The text stays under DIGEST_TEXT_MAX at any scale (the full list goes as
 * an attachment or is exported at the office); never re-lists an acked
 * alert unless it is new to the supervisor. */
#include "nightly_digest.h"
#include "date.h"
#include "i18n.h"
#include "json.h"
#include "nightly.h"
#include "scrub.h"
#include "store_nightly.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text is cut (with a line saying so) before it reaches this: chat
 * robots refuse larger messages and a person reads no further anyway. */
#define DIGEST_TEXT_MAX (60 * 1024)
/* Lines of per-region counts and of each other kind's items. */
#define DIGEST_TEXT_REGIONS 30
#define DIGEST_JSON_REGIONS 100
#define DIGEST_TEXT_OTHERS 10
/* What one line may quote of text typed by people (task titles, names,
 * messages), in bytes: a pasted essay must not fill the digest. */
#define CLIP_TITLE 90
#define CLIP_NAME 60
#define CLIP_MESSAGE 300

#define DIGEST_ITEMS_DEFAULT 20
#define DIGEST_ITEMS_MAX 100

static const struct {
    const char *code, *label;
} kind_labels[] = {
    {"task_overdue", N_("overdue help tasks")},
    {"no_cadre", N_("households without a paired cadre")},
    {"cadre_no_visit", N_("cadres without handbook visits")},
    {"reduction_behind", N_("poverty reduction behind target (summons)")},
    {"no_visit", N_("households not visited")},
    {"fund_notice", N_("fund public notice problems")},
    {"dropout", N_("school dropouts")},
    {"loan_terms", N_("poverty loans breaking the terms")},
    {"policy_error", N_("policy rule errors")},
    {"delivery_failed", N_("undeliverable notifications")},
    {"town_team_incomplete", N_("town teams missing some of their six items")},
    {"reduction_missed", N_("yearly reduction target missed (summons)")},
    {"data_quality", N_("household records with errors")},
    {"handbook_incomplete", N_("help handbooks incomplete")},
};

int nightly_kind_known(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kind_labels / sizeof kind_labels[0]; i++)
        if (strcmp(kind, kind_labels[i].code) == 0)
            return 1;
    return 0;
}

#define N_KINDS (sizeof kind_labels / sizeof kind_labels[0])
static const char *kind_codes[N_KINDS + 1];

static void fill_kind_codes(void)
{
    for (size_t i = 0; i < N_KINDS; i++)
        kind_codes[i] = kind_labels[i].code;
}

const char *const *nightly_kind_codes(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fill_kind_codes);
    return kind_codes;
}

const char *nightly_kind_label(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kind_labels / sizeof kind_labels[0]; i++)
        if (strcmp(kind, kind_labels[i].code) == 0)
            return _(kind_labels[i].label);
    return kind ? kind : "?";
}

const char *nightly_level_label(const char *level)
{
    switch (nightly_level_rank(level)) {
    case 0:
        return _("village level");
    case 1:
        return _("town level");
    case 2:
        return _("county level");
    case 3:
        return _("city level");
    default:
        return level ? level : "?";
    }
}

/* What the regions one level below a supervisor are called. */
static const char *sub_label(int rank)
{
    switch (rank) {
    case 1:
        return _("By village");
    case 2:
        return _("By town");
    case 3:
        return _("By county");
    default:
        return _("By region");
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

/* An item a digest lists by name (the rest are only counted). */
struct item {
    int64_t id, task_id, household_id;
    int escalations, escalated_today, is_new, rank;
    long days;
    char *kind, *severity, *level, *origin_level, *escalated_at, *message, *title, *due;
    char *place, *place_name, *head_name, *head_id, *cadre_name, *cadre_phone;
};

struct list {
    struct item *v;
    size_t n, cap;
};

/* One region right under the supervisor's: its code, name and counts. */
struct sub {
    char *key, *name;
    int count, overdue, up;
};

struct digest {
    const char *date, *now;
    struct store *st;
    struct nightly_escalated *esc;
    int n_items; /* the digest_items param */
    int64_t sup_id;
    int sup_rank;
    char *sup_name, *sup_region, *sup_region_name, *sup_level, *sup_channel;
    /* counts over everything the supervisor sees */
    int listed, acked, acked_quiet, overdue, fresh, climbed, up, other_kinds;
    int kinds[4];
    struct sub *subs; /* sorted by key */
    size_t n_subs, cap_subs;
    struct list oldest, fresh_items, others;
    size_t others_of_kind;
    struct nightly_escalated notified; /* supervisors with a new digest */
    int digests;
};

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A copy of at most max bytes of s, never cutting a UTF-8 character, with
 * "…" when cut. */
static char *clip(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n <= max)
        return strdup(s);
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    char *out = malloc(max + 4);
    if (out) {
        memcpy(out, s, max);
        memcpy(out + max, "…", 4);
    }
    return out;
}

static void item_free(struct item *it)
{
    free(it->kind), free(it->severity), free(it->level), free(it->origin_level);
    free(it->escalated_at), free(it->message), free(it->title), free(it->due);
    free(it->place), free(it->place_name), free(it->head_name), free(it->head_id);
    free(it->cadre_name), free(it->cadre_phone);
}

static void list_clear(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        item_free(&l->v[i]);
    l->n = 0;
}

static void digest_clear(struct digest *d)
{
    list_clear(&d->oldest);
    list_clear(&d->fresh_items);
    list_clear(&d->others);
    for (size_t i = 0; i < d->n_subs; i++)
        free(d->subs[i].key), free(d->subs[i].name);
    d->n_subs = 0;
    free(d->sup_name), free(d->sup_region), free(d->sup_region_name);
    free(d->sup_level), free(d->sup_channel);
    d->sup_name = d->sup_region = d->sup_region_name = d->sup_level = d->sup_channel = NULL;
    d->sup_id = 0;
    d->listed = d->acked = d->acked_quiet = d->overdue = d->fresh = d->climbed = d->up = 0;
    d->other_kinds = 0;
    memset(d->kinds, 0, sizeof d->kinds);
    d->others_of_kind = 0;
}

static int is_overdue(const char *kind)
{
    return strcmp(kind, "task_overdue") == 0;
}

/* The region right under the supervisor's that a's place lies in, from
 * the place and its two parents; NULL when it is not under it. */
static void sub_of(const struct digest *d, const struct nightly_alert *a, const char **key,
                   const char **name)
{
    const char *codes[3] = {a->village, a->place1, a->place2};
    const char *names[3] = {a->village_name, a->place1_name, a->place2_name};
    const char *parents[3] = {a->place1, a->place2, a->place2_parent};
    *key = *name = NULL;
    for (int i = 0; d->sup_region && i < 3; i++)
        if (codes[i] && parents[i] && strcmp(parents[i], d->sup_region) == 0) {
            *key = codes[i];
            *name = names[i];
            return;
        }
}

static int sub_count(struct digest *d, const struct nightly_alert *a, int overdue, int up,
                     struct err *e)
{
    const char *key, *name;
    sub_of(d, a, &key, &name);
    if (!key)
        key = ""; /* at the supervisor's own level (a town's own alerts) */
    size_t lo = 0, hi = d->n_subs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->subs[mid].key, key);
        if (c == 0) {
            lo = mid;
            goto found;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (d->n_subs == d->cap_subs) {
        size_t cap = d->cap_subs ? d->cap_subs * 2 : 16;
        struct sub *v = realloc(d->subs, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_FAIL, "out of memory building digests");
        d->subs = v;
        d->cap_subs = cap;
    }
    memmove(&d->subs[lo + 1], &d->subs[lo], (d->n_subs - lo) * sizeof *d->subs);
    d->subs[lo] = (struct sub){strdup(key), clip(name, CLIP_NAME), 0, 0, 0};
    d->n_subs++;
    if (!d->subs[lo].key)
        return err_set(e, ERR_FAIL, "out of memory building digests");
found:
    d->subs[lo].count++;
    d->subs[lo].overdue += overdue;
    d->subs[lo].up += up;
    return 0;
}

static int list_add(struct list *l, const struct digest *d, const struct nightly_alert *a,
                    int escalated_today, int is_new, struct err *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct item *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_FAIL, "out of memory building digests");
        l->v = v;
        l->cap = cap;
    }
    int ok = 0;
    long days = a->due ? date_diff(a->due, d->date, &ok) : 0;
    struct item *it = &l->v[l->n++];
    *it = (struct item){
        .id = a->id,
        .task_id = a->task_id,
        .household_id = a->household_id,
        .escalations = a->escalations,
        .escalated_today = escalated_today,
        .is_new = is_new,
        .rank = nightly_level_rank(a->level),
        .days = ok ? days : 0,
        .kind = strdup(a->kind),
        .severity = dup(a->severity),
        .level = dup(a->level),
        .origin_level = dup(a->origin_level),
        .escalated_at = dup(a->escalated_at),
        .message = clip(a->message, CLIP_MESSAGE),
        .title = clip(a->title, CLIP_TITLE),
        .due = dup(a->due),
        .place = dup(a->village),
        .place_name = clip(a->village_name, CLIP_NAME),
        .head_name = clip(a->head_name, CLIP_NAME),
        .head_id = dup(a->head_id_masked),
        .cadre_name = clip(a->cadre_name, CLIP_NAME),
        .cadre_phone = clip(a->cadre_phone, 32),
    };
    if (!it->kind)
        return err_set(e, ERR_FAIL, "out of memory building digests");
    return 0;
}

/* ---- the text ---- */

/* fprintf while the text is under its budget; *full once it is not. */
struct out {
    FILE *f;
    int full;
};

static void say(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    if (ftell(o->f) > DIGEST_TEXT_MAX - 4096) {
        o->full = 1;
        fputs(_("\n...(the digest is cut here; the full list is attached to the mail or "
                "exported at the office)\n"),
              o->f);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

static void say_item(struct out *o, const struct digest *d, const struct item *it)
{
    const char *place = it->place_name ? it->place_name : it->place ? it->place : "?";
    if (!is_overdue(it->kind)) {
        say(o, _("  #%lld %s\n"), (long long)it->id, it->message ? it->message : "");
        return;
    }
    char head[200];
    if (it->head_id)
        snprintf(head, sizeof head, _("%s (ID %s)"), it->head_name ? it->head_name : "?",
                 it->head_id);
    else
        snprintf(head, sizeof head, "%s", it->head_name ? it->head_name : "?");
    say(o, _("  #%lld %s, household head %s, cadre %s %s: task \"%s\" %ld days overdue (due %s)"),
        (long long)it->id, place, head, it->cadre_name ? it->cadre_name : _("(none)"),
        it->cadre_phone ? it->cadre_phone : "", it->title ? it->title : "", it->days,
        it->due ? it->due : "?");
    if (it->rank > d->sup_rank) {
        if (it->escalated_at)
            say(o, _(", reported up to the %s since %s"), nightly_level_label(it->level),
                it->escalated_at);
        else
            say(o, _(", reported up to the %s"), nightly_level_label(it->level));
    } else if (it->escalations > 0) {
        if (it->escalated_at)
            say(o, _(", escalated to you since %s"), it->escalated_at);
        else
            say(o, _(", escalated to you"));
    }
    if (it->escalated_today)
        say(o, "%s", _(" [escalated tonight]"));
    say(o, "\n");
}

static int cmp_sub(const void *a, const void *b)
{
    const struct sub *x = a, *y = b;
    if (x->count != y->count)
        return y->count - x->count;
    return strcmp(x->key, y->key);
}

/* The text a supervisor reads; the first line doubles as email subject.
 * subs is sorted by count. */
static void write_text(FILE *f, const struct digest *d)
{
    struct out o = {f, 0};
    /* Officials know their region by its name; the code is what the
     * commands take (alert list --region). */
    char region[160];
    if (d->sup_region_name && d->sup_region)
        snprintf(region, sizeof region, _("%s (%s)"), d->sup_region_name, d->sup_region);
    else
        snprintf(region, sizeof region, "%s", d->sup_region ? d->sup_region : "");
    say(&o, _("[Poverty alleviation supervision digest] %s %s %s (%s)\n"), d->date, region,
        d->sup_name ? d->sup_name : "", nightly_level_label(d->sup_level));
    say(&o,
        _("%d items open: %d overdue tasks, %d new since last night, %d escalated tonight, "
          "%d reported up to a higher level.\n"),
        d->listed, d->overdue, d->fresh, d->climbed, d->up);
    if (d->acked_quiet)
        say(&o, _("%d acknowledged items are not listed until something changes.\n"),
            d->acked_quiet);
    if (d->n_subs) {
        say(&o, _("\n%s:\n"), sub_label(d->sup_rank));
        for (size_t i = 0; i < d->n_subs && i < DIGEST_TEXT_REGIONS; i++) {
            const struct sub *s = &d->subs[i];
            const char *name = s->key[0] ? (s->name ? s->name : s->key) : _("(this level)");
            say(&o, _("  %s: %d items, %d overdue tasks, %d reported up\n"), name, s->count,
                s->overdue, s->up);
        }
        if (d->n_subs > DIGEST_TEXT_REGIONS)
            say(&o, _("  ...and %zu more regions\n"), d->n_subs - DIGEST_TEXT_REGIONS);
    }
    if (d->fresh_items.n) {
        say(&o, _("\nNew since last night (%d):\n"), d->fresh);
        for (size_t i = 0; i < d->fresh_items.n; i++)
            say_item(&o, d, &d->fresh_items.v[i]);
        if ((size_t)d->fresh > d->fresh_items.n)
            say(&o, _("  ...and %zu more\n"), (size_t)d->fresh - d->fresh_items.n);
    }
    if (d->oldest.n) {
        say(&o, _("\nThe %zu oldest overdue tasks (of %d):\n"), d->oldest.n, d->overdue);
        for (size_t i = 0; i < d->oldest.n; i++)
            say_item(&o, d, &d->oldest.v[i]);
    }
    for (size_t i = 0; i < d->others.n;) {
        size_t j = i;
        while (j < d->others.n && strcmp(d->others.v[j].kind, d->others.v[i].kind) == 0)
            j++;
        say(&o, _("\n%s (%s):\n"), nightly_kind_label(d->others.v[i].kind), d->others.v[i].kind);
        for (size_t k = i; k < j; k++)
            say_item(&o, d, &d->others.v[k]);
        i = j;
    }
    if (d->other_kinds > (int)d->others.n)
        say(&o, _("  ...and %zu more of other kinds\n"), (size_t)d->other_kinds - d->others.n);
    /* Until the web console exists, a supervisor replies on their chat or
     * mail and the office runs the command with the ids read out to it. */
    const struct item *first = d->fresh_items.n ? &d->fresh_items.v[0]
                               : d->oldest.n    ? &d->oldest.v[0]
                                                : NULL;
    if (!first && d->others.n)
        first = &d->others.v[0];
    if (first) {
        say(&o, "%s",
            _("\nHow to reply: send the office the item numbers (#) and what was "
              "done; the office records it with\n"));
        say(&o, _("  fupin alert ack %lld --by NAME --note \"what was done\"\n"),
            (long long)first->id);
    }
    say(&o,
        _("The full list: fupin alert list --region %s --open --format xlsx --output "
          "list.xlsx\n"),
        d->sup_region ? d->sup_region : "CODE");
}

/* ---- the JSON ---- */

static void json_item(FILE *f, const struct item *it, int first)
{
    fprintf(f, "%s{\"alert_id\":%" PRId64 ",\"kind\":", first ? "" : ",", it->id);
    json_string(f, it->kind);
    if (is_overdue(it->kind)) {
        fprintf(f,
                ",\"task_id\":%" PRId64 ",\"household_id\":%" PRId64 ",\"village\":", it->task_id,
                it->household_id);
        json_string(f, it->place);
        fputs(",\"village_name\":", f);
        json_string(f, it->place_name);
        fputs(",\"head_name\":", f);
        json_string(f, it->head_name);
        fputs(",\"head_id\":", f);
        json_string(f, it->head_id);
        fputs(",\"cadre\":", f);
        json_string(f, it->cadre_name);
        fputs(",\"cadre_phone\":", f);
        json_string(f, it->cadre_phone);
        fputs(",\"title\":", f);
        json_string(f, it->title);
        fputs(",\"due\":", f);
        json_string(f, it->due);
        fprintf(f, ",\"days_overdue\":%ld", it->days);
    } else {
        fputs(",\"severity\":", f);
        json_string(f, it->severity);
        fputs(",\"message\":", f);
        json_string(f, it->message);
    }
    fputs(",\"level\":", f);
    json_string(f, it->level);
    fputs(",\"origin_level\":", f);
    json_string(f, it->origin_level);
    fprintf(f, ",\"escalations\":%d,\"escalated_at\":", it->escalations);
    json_string(f, it->escalated_at);
    fprintf(f, ",\"escalated_today\":%s,\"new\":%s}", it->escalated_today ? "true" : "false",
            it->is_new ? "true" : "false");
}

static void json_list(FILE *f, const char *name, const struct list *l)
{
    fprintf(f, ",\"%s\":[", name);
    for (size_t i = 0; i < l->n; i++)
        json_item(f, &l->v[i], i == 0);
    putc(']', f);
}

/* Builds the payload of d into *out (malloc'd). */
static int build_payload(struct digest *d, char **out, struct err *e)
{
    char *text = NULL;
    size_t text_len = 0, len = 0;
    if (d->n_subs)
        qsort(d->subs, d->n_subs, sizeof *d->subs, cmp_sub);
    FILE *tf = open_memstream(&text, &text_len);
    if (!tf)
        goto oom;
    write_text(tf, d);
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
    fputs(",\"region_name\":", f);
    json_string(f, d->sup_region_name);
    fputs(",\"level\":", f);
    json_string(f, d->sup_level);
    fprintf(f,
            "},\"totals\":{\"alerts\":%d,\"task_overdue\":%d,\"no_cadre\":%d,"
            "\"cadre_no_visit\":%d,\"reduction_behind\":%d,\"other\":%d,\"new\":%d,"
            "\"escalated_today\":%d,\"reported_up\":%d,\"acked\":%d,\"acked_quiet\":%d}",
            d->listed, d->kinds[0], d->kinds[1], d->kinds[2], d->kinds[3],
            d->listed - d->kinds[0] - d->kinds[1] - d->kinds[2] - d->kinds[3], d->fresh, d->climbed,
            d->up, d->acked, d->acked_quiet);
    fputs(",\"by_region\":[", f);
    for (size_t i = 0; i < d->n_subs && i < DIGEST_JSON_REGIONS; i++) {
        fprintf(f, "%s{\"region\":", i ? "," : "");
        json_string(f, d->subs[i].key[0] ? d->subs[i].key : NULL);
        fputs(",\"name\":", f);
        json_string(f, d->subs[i].name);
        fprintf(f, ",\"count\":%d,\"task_overdue\":%d,\"reported_up\":%d}", d->subs[i].count,
                d->subs[i].overdue, d->subs[i].up);
    }
    fprintf(f, "],\"by_region_truncated\":%s", d->n_subs > DIGEST_JSON_REGIONS ? "true" : "false");
    json_list(f, "new", &d->fresh_items);
    json_list(f, "items", &d->oldest);
    fprintf(f, ",\"items_truncated\":%s", (size_t)d->overdue > d->oldest.n ? "true" : "false");
    json_list(f, "other", &d->others);
    fputs("}", f);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        goto oom;
    }
    free(text);
    return 0;
oom:
    free(text);
    return err_set(e, ERR_FAIL, "out of memory building the digest of supervisor %" PRId64,
                   d->sup_id);
}

static int flush(struct digest *d, struct err *e)
{
    /* Nothing but acked items nobody needs to hear of again: no message. */
    if (!d->sup_id || d->listed == 0) {
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
        d->sup_rank = nightly_level_rank(a->sup_level);
        d->sup_name = dup(a->sup_name);
        d->sup_region = dup(a->sup_region);
        d->sup_region_name = dup(a->sup_region_name);
        d->sup_level = dup(a->sup_level);
        d->sup_channel = dup(a->sup_channel);
    }
    /* New to this supervisor: never yet in a digest at their level or
     * above (notified_level is the highest level it was reported at). A
     * town that saw it before it climbed is not told twice; the county it
     * climbs to is. */
    int rank = nightly_level_rank(a->level), own = d->sup_rank < 0 ? rank : d->sup_rank;
    int is_new = !a->notified_level || nightly_level_rank(a->notified_level) < own;
    int acked = strcmp(a->state, "acked") == 0;
    if (acked) {
        d->acked++;
        if (!is_new) {
            d->acked_quiet++;
            return 0;
        }
    }
    int overdue = is_overdue(a->kind), up = rank > own;
    int today = d->esc->n && bsearch(&a->id, d->esc->ids, d->esc->n, sizeof a->id, cmp_id);
    static const char *const kinds[] = {"task_overdue", "no_cadre", "cadre_no_visit",
                                        "reduction_behind"};
    for (int k = 0; k < 4; k++)
        d->kinds[k] += strcmp(a->kind, kinds[k]) == 0;
    d->listed++;
    d->overdue += overdue;
    d->fresh += is_new;
    d->climbed += today;
    d->up += up;
    if ((rc = sub_count(d, a, overdue, up, e)) != 0)
        return rc;
    /* Rows come oldest overdue first, then the other kinds grouped. */
    if (is_new && d->fresh_items.n < (size_t)d->n_items)
        return list_add(&d->fresh_items, d, a, today, is_new, e);
    if (overdue) {
        if (d->oldest.n < (size_t)d->n_items)
            return list_add(&d->oldest, d, a, today, is_new, e);
        return 0;
    }
    d->other_kinds++;
    if (d->others.n && strcmp(d->others.v[d->others.n - 1].kind, a->kind) != 0)
        d->others_of_kind = 0;
    if (d->others_of_kind >= DIGEST_TEXT_OTHERS)
        return 0;
    d->others_of_kind++;
    return list_add(&d->others, d, a, today, is_new, e);
}

int nightly_digests(const struct config *cfg, struct store *st, const char *date, const char *now,
                    struct nightly_escalated *esc, int *digests, struct err *e)
{
    if (esc->n)
        qsort(esc->ids, esc->n, sizeof esc->ids[0], cmp_id);
    double items = DIGEST_ITEMS_DEFAULT;
    if (config_param_number(cfg, "supervision.digest_items", atoi(date), &items) != 0)
        items = DIGEST_ITEMS_DEFAULT;
    struct digest d = {.date = date, .now = now, .st = st, .esc = esc};
    d.n_items = items < 1 ? 1 : items > DIGEST_ITEMS_MAX ? DIGEST_ITEMS_MAX : (int)items;
    int rc = store_nightly_digest_alerts(st, on_alert, &d, e);
    if (!rc)
        rc = flush(&d, e);
    digest_clear(&d);
    free(d.oldest.v);
    free(d.fresh_items.v);
    free(d.others.v);
    free(d.subs);
    if (!rc)
        rc = store_nightly_mark_notified_digests(st, d.notified.ids, d.notified.n, e);
    nightly_escalated_free(&d.notified);
    *digests = rc ? 0 : d.digests;
    return rc;
}
