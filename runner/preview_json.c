/* preview_json.c - a preview as JSON: the form of `fupin preview --format
 * json` and of every summary kept with a change or a rule version, so the
 * console and an auditor read one shape. */
#include "json.h"
#include "preview_run.h"
#include "scrub.h"

#include <stdlib.h>

static void json_counts(FILE *f, const struct preview_counts *c)
{
    fprintf(f, "\"added\":%ld,\"withdrawn\":%ld,\"changed\":%ld,\"amount_before\":",
            c->n[PREVIEW_ADDED], c->n[PREVIEW_WITHDRAWN], c->n[PREVIEW_CHANGED]);
    json_number(f, c->before);
    fputs(",\"amount_after\":", f);
    json_number(f, c->after);
}

/* ,"name":"..", of a region group, ,"errors":n,"error":".." of a policy
 * that failed, then a comma. */
static void json_label(FILE *f, const struct preview_group *g)
{
    if (g->label) {
        fputs(",\"name\":", f);
        json_string(f, g->label);
    }
    if (g->c.errors) {
        fprintf(f, ",\"errors\":%ld,\"error\":", g->c.errors);
        json_string(f, g->error ? g->error : "");
    }
    fputc(',', f);
}

/* [{"<ka>":..,<counts>,"<list>":[{"<kb>":..,<counts>}]}]: a group's own line
 * (b == "") comes first after sorting, then its parts. */
static void json_groups(FILE *f, const struct preview_group *g, size_t n, const char *ka,
                        const char *list, const char *kb)
{
    fputc('[', f);
    int first = 1, open = 0;
    for (size_t i = 0; i < n; i++) {
        if (!g[i].b[0]) {
            if (open)
                fputs("]}", f);
            fputs(first ? "{" : ",{", f);
            first = 0;
            json_key(f, ka);
            json_string(f, g[i].a);
            json_label(f, &g[i]);
            json_counts(f, &g[i].c);
            fprintf(f, ",\"%s\":[", list);
            open = 1;
            continue;
        }
        /* The group's own line sorts first, so a part always follows it. */
        fputs(i > 0 && g[i - 1].b[0] ? ",{" : "{", f);
        json_key(f, kb);
        json_string(f, g[i].b);
        json_label(f, &g[i]);
        json_counts(f, &g[i].c);
        fputc('}', f);
    }
    if (open)
        fputs("]}", f);
    fputc(']', f);
}

static void json_example(FILE *f, const struct preview_example *x)
{
    fprintf(f, "{\"change\":\"%s\",\"household\":%lld,\"member\":", preview_change_name(x->change),
            (long long)x->household_id);
    if (x->member_id)
        fprintf(f, "%lld", (long long)x->member_id);
    else
        fputs("null", f);
    fputs(",\"policy\":", f);
    json_string(f, x->policy);
    fputs(",\"measure\":", f);
    json_string(f, x->measure);
    fputs(",\"county\":", f);
    json_string(f, x->county);
    fputs(",\"town\":", f);
    json_string(f, x->town);
    fprintf(f, ",\"state\":\"%s\",\"amount_before\":", preview_state_name(x->state));
    if (x->has_before)
        json_number(f, x->before);
    else
        fputs("null", f);
    fputs(",\"amount_after\":", f);
    if (x->has_after)
        json_number(f, x->after);
    else
        fputs("null", f);
    fputs(",\"reason_before\":", f);
    if (x->reason_before)
        json_string(f, x->reason_before);
    else
        fputs("null", f);
    fputs(",\"reason_after\":", f);
    if (x->reason_after)
        json_string(f, x->reason_after);
    else
        fputs("null", f);
    fputc('}', f);
}

void preview_json_write(FILE *f, const struct preview *p)
{
    fprintf(f, "{\"households\":%ld,\"malformed\":%ld,\"policy_errors\":%ld,\"totals\":{",
            p->households, p->malformed, p->errors);
    json_counts(f, &p->totals);
    fputs("},\"policies\":", f);
    json_groups(f, p->policies, p->n_policies, "policy", "measures", "measure");
    fputs(",\"regions\":", f);
    json_groups(f, p->regions, p->n_regions, "county", "towns", "town");
    fprintf(f,
            ",\"exit_ready\":{\"added\":%ld,\"removed\":%ld},"
            "\"return_risk\":{\"added\":%ld,\"removed\":%ld},\"examples\":{",
            p->exit_ready_added, p->exit_ready_removed, p->return_risk_added,
            p->return_risk_removed);
    for (int k = 0; k < PREVIEW_N_CHANGES; k++) {
        fprintf(f, "%s\"%s\":[", k ? "," : "", preview_change_name((enum preview_change)k));
        for (size_t i = 0; i < p->n_examples[k]; i++) {
            if (i)
                fputc(',', f);
            json_example(f, &p->examples[k][i]);
        }
        fputc(']', f);
    }
    fprintf(f, "},\"decided_total\":%ld,\"decided\":[", p->decided_total);
    for (size_t i = 0; i < p->n_decided; i++) {
        if (i)
            fputc(',', f);
        json_example(f, &p->decided[i]);
    }
    fputs("]}\n", f);
}

int preview_json(const struct preview *p, char **out, struct err *e)
{
    size_t len = 0;
    *out = NULL;
    FILE *m = open_memstream(out, &len);
    if (!m)
        return err_set(e, ERR_FAIL, "out of memory");
    preview_json_write(m, p);
    if (fclose(m) != 0) {
        free(*out);
        *out = NULL;
        return err_set(e, ERR_FAIL, "out of memory");
    }
    /* A reason or a name may hold a pasted resident ID. */
    scrub_ids_json(*out, len);
    return 0;
}
