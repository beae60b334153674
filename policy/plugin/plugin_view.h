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
    char (*masked_ids)[19]; /* members' id_number masked, what most plugins see */
    struct fupin_shock *shocks;
    size_t cap_members, cap_income, cap_loans, cap_links, cap_shares, cap_visits, cap_tasks,
        cap_funds, cap_masked_ids, cap_shocks;
    /* For a plugin built with smaller view structs: hh again, with each list
     * re-laid out at the plugin's element size (see plugin_view_for). */
    struct fupin_household packed;
    unsigned char *pack[8];
    size_t cap_pack[8];
};

/* Forgets what the view shows, so the next plugin_view_fill fills it again
 * (the caller's household may have been read anew at the same address). */
void plugin_view_forget(struct plugin_view *v);
/* Fills v->hh from hh unless it already shows hh since the last forget.
 * Strings are hh's (borrowed: valid while hh is). ERR_FAIL when out of
 * memory. */
int plugin_view_fill(struct plugin_view *v, const struct household *hh, struct err *e);
/* The filled view as a plugin built with sizes and declaring needs and
 * reads (HOUSEHOLD_LIST_BITs: the other lists are emptied) sees it: v->hh
 * itself when sizes are this daemon's and it reads every list, else a copy whose lists are
 * laid out at the plugin's element sizes (each element's first bytes: the
 * view only grows by appending). sizes must have passed the loader's check
 * (none larger than ours). NULL with e when out of memory. */
const struct fupin_household *plugin_view_for(struct plugin_view *v,
                                              const struct fupin_view_sizes *sizes, uint32_t needs,
                                              uint32_t reads, struct err *e);
/* The FUPIN_READS_* list flags, which are the household's list bits. */
#define PLUGIN_LISTS                                                                               \
    (FUPIN_READS_MEMBERS | FUPIN_READS_INCOME | FUPIN_READS_LOANS | FUPIN_READS_LINKS |            \
     FUPIN_READS_SHARES | FUPIN_READS_VISITS | FUPIN_READS_TASKS | FUPIN_READS_FUNDS |             \
     FUPIN_READS_SHOCKS)
/* The FUPIN_NEEDS_* flags of descriptor d (0 for a plugin built before ABI
 * 3): what plugin_view_for shows it. Without FUPIN_NEEDS_ID_NUMBER each
 * member's id_number is masked ("441602********0011"). */
uint32_t plugin_view_needs(const struct fupin_plugin *d);
void plugin_view_free(struct plugin_view *v);

#endif
