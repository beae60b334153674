/* cmd_preview_report.c - the report of `fupin preview` in its four forms:
 * text (Chinese by default), JSON, one self-contained HTML page and an xlsx
 * sheet. Every text of the database or a policy is masked for resident IDs
 * (the whole report passes the scrubber) and, in HTML, escaped. */
#include "cmd_preview.h"
#include "export.h"
#include "i18n.h"
#include "json.h"
#include "preview_run.h"
#include "scrub.h"
#include "term.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- text ---- */

static const char *change_label(enum preview_change c)
{
    return c == PREVIEW_ADDED ? _("added") : c == PREVIEW_WITHDRAWN ? _("withdrawn") : _("changed");
}

static const char *state_label(enum preview_state s)
{
    return s == PREVIEW_ACCEPTED   ? _("accepted")
           : s == PREVIEW_REJECTED ? _("rejected")
                                   : _("open");
}

static void text_counts(FILE *f, const struct preview_counts *c)
{
    fprintf(f, _("added %ld, withdrawn %ld, changed %ld; money per year %.2f -> %.2f yuan"),
            c->n[PREVIEW_ADDED], c->n[PREVIEW_WITHDRAWN], c->n[PREVIEW_CHANGED], c->before,
            c->after);
    fputc('\n', f);
}

static void text_groups(FILE *f, const struct preview_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s%s", g[i].b[0] ? "    " : "  ", term_str(g[i].b[0] ? g[i].b : g[i].a));
        if (g[i].label)
            fprintf(f, " %s", term_str(g[i].label));
        fputs(_(": "), f);
        text_counts(f, &g[i].c);
        if (g[i].c.errors)
            fprintf(f, _("      failed on %ld households, first: %s\n"), g[i].c.errors,
                    term_str(g[i].error ? g[i].error : "?"));
    }
}

static void text_example(FILE *f, const struct preview_example *x, int decided)
{
    fprintf(f, _("  household %lld (%s, town %s, county %s, head %s) %s/%s"),
            (long long)x->household_id, term_str(x->village), term_str(x->town),
            term_str(x->county), term_str(x->head_name), term_str(x->policy), term_str(x->measure));
    if (x->member_id)
        fprintf(f, _(", member %lld"), (long long)x->member_id);
    if (decided)
        fprintf(f, _(" [%s, would be %s]"), state_label(x->state), change_label(x->change));
    fputc('\n', f);
    fprintf(f, _("    before: %s\n"), x->reason_before ? term_str(x->reason_before) : "-");
    fprintf(f, _("    after: %s\n"), x->reason_after ? term_str(x->reason_after) : "-");
}

static void write_text(FILE *f, const struct preview *p)
{
    fprintf(f,
            _("Preview of the candidate rules: %ld households evaluated (%ld malformed, "
              "%ld policy errors; their findings would stay as they are)\n"),
            p->households, p->malformed, p->errors);
    fputs(_("Total: "), f);
    text_counts(f, &p->totals);
    fprintf(f, "\n%s\n", _("By policy and measure:"));
    text_groups(f, p->policies, p->n_policies);
    fprintf(f, "\n%s\n", _("By county and town:"));
    text_groups(f, p->regions, p->n_regions);
    fprintf(f, "\n");
    fprintf(f,
            _("Exit: %ld households newly ready to exit, %ld no longer; return risk: %ld "
              "households newly at risk, %ld no longer\n"),
            p->exit_ready_added, p->exit_ready_removed, p->return_risk_added,
            p->return_risk_removed);
    for (int k = 0; k < PREVIEW_N_CHANGES; k++) {
        if (!p->n_examples[k])
            continue;
        fputc('\n', f);
        fprintf(f, _("Examples: %s\n"), change_label((enum preview_change)k));
        for (size_t i = 0; i < p->n_examples[k]; i++)
            text_example(f, &p->examples[k][i], 0);
    }
    fprintf(f, "\n");
    fprintf(f, _("Accepted or rejected findings affected: %ld\n"), p->decided_total);
    for (size_t i = 0; i < p->n_decided; i++)
        text_example(f, &p->decided[i], 1);
    if (p->decided_total > (long)p->n_decided)
        fprintf(f, _("  (%ld more not listed)\n"), p->decided_total - (long)p->n_decided);
}

/* ---- HTML: one self-contained page (no script, no external resource);
 * every text from the database or a policy is escaped ---- */

static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void html_counts_cells(FILE *f, const struct preview_counts *c)
{
    fprintf(f,
            "<td class=n>%ld</td><td class=n>%ld</td><td class=n>%ld</td>"
            "<td class=n>%.2f</td><td class=n>%.2f</td>",
            c->n[PREVIEW_ADDED], c->n[PREVIEW_WITHDRAWN], c->n[PREVIEW_CHANGED], c->before,
            c->after);
}

static void html_groups(FILE *f, const char *title, const char *ha, const char *hb,
                        const struct preview_group *g, size_t n)
{
    fputs("<h2>", f);
    html_text(f, title);
    fputs("</h2>\n<table><tr><th>", f);
    html_text(f, ha);
    fputs("</th><th>", f);
    html_text(f, hb);
    fprintf(f, "</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n", _("added"),
            _("withdrawn"), _("changed"), _("amount before (yuan)"), _("amount after (yuan)"));
    for (size_t i = 0; i < n; i++) {
        fputs(g[i].b[0] ? "<tr><td></td><td>" : "<tr class=group><td>", f);
        html_text(f, g[i].b[0] ? g[i].b : g[i].a);
        if (g[i].label) {
            fputc(' ', f);
            html_text(f, g[i].label);
        }
        fputs(g[i].b[0] ? "</td>" : "</td><td></td>", f);
        html_counts_cells(f, &g[i].c);
        fputs("</tr>\n", f);
        if (g[i].c.errors) {
            fputs("<tr class=error><td colspan=7>", f);
            char line[160];
            snprintf(line, sizeof line, _("failed on %ld households, first: "), g[i].c.errors);
            html_text(f, line);
            html_text(f, g[i].error ? g[i].error : "?");
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n", f);
}

static void html_examples(FILE *f, const struct preview_example *x, size_t n, int decided)
{
    fprintf(f,
            "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>%s%s%s"
            "<th>%s</th><th>%s</th></tr>\n",
            _("household"), _("village"), _("head"), _("policy / measure"), _("member"),
            decided ? "<th>" : "", decided ? _("decision") : "", decided ? "</th>" : "",
            _("reason before"), _("reason after"));
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td class=n>%lld</td><td>", (long long)x[i].household_id);
        html_text(f, x[i].village);
        fputs("</td><td>", f);
        html_text(f, x[i].head_name);
        fputs("</td><td>", f);
        html_text(f, x[i].policy);
        fputs("/", f);
        html_text(f, x[i].measure);
        fputs("</td><td>", f);
        if (x[i].member_id)
            fprintf(f, "%lld", (long long)x[i].member_id);
        fputs("</td>", f);
        if (decided) {
            fputs("<td>", f);
            html_text(f, state_label(x[i].state));
            fputs(" → ", f);
            html_text(f, change_label(x[i].change));
            fputs("</td>", f);
        }
        fputs("<td>", f);
        html_text(f, x[i].reason_before ? x[i].reason_before : "-");
        fputs("</td><td>", f);
        html_text(f, x[i].reason_after ? x[i].reason_after : "-");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void write_html(FILE *f, const struct preview *p)
{
    fputs("<!DOCTYPE html>\n<html lang=zh-CN><head><meta charset=utf-8>"
          "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\"><title>",
          f);
    html_text(f, _("Preview of the candidate rules"));
    fputs(
        "</title><style>"
        "body{font-family:sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #bbb;padding:.25em .6em;vertical-align:top}"
        "th{background:#eee}td.n{text-align:right}tr.group td{font-weight:bold;background:#f7f7f7}"
        "tr.error td{color:#a00}"
        ".totals{font-size:1.2em}"
        "</style></head><body>\n<h1>",
        f);
    html_text(f, _("Preview of the candidate rules"));
    fputs("</h1>\n<p>", f);
    fprintf(f,
            _("%ld households evaluated (%ld malformed, %ld policy errors; their findings "
              "would stay as they are)"),
            p->households, p->malformed, p->errors);
    fputs("</p>\n<table class=totals><tr><th></th>", f);
    fprintf(f, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr><tr><td>%s</td>",
            _("added"), _("withdrawn"), _("changed"), _("amount before (yuan)"),
            _("amount after (yuan)"), _("total"));
    html_counts_cells(f, &p->totals);
    fputs("</tr></table>\n", f);
    html_groups(f, _("By policy and measure:"), _("policy"), _("measure"), p->policies,
                p->n_policies);
    html_groups(f, _("By county and town:"), _("county"), _("town"), p->regions, p->n_regions);
    fputs("<p>", f);
    fprintf(f,
            _("Exit: %ld households newly ready to exit, %ld no longer; return risk: %ld "
              "households newly at risk, %ld no longer\n"),
            p->exit_ready_added, p->exit_ready_removed, p->return_risk_added,
            p->return_risk_removed);
    fputs("</p>\n", f);
    for (int k = 0; k < PREVIEW_N_CHANGES; k++) {
        if (!p->n_examples[k])
            continue;
        fputs("<h2>", f);
        char title[128];
        snprintf(title, sizeof title, _("Examples: %s\n"), change_label((enum preview_change)k));
        html_text(f, title);
        fputs("</h2>\n", f);
        html_examples(f, p->examples[k], p->n_examples[k], 0);
    }
    fputs("<h2>", f);
    fprintf(f, _("Accepted or rejected findings affected: %ld\n"), p->decided_total);
    fputs("</h2>\n", f);
    if (p->n_decided)
        html_examples(f, p->decided, p->n_decided, 1);
    fputs("</body></html>\n", f);
}

/* ---- xlsx: one sheet, one row per line of the report ---- */

static int xlsx_row(struct export *x, const char *section, const char *a, const char *b,
                    const struct preview_counts *c, const struct preview_example *ex, struct err *e)
{
    char n[3][24], before[32] = "", after[32] = "", hh[24] = "", member[24] = "";
    const char *change = NULL, *rb = NULL, *ra = NULL;
    if (c) {
        for (int k = 0; k < 3; k++)
            snprintf(n[k], sizeof n[k], "%ld", c->n[k]);
        snprintf(before, sizeof before, "%.2f", c->before);
        snprintf(after, sizeof after, "%.2f", c->after);
    }
    if (ex) {
        snprintf(hh, sizeof hh, "%lld", (long long)ex->household_id);
        if (ex->member_id)
            snprintf(member, sizeof member, "%lld", (long long)ex->member_id);
        if (ex->has_before)
            snprintf(before, sizeof before, "%.2f", ex->before);
        if (ex->has_after)
            snprintf(after, sizeof after, "%.2f", ex->after);
        change = change_label(ex->change);
        rb = ex->reason_before;
        ra = ex->reason_after;
    }
    const char *cells[] = {section, a,     b,  c ? n[0] : NULL, c ? n[1] : NULL, c ? n[2] : NULL,
                           before,  after, hh, member,          change,          rb,
                           ra};
    return export_row(x, cells, e);
}

static int write_xlsx(const char *path, FILE *out, const struct preview *p, struct err *e)
{
    const struct export_column cols[] = {
        {"section", _("section"), EXPORT_TEXT},
        {"a", _("policy / county"), EXPORT_TEXT},
        {"b", _("measure / town"), EXPORT_TEXT},
        {"added", _("added"), EXPORT_NUMBER},
        {"withdrawn", _("withdrawn"), EXPORT_NUMBER},
        {"changed", _("changed"), EXPORT_NUMBER},
        {"amount_before", _("amount before (yuan)"), EXPORT_NUMBER},
        {"amount_after", _("amount after (yuan)"), EXPORT_NUMBER},
        {"household", _("household"), EXPORT_NUMBER},
        {"member", _("member"), EXPORT_NUMBER},
        {"change", _("change"), EXPORT_TEXT},
        {"reason_before", _("reason before"), EXPORT_TEXT},
        {"reason_after", _("reason after"), EXPORT_TEXT},
    };
    struct export *x;
    int rc =
        export_open(&x, EXPORT_XLSX, path, out, _("preview"), cols, sizeof cols / sizeof *cols, e);
    if (rc)
        return rc;
    rc = xlsx_row(x, _("total"), "", "", &p->totals, NULL, e);
    for (size_t i = 0; i < p->n_policies && !rc; i++)
        rc = xlsx_row(x, _("policy"), p->policies[i].a, p->policies[i].b, &p->policies[i].c, NULL,
                      e);
    for (size_t i = 0; i < p->n_regions && !rc; i++)
        rc = xlsx_row(x, _("region"), p->regions[i].a, p->regions[i].b, &p->regions[i].c, NULL, e);
    for (int k = 0; k < PREVIEW_N_CHANGES; k++)
        for (size_t i = 0; i < p->n_examples[k] && !rc; i++)
            rc = xlsx_row(x, _("example"), p->examples[k][i].policy, p->examples[k][i].measure,
                          NULL, &p->examples[k][i], e);
    for (size_t i = 0; i < p->n_decided && !rc; i++)
        rc = xlsx_row(x, _("decided"), p->decided[i].policy, p->decided[i].measure, NULL,
                      &p->decided[i], e);
    int crc = export_close(x, e);
    return rc ? rc : crc;
}

/* ---- output ---- */

int preview_report_write(enum preview_format fmt, const char *path, const struct preview *p,
                         struct err *e)
{
    if (fmt == F_XLSX)
        return write_xlsx(path, path ? NULL : stdout, p, e);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return err_set(e, ERR_FAIL, "out of memory");
    if (fmt == F_JSON)
        preview_json_write(m, p);
    else if (fmt == F_HTML)
        write_html(m, p);
    else
        write_text(m, p);
    if (fclose(m) != 0) {
        free(buf);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    if (fmt == F_JSON)
        scrub_ids_json(buf, len);
    else
        scrub_ids_n(buf, len);
    int rc = 0;
    FILE *out = stdout;
    if (path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || !(out = fdopen(fd, "w"))) {
            if (fd >= 0)
                close(fd);
            free(buf);
            return err_set(e, ERR_INVALID, _("%s: cannot write: %s"), path, strerror(errno));
        }
    }
    if (fwrite(buf, 1, len, out) != len)
        rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path ? path : "stdout",
                     strerror(errno));
    if (path && fclose(out) != 0 && !rc)
        rc = err_set(e, ERR_FAIL, _("%s: cannot write: %s"), path, strerror(errno));
    if (!path)
        fflush(stdout);
    free(buf);
    return rc;
}
