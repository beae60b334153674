/* test_console.c - the console pages' read queries (store/store_console.c)
 * on a hand-built city whose every count is known, and the inline SVG
 * charts (web/svg.c): escaped labels, proportional bars, nothing fetched.
 * The pages themselves are tested over HTTP in tests/integration/web_*.py. */
#include "html.h"
#include "store.h"
#include "store_console.h"
#include "svg.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* Two towns under one county; town A has a poor village (1, 2) and another
 * (3); town B one village (4). Household 2 exited; 1 and 4 are paired. */
static const char city[] =
    "INSERT INTO region(code, name, level, parent, poor_village) VALUES"
    " ('C', '市', 'city', NULL, 0), ('K', '县', 'county', 'C', 0),"
    " ('TA', '甲镇', 'town', 'K', 0), ('TB', '乙镇', 'town', 'K', 0),"
    " ('VA1', '甲一村', 'village', 'TA', 1), ('VA2', '甲二村', 'village', 'TA', 0),"
    " ('VB1', '乙一村', 'village', 'TB', 0);"
    "INSERT INTO household(id, village, head_name, status) VALUES"
    " (1, 'VA1', '一', 'registered'), (2, 'VA1', '二', 'exited'),"
    " (3, 'VA2', '三', 'registered'), (4, 'VB1', '四', 'registered');"
    "INSERT INTO member(id, household_id, name) VALUES (11, 1, 'a'), (12, 1, 'b'), (21, 2, 'c'),"
    " (31, 3, 'd'), (32, 3, 'e'), (33, 3, 'f'), (41, 4, 'g');"
    "INSERT INTO cadre(id, name, region) VALUES (7, '干部', 'VA1'), (8, '乙干部', 'VB1');"
    "INSERT INTO pairing(household_id, cadre_id) VALUES (1, 7), (4, 8);"
    "INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 7, '2018-06-01'),"
    " (1, 7, '2018-06-10'), (3, 7, '2017-01-01'), (4, 8, '2018-06-20');"
    "INSERT INTO task(id, household_id, cadre_id, measure, title, due, status) VALUES"
    " (1, 1, 7, 'm', 't', '2018-06-25', 'open'),"    /* 5 days overdue */
    " (2, 3, NULL, 'm', 't', '2018-01-01', 'open')," /* 180 days */
    " (3, 1, 7, 'm', 't', '2018-07-30', 'open'),"    /* not yet due */
    " (4, 4, 8, 'm', 't', '2018-06-01', 'open'),"    /* town B */
    " (5, 1, 7, 'm', 't', '2018-01-01', 'done');"
    "INSERT INTO finding(id, household_id, policy, measure, kind, reason, source, state,"
    " created_at, updated_at) VALUES"
    " (1, 1, 'p', 'renovation', 'recommend', 'r', 's', 'open', 'x', 'x'),"
    " (2, 1, 'p', 'exit_ready', 'flag', 'r', 's', 'open', 'x', 'x'),"
    " (3, 3, 'p', 'renovation', 'recommend', 'r', 's', 'accepted', 'x', 'x'),"
    " (4, 3, 'p', 'dibao', 'recommend', 'r', 's', 'withdrawn', 'x', 'x'),"
    " (5, 4, 'p', 'renovation', 'recommend', 'r', 's', 'open', 'x', 'x');"
    "INSERT INTO alert(id, kind, severity, household_id, region, level, message, state,"
    " opened_at, last_seen_at, subject, origin_region) VALUES"
    " (1, 'no_visit', 'warning', 3, 'TA', 'town', 'm', 'open', 'x', 'x', 'household:3', 'TA'),"
    " (2, 'task_overdue', 'critical', 1, 'K', 'county', 'm', 'acked', 'x', 'x', 'task:2', 'TA'),"
    " (3, 'no_visit', 'warning', 4, 'TB', 'town', 'm', 'open', 'x', 'x', 'household:4', 'TB'),"
    " (4, 'no_visit', 'warning', 1, 'TA', 'town', 'm', 'resolved', 'x', 'x', 'household:1', "
    "'TA');";

struct rows {
    int n;
    char first[8][64];
    char cells[8][12][32];
};

static int collect(void *ctx, int n, const char *const *c, struct err *e)
{
    struct rows *r = ctx;
    if (r->n < 8) {
        for (int i = 0; i < n && i < 12; i++)
            snprintf(r->cells[r->n][i], sizeof r->cells[0][0], "%s", c[i] ? c[i] : "");
        snprintf(r->first[r->n], sizeof r->first[0], "%s", c[0] ? c[0] : "");
    }
    r->n++;
    return 0;
}

static struct store *st;

static void overview_counts_a_town(void)
{
    struct console_overview o;
    struct err e;
    CHECK(store_console_overview(st, "TA", "2018-06-30", "2018-04-01", &o, &e) == 0);
    CHECK(o.households == 3 && o.people == 6);
    CHECK(o.scattered == 1 && o.scattered_people == 3); /* household 3 in VA2 */
    CHECK(o.active == 2 && o.exited == 1 && o.paired == 1);
    CHECK(o.exit_proposed == 1);
    CHECK(o.visits == 2 && o.visited == 1);
    CHECK(o.overdue[OVERDUE_7] == 1 && o.overdue[OVERDUE_MORE] == 1);
    CHECK(o.overdue[OVERDUE_30] == 0 && o.overdue[OVERDUE_90] == 0);
    /* Alert 2 climbed to the county but is about household 1: still TA's. */
    CHECK(o.alerts_open[LEVEL_TOWN] == 1 && o.alerts_acked[LEVEL_COUNTY] == 1);
    CHECK(o.alerts_open[LEVEL_VILLAGE] == 0 && o.alerts_open[LEVEL_CITY] == 0);

    CHECK(store_console_overview(st, "C", "2018-06-30", "2018-04-01", &o, &e) == 0);
    CHECK(o.households == 4 && o.people == 7 && o.paired == 2);
    CHECK(o.overdue[OVERDUE_30] == 1); /* town B's, 29 days */
}

static void findings_by_measure_leave_withdrawn_out(void)
{
    struct rows r = {0};
    struct err e;
    struct console_args a = {.region = "TA"};
    CHECK(store_console_rows(st, CONSOLE_FINDINGS_BY_MEASURE, &a, collect, &r, &e) == 0);
    /* exit_ready open 1; renovation accepted 1, open 1 - no dibao (withdrawn). */
    CHECK(r.n == 3);
    CHECK(strcmp(r.cells[0][0], "exit_ready") == 0 && strcmp(r.cells[0][2], "1") == 0);
    CHECK(strcmp(r.cells[1][1], "accepted") == 0 && strcmp(r.cells[2][1], "open") == 0);
}

static void children_sum_their_subtrees(void)
{
    struct rows r = {0};
    struct err e;
    struct console_args a = {.region = "K", .today = "2018-06-30"};
    CHECK(store_console_rows(st, CONSOLE_CHILDREN, &a, collect, &r, &e) == 0);
    CHECK(r.n == 2 && strcmp(r.first[0], "TA") == 0 && strcmp(r.first[1], "TB") == 0);
    /* TA: 3 households, 6 people, 2 active, 1 paired, 2 open findings (a
     * flag counts), 2 overdue tasks. */
    CHECK(strcmp(r.cells[0][4], "3") == 0 && strcmp(r.cells[0][5], "6") == 0);
    CHECK(strcmp(r.cells[0][6], "2") == 0 && strcmp(r.cells[0][7], "1") == 0);
    CHECK(strcmp(r.cells[0][8], "2") == 0 && strcmp(r.cells[0][9], "2") == 0);
    struct rows v = {0};
    a.region = "VA1";
    CHECK(store_console_rows(st, CONSOLE_VILLAGE_HOUSEHOLDS, &a, collect, &v, &e) == 0);
    CHECK(v.n == 2 && strcmp(v.first[0], "1") == 0 && strcmp(v.cells[0][4], "干部") == 0);
    CHECK(strcmp(v.cells[0][7], "7") == 0 && strcmp(v.cells[1][7], "") == 0);
}

static void ancestors_run_top_down(void)
{
    struct console_region up[4];
    int n = 0;
    struct err e;
    CHECK(store_console_ancestors(st, "VA2", up, 4, &n, &e) == 0);
    CHECK(n == 3 && strcmp(up[0].code, "C") == 0 && strcmp(up[2].code, "TA") == 0);
    char top[32];
    CHECK(store_console_top(st, top, sizeof top, &e) == 0 && strcmp(top, "C") == 0);
    struct console_region reg;
    CHECK(store_console_region(st, "VA1", &reg, &e) == 0 && reg.poor_village == 1);
    CHECK(store_console_region(st, "nope", &reg, &e) == ERR_NOTFOUND);
}

static void where_names_the_regions_to_check(void)
{
    struct console_where w;
    struct err e;
    CHECK(store_console_where(st, CONSOLE_OF_FINDING, 5, &w, &e) == 0);
    CHECK(strcmp(w.a, "VB1") == 0 && w.household == 4);
    CHECK(store_console_where(st, CONSOLE_OF_ALERT, 2, &w, &e) == 0);
    CHECK(strcmp(w.a, "K") == 0 && strcmp(w.b, "TA") == 0 && strcmp(w.c, "VA1") == 0);
    CHECK(store_console_where(st, CONSOLE_OF_CADRE, 8, &w, &e) == 0 && strcmp(w.a, "VB1") == 0);
    CHECK(store_console_where(st, CONSOLE_OF_HOUSEHOLD, 99, &w, &e) == ERR_NOTFOUND);
}

static void open_tasks_by_cadre_and_region(void)
{
    struct rows r = {0};
    struct err e;
    struct console_args a = {.region = "TA", .cadre = 7, .today = "2018-06-30"};
    CHECK(store_console_rows(st, CONSOLE_OPEN_TASKS, &a, collect, &r, &e) == 0);
    /* Tasks 1 and 3 (cadre 7); the done one and town B's are not listed. */
    CHECK(r.n == 2 && strcmp(r.first[0], "1") == 0 && strcmp(r.cells[0][8], "5") == 0);
    CHECK(strcmp(r.cells[1][8], "0") == 0);
}

static void svg_escapes_and_scales(void)
{
    struct html h = {0};
    struct svg_bar bars[] = {{"<b>甲</b>", 10, "/region/A?x=1&y=2"}, {"乙", 5, NULL}};
    svg_bars(&h, "标题<", bars, 2);
    CHECK(h.data && !strstr(h.data, "<b>") && strstr(h.data, "&lt;b&gt;"));
    CHECK_STR_CONTAINS(h.data, "href=\"/region/A?x=1&amp;y=2\"");
    CHECK_STR_CONTAINS(h.data, "width=\"380\""); /* the largest bar is the full width */
    CHECK_STR_CONTAINS(h.data, "width=\"190\""); /* half of it */
    CHECK(!strstr(h.data, "<script"));
    html_free(&h);
    svg_bars(&h, "none", bars, 0);
    CHECK(h.len == 0);
    double v[2] = {3, 1};
    const char *series[] = {"待处理", "<i>"};
    struct svg_stack rows[] = {{"441602198001010011", v}};
    svg_stacked(&h, "t", series, 2, rows, 1);
    CHECK(h.data && !strstr(h.data, "441602198001010011") && !strstr(h.data, "<i>"));
    CHECK_STR_CONTAINS(h.data, "待处理");
    html_free(&h);
}

int main(void)
{
    char path[512];
    st = test_store_create("console.db", path, sizeof path);
    test_store_exec(st, city);
    RUN(overview_counts_a_town);
    RUN(findings_by_measure_leave_withdrawn_out);
    RUN(children_sum_their_subtrees);
    RUN(ancestors_run_top_down);
    RUN(where_names_the_regions_to_check);
    RUN(open_tasks_by_cadre_and_region);
    RUN(svg_escapes_and_scales);
    store_close(st);
    return test_done();
}
