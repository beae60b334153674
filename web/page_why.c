/* page_why.c - "why and why not" on the household page (`?why=1`): the
 * household evaluated now by the live policies (in `reload: review` the
 * activated ones, not the files on disk), without writing, as
 * `fupin explain` does, showing every test each rule made with its values.
 * Runs only when asked (it loads the policies): the page itself stays a
 * read of stored rows. Never writes a finding. */
#include "change.h"
#include "i18n.h"
#include "page.h"
#include "policy_set.h"
#include "store_snapshot.h"

#include <string.h>

static const char *member_name(const struct household *hh, int64_t id)
{
    for (size_t i = 0; i < hh->n_members; i++)
        if (hh->members[i].id == id)
            return hh->members[i].name;
    return NULL;
}

static void policy_tests(struct html *h, const struct household *hh, const struct eval_result *res,
                         const struct policy *p)
{
    html_raw(h, "<h3>");
    html_text(h, p->title);
    html_raw(h, " <span class=\"muted\">");
    html_text(h, p->name);
    html_raw(h, "</span></h3><ul class=\"why\">");
    int any = 0;
    for (size_t i = 0; i < res->n_tests; i++) {
        const struct policy_test *t = &res->tests[i];
        if (strcmp(t->policy, p->name) != 0)
            continue;
        any = 1;
        html_raw(h, t->ok ? "<li class=\"ok\">✓ " : "<li class=\"no\">✗ ");
        if (t->member_id) {
            const char *m = member_name(hh, t->member_id);
            html_raw(h, "[");
            html_text(h, m ? m : "?");
            html_raw(h, "] ");
        }
        html_text(h, t->label);
        html_raw(h, "：");
        html_text(h, t->detail);
        html_raw(h, "</li>");
    }
    for (size_t i = 0; i < res->n_errors; i++)
        if (strcmp(res->errors[i].policy, p->name) == 0) {
            any = 1;
            html_raw(h, "<li class=\"no\">");
            html_text(h, res->errors[i].msg);
            html_raw(h, "</li>");
        }
    if (!any) {
        html_raw(h, "<li class=\"muted\">");
        html_text(h, _("This rule records no tests."));
        html_raw(h, "</li>");
    }
    html_raw(h, "</ul>");
}

int page_why(struct web_req *r, struct html *h, int64_t id, const char *today, struct err *e)
{
    struct policy_set *set = NULL;
    struct policy_runner *runner = NULL;
    struct snapshot_reader *reader = NULL;
    struct snapshot snap;
    memset(&snap, 0, sizeof snap);
    struct eval_result res = {.trace = 1};
    html_raw(h, "<h2 id=\"why\">");
    html_text(h, _("Why and why not"));
    html_raw(h, "</h2><p class=\"muted\">");
    html_text(h, _("Every test each rule makes on this household now, with the values it read; "
                   "nothing is written."));
    html_raw(h, "</p>");
    /* In review mode the rules that run are the activated ones, never the
     * files being edited (as `fupin eval` and `fupin explain`). */
    struct change_live live = {0};
    int rc = 0;
    if (r->cfg->reload && strcmp(r->cfg->reload, "review") == 0)
        rc = change_live_open(r->ro, r->cfg, &live, e);
    /* Not strict: a rule that does not load is named, the others still run. */
    if (rc == 0)
        rc = policy_set_load(live.cfg ? live.cfg : r->cfg, 0, &set, e);
    if (rc == 0)
        rc = policy_runner_new(set, &runner, e);
    if (rc == 0)
        rc = snapshot_reader_new(r->ro, &reader, e);
    if (rc == 0) {
        int src = snapshot_read(reader, id, today, &snap, e);
        if (src == 0) {
            res.household_id = id;
            policy_runner_eval(runner, &snap.hh, &res);
            for (size_t i = 0; i < set->n_policies; i++)
                policy_tests(h, &snap.hh, &res, &set->policies[i]);
        } else if (src == ERR_INVALID) {
            /* A malformed record: say what is wrong instead of failing the page. */
            html_raw(h, "<p class=\"card error\">");
            html_text(h, e->msg);
            html_raw(h, "</p>");
        } else {
            rc = src;
        }
    } else if (rc == ERR_INVALID) {
        html_raw(h, "<p class=\"card error\">");
        html_text(h, e->msg);
        html_raw(h, "</p>");
        rc = 0;
    }
    eval_result_free(&res);
    snapshot_free(&snap);
    snapshot_reader_free(reader);
    policy_runner_free(runner);
    policy_set_free(set);
    change_live_close(&live);
    return rc;
}
