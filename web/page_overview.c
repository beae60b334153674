/* page_overview.c - the region overview, `/` (the user's region) and
 * `/region/CODE` (a region below it): households and people, exits,
 * findings by measure and state, overdue tasks by age, live alerts by
 * level, cadre coverage and visits, and the child regions to drill into
 * (a village lists its households). Reads only; answers 403 outside the
 * user's region. */
#include "date.h"
#include "i18n.h"
#include "page.h"
#include "policy.h"
#include "svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far back "recent visits" reach. */
#define VISIT_DAYS 90
#define MAX_MEASURES 64
#define MAX_CHILDREN 400

struct measure_row {
    char measure[48];
    double n[3]; /* open, accepted, rejected */
};

struct measures {
    struct measure_row rows[MAX_MEASURES];
    size_t n;
};

static int measure_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct measures *m = ctx;
    if (n < 3 || !c[0] || !c[1])
        return 0;
    size_t i = 0;
    while (i < m->n && strcmp(m->rows[i].measure, c[0]) != 0)
        i++;
    if (i == m->n) {
        if (m->n == MAX_MEASURES)
            return 0;
        memset(&m->rows[m->n], 0, sizeof m->rows[0]);
        snprintf(m->rows[m->n++].measure, sizeof m->rows[0].measure, "%s", c[0]);
    }
    int s = strcmp(c[1], "open") == 0 ? 0 : strcmp(c[1], "accepted") == 0 ? 1 : 2;
    m->rows[i].n[s] += atof(c[2] ? c[2] : "0");
    return 0;
}

struct child {
    char code[32], name[128];
    long households, people, active, paired, open, overdue;
};

struct children {
    struct child *rows;
    size_t n;
    int truncated;
};

static int child_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct children *ch = ctx;
    if (n < 10)
        return 0;
    if (ch->n == MAX_CHILDREN) {
        ch->truncated = 1;
        return 0;
    }
    struct child *k = &ch->rows[ch->n++];
    snprintf(k->code, sizeof k->code, "%s", c[0] ? c[0] : "");
    snprintf(k->name, sizeof k->name, "%s", c[1] ? c[1] : "");
    k->households = atol(c[4] ? c[4] : "0");
    k->people = atol(c[5] ? c[5] : "0");
    k->active = atol(c[6] ? c[6] : "0");
    k->paired = atol(c[7] ? c[7] : "0");
    k->open = atol(c[8] ? c[8] : "0");
    k->overdue = atol(c[9] ? c[9] : "0");
    return 0;
}

static void percent(struct html *h, long part, long whole)
{
    if (whole > 0)
        html_rawf(h, "%.1f%%", 100.0 * (double)part / (double)whole);
    else
        html_raw(h, "-");
}

static void summary(struct html *h, const struct console_overview *o)
{
    html_raw(h, "<table class=\"summary\"><tbody>");
    html_raw(h, "<tr><th>");
    html_text(h, _("registered poor households"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-households\">%ld</td><th>", o->households);
    html_text(h, _("people"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-people\">%ld</td></tr>", o->people);
    html_raw(h, "<tr><th>");
    html_text(h, _("scattered households"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-scattered\">%ld</td><th>", o->scattered);
    html_text(h, _("scattered people"));
    html_rawf(h, "</th><td class=\"num\">%ld</td></tr>", o->scattered_people);
    html_raw(h, "<tr><th>");
    html_text(h, _("proposed for exit"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-exit-proposed\">%ld</td><th>", o->exit_proposed);
    html_text(h, _("exited"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-exited\">%ld</td></tr>", o->exited);
    html_raw(h, "<tr><th>");
    html_text(h, _("cadre coverage (paired households)"));
    html_raw(h, "</th><td class=\"num\" id=\"n-coverage\">");
    percent(h, o->paired, o->active);
    html_rawf(h, " (%ld / %ld)</td><th>", o->paired, o->active);
    html_text(h, _("visits in the last 90 days"));
    html_rawf(h, "</th><td class=\"num\" id=\"n-visits\">%ld</td></tr>", o->visits);
    html_raw(h, "<tr><th>");
    html_text(h, _("households visited in the last 90 days"));
    html_rawf(h, "</th><td class=\"num\">%ld</td><th>", o->visited);
    html_text(h, _("share visited"));
    html_raw(h, "</th><td class=\"num\">");
    percent(h, o->visited, o->households);
    html_raw(h, "</td></tr></tbody></table>\n");
}

static void charts(struct html *h, const struct console_overview *o, const struct measures *m)
{
    html_raw(h, "<div class=\"card\"><h2>");
    html_text(h, _("Findings by measure and state"));
    html_raw(h, "</h2>");
    if (m->n) {
        const char *series[] = {_("open"), _("accepted"), _("rejected")};
        struct svg_stack rows[MAX_MEASURES];
        for (size_t i = 0; i < m->n; i++)
            rows[i] = (struct svg_stack){policy_measure_label(m->rows[i].measure), m->rows[i].n};
        svg_stacked(h, _("Findings by measure and state"), series, 3, rows, m->n);
    } else {
        html_raw(h, "<p class=\"muted\">");
        html_text(h, _("No findings."));
        html_raw(h, "</p>");
    }
    html_raw(h, "</div>\n<div class=\"card\"><h2>");
    html_text(h, _("Overdue help tasks by days overdue"));
    html_raw(h, "</h2>");
    struct svg_bar bars[OVERDUE_BUCKETS] = {
        {_("1-7 days"), (double)o->overdue[OVERDUE_7], NULL},
        {_("8-30 days"), (double)o->overdue[OVERDUE_30], NULL},
        {_("31-90 days"), (double)o->overdue[OVERDUE_90], NULL},
        {_("over 90 days"), (double)o->overdue[OVERDUE_MORE], NULL},
    };
    svg_bars(h, _("Overdue help tasks by days overdue"), bars, OVERDUE_BUCKETS);
    html_raw(h, "</div>\n<div class=\"card\"><h2>");
    html_text(h, _("Live alerts by level"));
    html_raw(h, "</h2>");
    const char *series[] = {_("unhandled"), _("acknowledged")};
    double v[LEVELS][2];
    static const char *const levels[LEVELS] = {"village", "town", "county", "city"};
    struct svg_stack rows[LEVELS];
    for (int i = 0; i < LEVELS; i++) {
        v[i][0] = (double)o->alerts_open[i];
        v[i][1] = (double)o->alerts_acked[i];
        rows[i] = (struct svg_stack){page_alert_label(levels[i]), v[i]};
    }
    svg_stacked(h, _("Live alerts by level"), series, 2, rows, LEVELS);
    html_raw(h, "</div>\n");
}

static int households_row(void *ctx, int n, const char *const *c, struct err *e)
{
    struct html *h = ctx;
    if (n < 8)
        return 0;
    html_raw(h, "<tr>");
    page_td_link(h, "/household/", c[0], c[0]);
    page_td(h, c[1]);
    page_td(h, page_status_label(c[2]));
    page_td(h, c[3]);
    if (c[7]) /* the cadre's own worklist, one click away */
        page_td_link(h, "/worklist?cadre=", c[7], c[4]);
    else
        page_td(h, _("none"));
    page_td(h, c[5]);
    page_td(h, c[6]);
    html_raw(h, "</tr>\n");
    return 0;
}

static int children_table(struct web_req *r, struct html *h, const struct console_region *reg,
                          const char *today, struct err *e)
{
    struct console_args a = {.region = reg->code, .today = today};
    if (strcmp(reg->level, "village") == 0) {
        html_raw(h, "<h2>");
        html_text(h, _("Households of the village"));
        html_raw(h, "</h2><p><a href=\"/worklist?village=");
        html_url(h, reg->code);
        html_raw(h, "\">");
        html_text(h, _("The village's worklist"));
        html_raw(h, "</a></p>");
        const char *headers[] = {
            _("household ID"),      _("head of household"), _("status"),        _("people"),
            _("responsible cadre"), _("open findings"),     _("overdue tasks"), NULL};
        page_table_begin(h, headers);
        int rc = store_console_rows(r->ro, CONSOLE_VILLAGE_HOUSEHOLDS, &a, households_row, h, e);
        html_raw(h, "</tbody></table>\n");
        return rc;
    }
    struct children ch = {.rows = calloc(MAX_CHILDREN, sizeof(struct child))};
    if (!ch.rows)
        return err_set(e, ERR_FAIL, "out of memory");
    int rc = store_console_rows(r->ro, CONSOLE_CHILDREN, &a, child_row, &ch, e);
    if (!rc && ch.n) {
        html_raw(h, "<h2>");
        html_text(h, _("Regions below"));
        html_raw(h, "</h2>");
        const char *headers[] = {_("region"),
                                 _("households"),
                                 _("people"),
                                 _("cadre coverage (paired households)"),
                                 _("open findings"),
                                 _("overdue tasks"),
                                 NULL};
        page_table_begin(h, headers);
        for (size_t i = 0; i < ch.n; i++) {
            const struct child *k = &ch.rows[i];
            html_raw(h, "<tr>");
            page_td_link(h, "/region/", k->code, k->name);
            page_td_num(h, k->households);
            page_td_num(h, k->people);
            html_raw(h, "<td class=\"num\">");
            percent(h, k->paired, k->active);
            html_raw(h, "</td>");
            page_td_num(h, k->open);
            page_td_num(h, k->overdue);
            html_raw(h, "</tr>\n");
        }
        html_raw(h, "</tbody></table>\n");
        if (ch.truncated) {
            html_raw(h, "<p class=\"muted\">");
            html_rawf(h, _("Only the first %d regions are shown."), MAX_CHILDREN);
            html_raw(h, "</p>");
        }
        /* Where the open findings are: a bar per child, linking down. */
        struct svg_bar *bars = calloc(ch.n, sizeof *bars);
        char(*hrefs)[48] = calloc(ch.n, sizeof *hrefs);
        if (bars && hrefs) {
            for (size_t i = 0; i < ch.n; i++) {
                snprintf(hrefs[i], sizeof hrefs[i], "/region/%s", ch.rows[i].code);
                bars[i] = (struct svg_bar){ch.rows[i].name, (double)ch.rows[i].open, hrefs[i]};
            }
            html_raw(h, "<div class=\"card\"><h2>");
            html_text(h, _("Open findings by region"));
            html_raw(h, "</h2>");
            svg_bars(h, _("Open findings by region"), bars, ch.n);
            html_raw(h, "</div>\n");
        }
        free(bars);
        free(hrefs);
    }
    free(ch.rows);
    return rc;
}

static int breadcrumbs(struct web_req *r, struct html *h, const struct console_region *reg,
                       struct err *e)
{
    struct console_region up[8];
    int n = 0, rc = store_console_ancestors(r->ro, reg->code, up, 8, &n, e);
    if (rc)
        return rc;
    html_raw(h, "<p class=\"crumbs\">");
    for (int i = 0; i < n; i++) {
        int ok = web_region_allowed(r, up[i].code, e);
        if (ok < 0)
            return ok;
        if (ok) {
            html_raw(h, "<a href=\"/region/");
            html_url(h, up[i].code);
            html_raw(h, "\">");
        }
        html_text(h, up[i].name);
        html_raw(h, ok ? "</a> › " : " › ");
    }
    html_text(h, reg->name);
    html_raw(h, "</p>");
    return 0;
}

int page_overview(struct web_req *r, struct web_resp *out, struct err *e)
{
    char code[32];
    int rc;
    if (strncmp(r->path, "/region/", 8) == 0) {
        const char *c = r->path + 8;
        if (!*c || strlen(c) >= sizeof code || strchr(c, '/'))
            return page_bad(out, _("\"%s\" is not a region code."), c);
        snprintf(code, sizeof code, "%s", c);
    } else if (strcmp(r->path, "/") != 0) {
        return web_error(out, 404, _("No such page."));
    } else if ((rc = page_home_region(r, code, sizeof code, e)) != 0) {
        return rc;
    }
    if (!code[0])
        return web_error(out, 404, _("There are no regions yet."));
    struct console_region reg;
    rc = store_console_region(r->ro, code, &reg, e);
    if (rc == ERR_NOTFOUND)
        return web_error(out, 404, _("No such region."));
    if (rc)
        return rc;
    if ((rc = page_allow(r, out, code, e)) <= 0)
        return rc;

    char today[11], since[11];
    config_today(r->cfg, today);
    if (date_add(today, -VISIT_DAYS, since) != 0)
        snprintf(since, sizeof since, "%s", today);
    /* One read transaction: every number on the page is of one moment. */
    if ((rc = store_begin_read(r->ro, e)) != 0)
        return rc;
    struct console_overview o;
    struct measures *m = calloc(1, sizeof *m);
    struct html *h = &out->body;
    if (!m) {
        rc = err_set(e, ERR_FAIL, "out of memory");
        goto done;
    }
    struct console_args a = {.region = code, .today = today};
    if ((rc = store_console_overview(r->ro, code, today, since, &o, e)) != 0 ||
        (rc = store_console_rows(r->ro, CONSOLE_FINDINGS_BY_MEASURE, &a, measure_row, m, e)) != 0)
        goto done;
    page_begin(h, r, reg.name);
    if ((rc = breadcrumbs(r, h, &reg, e)) != 0)
        goto done;
    html_raw(h, "<h1>");
    html_text(h, reg.name);
    html_raw(h, " <span class=\"muted\">");
    html_text(h, page_alert_label(reg.level));
    html_raw(h, " · ");
    html_text(h, reg.code);
    html_raw(h, "</span></h1>\n<p class=\"muted\">");
    html_text(h, _("As of"));
    html_raw(h, " ");
    html_text(h, today);
    html_raw(h, " · <a href=\"/worklist?region=");
    html_url(h, reg.code);
    html_raw(h, "\">");
    html_text(h, _("Worklist"));
    html_raw(h, "</a> · <a href=\"/alerts?region=");
    html_url(h, reg.code);
    html_raw(h, "\">");
    html_text(h, _("Alerts"));
    html_raw(h, "</a></p>\n");
    summary(h, &o);
    charts(h, &o, m);
    rc = children_table(r, h, &reg, today, e);
    html_page_end(h);
done:
    store_rollback(r->ro);
    free(m);
    return rc;
}
