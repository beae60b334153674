/* plugin_view.h - the household as C plugins see it: a struct fupin_household
 * (plugins/fupin_plugin.h, the stable ABI view) filled from the daemon's own
 * struct household. The view only grows by appending, whatever is added to
 * household.h; nothing of the internal struct reaches a plugin. */
#ifndef FUPIN_PLUGIN_VIEW_H
#define FUPIN_PLUGIN_VIEW_H

#include "err.h"
#include "fupin_plugin.h"
#include "household.h"

/* One runner's view, filled at most once per household; its arrays are
 * kept from household to household. Zero-initialise; plugin_view_free. */
struct plugin_view {
    struct fupin_household hh;
    const struct household *source; /* what hh shows; NULL: nothing yet */
    struct fupin_member *members;
    struct fupin_income *income;
    struct fupin_loan *loans;
    struct fupin_link *links;
    struct fupin_share *shares;
    struct fupin_visit *visits;
    struct fupin_task *tasks;
    struct fupin_fund *funds;
    size_t cap_members, cap_income, cap_loans, cap_links, cap_shares, cap_visits, cap_tasks,
        cap_funds;
};

/* Forgets what the view shows, so the next plugin_view_fill fills it again
 * (the caller's household may have been read anew at the same address). */
void plugin_view_forget(struct plugin_view *v);
/* Fills v->hh from hh unless it already shows hh since the last forget.
 * Strings are hh's (borrowed: valid while hh is). ERR_FAIL when out of
 * memory. */
int plugin_view_fill(struct plugin_view *v, const struct household *hh, struct err *e);
void plugin_view_free(struct plugin_view *v);

#endif
