/* test_deliver_attach.c - the full list of a digest mail without a
 * network: an xlsx (a zip) of the supervisor's items under the cap, a note
 * with the export command past it or when the cap is 0, nothing for a
 * message that is not a digest. */
#include "config.h"
#include "deliver_internal.h"
#include "nightly.h"
#include "store.h"
#include "store_nightly.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static const char city_sql[] =
    "INSERT INTO region(code, name, level, parent) VALUES"
    " ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),"
    " ('441602101', '埔前镇', 'town', '441602'),"
    " ('441602101001', '甲村', 'village', '441602101');"
    "INSERT INTO supervisor(id, name, region, channel, address) VALUES"
    " (1, '县督查组', '441602', 'email', 'county@example.org'),"
    " (2, '镇工作组', '441602101', 'email', 'town@example.org');"
    "INSERT INTO cadre(id, name, phone) VALUES (1, '李四', '13800000001');"
    "INSERT INTO household(id, village, head_name) VALUES (1, '441602101001', '张三');"
    "INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01');"
    "INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-20');"
    "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
    " (1, 1, 1, '危房改造', '2018-06-01');";

/* A city with one overdue task after the nightly job of 2018-06-30, with
 * params.supervision.digest_attachment_kb set to kb (< 0: not set). */
static struct store *city(int kb, struct config **cfg)
{
    const char *dir = test_tmpdir();
    char yaml[512], path[300];
    snprintf(yaml, sizeof yaml,
             "database: fupin.db\npolicies: .\n"
             "params:\n  supervision:\n    no_visit_days: 90\n%s"
             "escalation: {county_days: 7, city_days: 30}\n"
             "channels:\n  file: {dir: spool}\n",
             kb >= 0 ? "    digest_attachment_kb: KB\n" : "");
    char *kb_at = strstr(yaml, "KB\n");
    if (kb_at) {
        char rest[400];
        snprintf(rest, sizeof rest, "%d%s", kb, kb_at + 2);
        snprintf(kb_at, sizeof yaml - (size_t)(kb_at - yaml), "%s", rest);
    }
    char *p = test_write_file(dir, "fupin.yaml", yaml);
    struct err e;
    if (config_load(p, cfg, &e) != 0) {
        fprintf(stderr, "config: %s\n", e.msg);
        exit(1);
    }
    free(p);
    struct store *st = test_store_create("fupin.db", path, sizeof path);
    test_store_exec(st, city_sql);
    struct nightly_report r;
    if (nightly_run(*cfg, st, "2018-06-30", NULL, &r, &e) != 0) {
        fprintf(stderr, "nightly: %s\n", e.msg);
        exit(1);
    }
    return st;
}

/* The outbox row of supervisor sup as a message. */
static void message_of(struct store *st, int sup, struct outbox_msg *m)
{
    int64_t *ids;
    size_t n;
    struct err e;
    int claimed = 0;
    memset(m, 0, sizeof *m);
    CHECK(store_outbox_due(st, "2999-01-01 00:00:00", 10, &ids, &n, &e) == 0);
    for (size_t i = 0; i < n && !claimed; i++) {
        CHECK(store_outbox_claim(st, ids[i], "2999-01-01 00:00:00", "2999-01-01 00:01:00", m,
                                 &claimed, &e) == 0);
        if (claimed && m->supervisor_id != sup) {
            outbox_msg_free(m);
            claimed = 0;
        }
    }
    free(ids);
    CHECK(claimed);
}

static void under_the_cap_the_list_is_an_xlsx(void)
{
    struct config *cfg;
    struct store *st = city(-1, &cfg);
    struct outbox_msg m;
    message_of(st, 2, &m);
    struct deliver_attachment att;
    struct err e;
    CHECK(deliver_digest_attachment(cfg, st, &m, &att, &e) == 0);
    CHECK(att.data && att.len > 100 && memcmp(att.data, "PK", 2) == 0);
    CHECK(!att.note);
    CHECK(strcmp(att.name, "fupin-list-441602101-2018-06-30.xlsx") == 0);
    deliver_attachment_free(&att);
    /* a message that is no digest carries nothing */
    char *payload = m.payload;
    m.payload = "{\"text\":\"x\",\"kind\":\"other\"}";
    CHECK(deliver_digest_attachment(cfg, st, &m, &att, &e) == 0 && !att.data && !att.note);
    m.payload = payload;
    outbox_msg_free(&m);
    store_close(st);
    config_free(cfg);
}

static void past_the_cap_a_note_with_the_export_command(void)
{
    for (int kb = 0; kb <= 1; kb++) {
        struct config *cfg;
        struct store *st = city(kb, &cfg);
        struct outbox_msg m;
        message_of(st, 1, &m);
        struct deliver_attachment att;
        struct err e;
        CHECK(deliver_digest_attachment(cfg, st, &m, &att, &e) == 0);
        CHECK(!att.data);
        CHECK_STR_CONTAINS(att.note, "fupin alert list --region 441602 --open --format xlsx");
        deliver_attachment_free(&att);
        outbox_msg_free(&m);
        store_close(st);
        config_free(cfg);
    }
}

int main(void)
{
    RUN(under_the_cap_the_list_is_an_xlsx);
    RUN(past_the_cap_a_note_with_the_export_command);
    return test_done();
}
