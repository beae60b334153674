/* store_schema.c - the database schema and its migrations.
 * Version N of the schema is migrations[0..N-1] applied in order; a newer
 * binary upgrades an older database in one transaction, an older binary
 * refuses a newer database. Never edit a shipped migration: append one. */
#include "household.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Version 1: the tables of SPEC.md, the engine's bookkeeping and the
 * change-capture triggers. Enumerations are checked as `x = 'a' OR x = 'b'`
 * rather than `x IN (...)`: SQLite builds a temporary table for an IN list
 * of three or more values on every execution of an INSERT, which made bulk
 * writes (the demo city, findings) several times slower. A household
 * column's list is written {table.column} and comes from its map in
 * household.h (expand_checks). */
static const char schema_v1[] =
    /* ---- input tables ---- */
    "CREATE TABLE region ("
    " code TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " level TEXT NOT NULL CHECK (level = 'city' OR level = 'county' OR level = 'town' OR level = "
    "'village'),"
    " parent TEXT REFERENCES region(code),"
    " poor_village INT NOT NULL DEFAULT 0 CHECK (poor_village IN (0,1)),"
    " livable INT NOT NULL DEFAULT 1 CHECK (livable IN (0,1)));"
    "CREATE INDEX region_parent ON region(parent);"

    "CREATE TABLE household ("
    " id INTEGER PRIMARY KEY,"
    " village TEXT NOT NULL REFERENCES region(code),"
    " head_name TEXT,"
    " status TEXT NOT NULL DEFAULT 'registered' CHECK ({household.status}),"
    " poverty_cause TEXT,"
    " housing_grade TEXT CHECK ({household.housing_grade}),"
    " housing_renovated INT NOT NULL DEFAULT 0 CHECK (housing_renovated IN (0,1)),"
    " tap_water INT NOT NULL DEFAULT 0 CHECK (tap_water IN (0,1)),"
    " wants_relocation INT NOT NULL DEFAULT 0 CHECK (wants_relocation IN (0,1)),"
    " wants_industry INT NOT NULL DEFAULT 0 CHECK (wants_industry IN (0,1)),"
    " has_project INT NOT NULL DEFAULT 0 CHECK (has_project IN (0,1)),"
    " credit_rating TEXT,"
    " dibao INT NOT NULL DEFAULT 0 CHECK (dibao IN (0,1)),"
    " has_land INT NOT NULL DEFAULT 0 CHECK (has_land IN (0,1)),"
    " registered_at TEXT,"
    " exited_at TEXT);"
    "CREATE INDEX household_village ON household(village);"

    "CREATE TABLE member ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " name TEXT,"
    " id_number TEXT CHECK (id_number IS NULL OR length(id_number) = 18),"
    " relation TEXT,"
    " birth_date TEXT,"
    " labor TEXT NOT NULL DEFAULT 'full' CHECK ({member.labor}),"
    " health TEXT NOT NULL DEFAULT 'healthy' CHECK ({member.health}),"
    " school_stage TEXT CHECK ({member.school_stage}),"
    " medical_insured INT NOT NULL DEFAULT 0 CHECK (medical_insured IN (0,1)),"
    " critical_insured INT NOT NULL DEFAULT 0 CHECK (critical_insured IN (0,1)),"
    " pension_insured INT NOT NULL DEFAULT 0 CHECK (pension_insured IN (0,1)),"
    " employed INT NOT NULL DEFAULT 0 CHECK (employed IN (0,1)),"
    " wants_job INT NOT NULL DEFAULT 0 CHECK (wants_job IN (0,1)),"
    " skills INT NOT NULL DEFAULT 0 CHECK (skills >= 0));"
    "CREATE INDEX member_household ON member(household_id);"

    "CREATE TABLE income ("
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " year INT NOT NULL CHECK (year BETWEEN 1949 AND 2100),"
    " wage REAL NOT NULL DEFAULT 0, production REAL NOT NULL DEFAULT 0,"
    " property REAL NOT NULL DEFAULT 0, transfer REAL NOT NULL DEFAULT 0,"
    " PRIMARY KEY (household_id, year));"

    "CREATE TABLE cadre ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, unit TEXT, phone TEXT,"
    " region TEXT REFERENCES region(code));"
    "CREATE TABLE pairing ("
    " household_id INTEGER PRIMARY KEY REFERENCES household(id) ON DELETE CASCADE,"
    " cadre_id INTEGER NOT NULL REFERENCES cadre(id),"
    " since TEXT);"
    "CREATE INDEX pairing_cadre ON pairing(cadre_id);"

    "CREATE TABLE visit ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " cadre_id INTEGER REFERENCES cadre(id),"
    " date TEXT NOT NULL, note TEXT);"
    "CREATE INDEX visit_household ON visit(household_id, date);"
    "CREATE INDEX visit_cadre ON visit(cadre_id, date);"

    "CREATE TABLE task ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " cadre_id INTEGER REFERENCES cadre(id),"
    " measure TEXT, title TEXT NOT NULL, due TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open' CHECK ({task.status}),"
    " done_at TEXT);"
    "CREATE INDEX task_household ON task(household_id);"
    "CREATE INDEX task_open_due ON task(due) WHERE status = 'open';"

    "CREATE TABLE fund_application ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " cadre_id INTEGER REFERENCES cadre(id),"
    " project TEXT NOT NULL, amount REAL NOT NULL CHECK (amount >= 0), expected_return REAL,"
    " status TEXT NOT NULL DEFAULT 'applied' CHECK ({fund_application.status}),"
    " notice_from TEXT, notice_to TEXT,"
    " objections INT NOT NULL DEFAULT 0 CHECK (objections >= 0),"
    " approved_at TEXT);"
    "CREATE INDEX fund_household ON fund_application(household_id);"

    "CREATE TABLE loan ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " amount REAL NOT NULL CHECK (amount >= 0),"
    " term_months INT NOT NULL CHECK (term_months > 0),"
    " start_date TEXT,"
    " collateral INT NOT NULL DEFAULT 0 CHECK (collateral IN (0,1)),"
    " guarantor INT NOT NULL DEFAULT 0 CHECK (guarantor IN (0,1)),"
    " interest_subsidised INT NOT NULL DEFAULT 0 CHECK (interest_subsidised IN (0,1)));"
    "CREATE INDEX loan_household ON loan(household_id);"

    "CREATE TABLE enterprise_link ("
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL, name TEXT NOT NULL);"
    "CREATE INDEX enterprise_link_household ON enterprise_link(household_id);"
    "CREATE TABLE asset_share ("
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " project TEXT NOT NULL, amount REAL NOT NULL DEFAULT 0, since TEXT);"
    "CREATE INDEX asset_share_household ON asset_share(household_id);"

    "CREATE TABLE supervisor ("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " region TEXT NOT NULL REFERENCES region(code),"
    " channel TEXT NOT NULL DEFAULT 'file', address TEXT);"
    "CREATE INDEX supervisor_region ON supervisor(region);"

    /* ---- output tables (written by the engine only) ---- */
    "CREATE TABLE finding ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL,"
    " member_id INT,"
    " policy TEXT NOT NULL, measure TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('recommend','flag')),"
    " amount REAL, reason TEXT NOT NULL, source TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state = 'open' OR state = 'accepted' OR state = "
    "'rejected' OR state = 'withdrawn'),"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    /* set when the facts behind an accepted/rejected finding changed */
    " facts_changed_at TEXT);"
    /* One row per (household, member, policy, measure), live or withdrawn:
     * a finding that applies again reopens its withdrawn row. */
    "CREATE UNIQUE INDEX finding_key ON finding(household_id, ifnull(member_id, 0), policy, "
    "measure);"

    "CREATE TABLE alert ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " severity TEXT NOT NULL CHECK (severity = 'info' OR severity = 'warning' OR severity = "
    "'critical'),"
    " household_id INTEGER, task_id INTEGER,"
    " region TEXT, supervisor_id INTEGER, "
    " level TEXT CHECK (level = 'village' OR level = 'town' OR level = 'county' OR level = 'city'),"
    " message TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state = 'open' OR state = 'acked' OR state = "
    "'resolved'),"
    " opened_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,"
    " escalations INT NOT NULL DEFAULT 0,"
    /* what the alert is about, e.g. 'household:12', 'task:7', 'town:441602101' */
    " subject TEXT NOT NULL,"
    /* the policy or job that raised it */
    " source TEXT,"
    " acked_at TEXT, resolved_at TEXT,"
    /* the level it was last notified at: an acked alert is notified again only when it climbs */
    " notified_level TEXT);"
    "CREATE UNIQUE INDEX alert_live ON alert(kind, subject) WHERE state IN ('open','acked');"
    "CREATE INDEX alert_household ON alert(household_id);"

    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY,"
    " supervisor_id INTEGER,"
    " channel TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"
    " sent_at TEXT,"
    " attempts INT NOT NULL DEFAULT 0,"
    " last_error TEXT,"
    " next_attempt_at TEXT,"
    /* one digest per supervisor per night: the nightly job's idempotence key */
    " dedup_key TEXT UNIQUE);"
    "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL;"

    /* ---- engine bookkeeping ---- */
    "CREATE TABLE engine_meta (key TEXT PRIMARY KEY, value TEXT);"
    /* The change journal: every change to an input table, in commit order.
     * household_id NULL means 'not tied to one household'. */
    "CREATE TABLE engine_journal ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " tbl TEXT NOT NULL, row_id INTEGER, household_id INTEGER,"
    " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')));"
    /* Households marked for re-evaluation outside the journal (full passes);
     * version 14 makes it a view of marks and a range. */
    "CREATE TABLE engine_pending (household_id INTEGER PRIMARY KEY);"
    /* Audit: each household's last evaluation result; evaluated_at is when
     * that result last changed (an unchanged result is not rewritten). */
    "CREATE TABLE engine_eval ("
    " household_id INTEGER PRIMARY KEY, evaluated_at TEXT NOT NULL,"
    " findings INT NOT NULL, errors TEXT);"
    "INSERT INTO engine_meta(key, value) VALUES ('journal_cursor', '0');";

/* Triggers: one journal row per changed input row, naming the household
 * it affects. Tables keyed by household journal NEW and OLD ids so a move
 * between households re-evaluates both. */
static const char *household_tables[] = {
    "member",           "income", "pairing",         "visit",       "task",
    "fund_application", "loan",   "enterprise_link", "asset_share", NULL,
};

int store_schema_exec(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_FAIL, _("%s: schema: %s"), st->path, msg ? msg : "unknown error");
        sqlite3_free(msg);
        return ERR_FAIL;
    }
    return 0;
}

/* The journal triggers of one table keyed by household. */
int store_schema_household_triggers(struct store *st, const char *table, struct err *e)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER journal_%1$s_ins AFTER INSERT ON %1$s BEGIN"
             " INSERT INTO engine_journal(tbl, row_id, household_id)"
             " VALUES ('%1$s', NEW.rowid, NEW.household_id); END;"
             "CREATE TRIGGER journal_%1$s_upd AFTER UPDATE ON %1$s BEGIN"
             " INSERT INTO engine_journal(tbl, row_id, household_id)"
             " VALUES ('%1$s', NEW.rowid, NEW.household_id);"
             " INSERT INTO engine_journal(tbl, row_id, household_id)"
             " SELECT '%1$s', OLD.rowid, OLD.household_id"
             " WHERE OLD.household_id IS NOT NEW.household_id; END;"
             "CREATE TRIGGER journal_%1$s_del AFTER DELETE ON %1$s BEGIN"
             " INSERT INTO engine_journal(tbl, row_id, household_id)"
             " VALUES ('%1$s', OLD.rowid, OLD.household_id); END;",
             table);
    return store_schema_exec(st, sql, e);
}

static int create_triggers(struct store *st, struct err *e)
{
    for (const char **t = household_tables; *t; t++)
        if (store_schema_household_triggers(st, *t, e))
            return ERR_FAIL;
    static const char rest[] =
        "CREATE TRIGGER journal_household_ins AFTER INSERT ON household BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('household', NEW.id, "
        "NEW.id); END;"
        "CREATE TRIGGER journal_household_upd AFTER UPDATE ON household BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('household', NEW.id, "
        "NEW.id);"
        " INSERT INTO engine_journal(tbl, row_id, household_id)"
        " SELECT 'household', OLD.id, OLD.id WHERE OLD.id <> NEW.id; END;"
        "CREATE TRIGGER journal_household_del AFTER DELETE ON household BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('household', OLD.id, "
        "OLD.id); END;"
        /* A village's flags (poor, livable) are facts of its households. */
        "CREATE TRIGGER journal_region_upd AFTER UPDATE ON region BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id)"
        " SELECT 'region', NEW.rowid, id FROM household WHERE village IN (NEW.code, OLD.code); END;"
        "CREATE TRIGGER journal_region_del AFTER DELETE ON region BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id)"
        " SELECT 'region', OLD.rowid, id FROM household WHERE village = OLD.code; END;"
        /* A cadre's details reach households only through pairing. */
        "CREATE TRIGGER journal_cadre_upd AFTER UPDATE ON cadre BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id)"
        " SELECT 'cadre', NEW.id, household_id FROM pairing WHERE cadre_id IN (NEW.id, OLD.id); "
        "END;"
        "CREATE TRIGGER journal_cadre_del AFTER DELETE ON cadre BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id)"
        " SELECT 'cadre', OLD.id, household_id FROM pairing WHERE cadre_id = OLD.id; END;"
        /* Supervisors change routing, not findings: journaled without a
         * household so the nightly job and audits can see them. */
        "CREATE TRIGGER journal_supervisor_ins AFTER INSERT ON supervisor BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('supervisor', NEW.id, "
        "NULL); END;"
        "CREATE TRIGGER journal_supervisor_upd AFTER UPDATE ON supervisor BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('supervisor', NEW.id, "
        "NULL); END;"
        "CREATE TRIGGER journal_supervisor_del AFTER DELETE ON supervisor BEGIN"
        " INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('supervisor', OLD.id, "
        "NULL); END;";
    return store_schema_exec(st, rest, e);
}

/* Appends n bytes of s to the growing string *buf (length *len); -1 when
 * out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* sql with every {table.column} replaced by `column = 'a' OR column = 'b'`
 * over the recorded values of the map of that household field (household.h),
 * into *out (malloc'd). NULL needs no term: a CHECK passes on NULL, and
 * NOT NULL says whether the column may be "not recorded". */
static int expand_checks(struct store *st, const char *sql, char **out, struct err *e)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    const char *p = sql;
    for (const char *open; (open = strchr(p, '{'));) {
        const char *close = strchr(open, '}');
        const char *dot = close ? memchr(open, '.', (size_t)(close - open)) : NULL;
        char table[48], column[48];
        if (!dot || dot - open - 1 >= (int)sizeof table || close - dot - 1 >= (int)sizeof column) {
            free(buf);
            return err_set(e, ERR_FAIL, _("%s: schema: malformed {table.column}"), st->path);
        }
        snprintf(table, sizeof table, "%.*s", (int)(dot - open - 1), open + 1);
        snprintf(column, sizeof column, "%.*s", (int)(close - dot - 1), dot + 1);
        int rec = household_record_of_table(table);
        const struct household_field *f =
            rec < 0 ? NULL : household_field_find((enum household_rec)rec, column);
        if (!f || f->kind != HOUSEHOLD_ENUM) {
            free(buf);
            return err_set(e, ERR_FAIL, _("%s: schema: {%s.%s} is no enumerated household column"),
                           st->path, table, column);
        }
        if (append(&buf, &len, &cap, p, (size_t)(open - p)))
            goto oom;
        const char *sep = "";
        for (int v = 0; v < f->map->count; v++) {
            char term[160];
            if (!f->map->text[v])
                continue;
            int n = snprintf(term, sizeof term, "%s%s = '%s'", sep, column, f->map->text[v]);
            if (append(&buf, &len, &cap, term, (size_t)n))
                goto oom;
            sep = " OR ";
        }
        p = close + 1;
    }
    if (append(&buf, &len, &cap, p, strlen(p)))
        goto oom;
    *out = buf;
    return 0;
oom:
    free(buf);
    return err_set(e, ERR_FAIL, _("%s: schema: out of memory"), st->path);
}

static int migrate_to_1(struct store *st, struct err *e)
{
    char *sql = NULL;
    int rc = expand_checks(st, schema_v1, &sql, e);
    if (rc)
        return rc;
    rc = store_schema_exec(st, sql, e);
    free(sql);
    if (rc)
        return ERR_FAIL;
    return create_triggers(st, e);
}

/* Version 2 (policy pack v2): labour ability may be "not recorded" (a
 * member's labour was once assumed full by a DEFAULT: rows keep what they
 * hold, new rows without it stay NULL, a task for the cadre); 两不愁 as the
 * cadre records it; the shocks that make a household fall back (三(六)).
 * SQLite cannot drop a NOT NULL, so member is rebuilt, with its index and
 * journal triggers; nothing references member, so the rebuild breaks no key. */
static const char schema_v2[] =
    "DROP TRIGGER IF EXISTS journal_member_ins;"
    "DROP TRIGGER IF EXISTS journal_member_upd;"
    "DROP TRIGGER IF EXISTS journal_member_del;"
    "CREATE TABLE member_v2 ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " name TEXT,"
    " id_number TEXT CHECK (id_number IS NULL OR length(id_number) = 18),"
    " relation TEXT,"
    " birth_date TEXT,"
    " labor TEXT CHECK ({member.labor}),"
    " health TEXT NOT NULL DEFAULT 'healthy' CHECK ({member.health}),"
    " school_stage TEXT CHECK ({member.school_stage}),"
    " medical_insured INT NOT NULL DEFAULT 0 CHECK (medical_insured IN (0,1)),"
    " critical_insured INT NOT NULL DEFAULT 0 CHECK (critical_insured IN (0,1)),"
    " pension_insured INT NOT NULL DEFAULT 0 CHECK (pension_insured IN (0,1)),"
    " employed INT NOT NULL DEFAULT 0 CHECK (employed IN (0,1)),"
    " wants_job INT NOT NULL DEFAULT 0 CHECK (wants_job IN (0,1)),"
    " skills INT NOT NULL DEFAULT 0 CHECK (skills >= 0));"
    "INSERT INTO member_v2 SELECT id, household_id, name, id_number, relation, birth_date,"
    " labor, health, school_stage, medical_insured, critical_insured, pension_insured,"
    " employed, wants_job, skills FROM member;"
    "DROP TABLE member;"
    "ALTER TABLE member_v2 RENAME TO member;"
    "CREATE INDEX member_household ON member(household_id);"

    "ALTER TABLE household ADD COLUMN food_secure INT CHECK (food_secure IN (0,1));"
    "ALTER TABLE household ADD COLUMN clothing_secure INT CHECK (clothing_secure IN (0,1));"

    "CREATE TABLE shock ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK ({shock.kind}),"
    " date TEXT NOT NULL,"
    " loss REAL NOT NULL DEFAULT 0 CHECK (loss >= 0),"
    " note TEXT);"
    "CREATE INDEX shock_household ON shock(household_id, date);";

static int migrate_to_2(struct store *st, struct err *e)
{
    char *sql = NULL;
    int rc = expand_checks(st, schema_v2, &sql, e);
    if (rc)
        return rc;
    rc = store_schema_exec(st, sql, e);
    free(sql);
    if (rc)
        return ERR_FAIL;
    if (store_schema_household_triggers(st, "member", e))
        return ERR_FAIL;
    return store_schema_household_triggers(st, "shock", e);
}

/* Version 3 — money bounds: every money column of an input table within +-1e9 yuan
 * (HOUSEHOLD_MONEY_MAX), checked by triggers because SQLite cannot add a
 * CHECK to an existing table. Two figures of 1e308 summed to infinity in
 * "income per person"; a billion yuan is far beyond any household's. The
 * snapshot reader enforces the same bound on rows written before this. The
 * columns are spelt out, not taken from household.h: a shipped migration
 * must never change meaning when the description grows. */
static int migrate_money_bounds(struct store *st, struct err *e)
{
    static const struct {
        const char *table, *when;
    } money[] = {
        {"income", "abs(NEW.wage) > 1e9 OR abs(NEW.production) > 1e9 OR abs(NEW.property) > 1e9"
                   " OR abs(NEW.transfer) > 1e9"},
        {"loan", "abs(NEW.amount) > 1e9"},
        {"asset_share", "abs(NEW.amount) > 1e9"},
        {"fund_application", "abs(NEW.amount) > 1e9 OR abs(NEW.expected_return) > 1e9"},
    };
    static const char *const events[] = {"INSERT", "UPDATE"};
    char sql[640];
    for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
        for (size_t k = 0; k < 2; k++) {
            snprintf(sql, sizeof sql,
                     "CREATE TRIGGER %s_money_bounds_%s BEFORE %s ON %s WHEN %s BEGIN"
                     " SELECT RAISE(ABORT, '%s: a money field is beyond 1000000000 yuan"
                     " (金额超出范围)'); END;",
                     money[i].table, k ? "update" : "insert", events[k], money[i].table,
                     money[i].when, money[i].table);
            int rc = store_schema_exec(st, sql, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* migrations[i] takes the schema from version i to version i + 1. */
static int (*const migrations[STORE_SCHEMA_VERSION])(struct store *, struct err *) = {
    migrate_to_1,
    migrate_to_2,
    migrate_money_bounds,              /* version 3 */
    store_migrate_decisions,           /* version 4 */
    store_migrate_alert_origin,        /* version 5 */
    store_migrate_supervision_records, /* version 6 */
    store_migrate_measures_facts,      /* version 7 */
    store_migrate_rule_versions,       /* version 8 */
    store_migrate_rule_changes,        /* version 9 */
    store_migrate_params_versions,     /* version 10 */
    store_migrate_web_accounts,        /* version 11 */
    store_migrate_console_indexes,     /* version 12 */
    store_migrate_findings_digest,     /* version 13 */
    store_migrate_fewer_writes,        /* version 14 */
    store_migrate_fewer_triggers,      /* version 15 */
};

int store_schema_apply(struct store *st, struct err *e)
{
    int version = store_schema_version(st);
    if (version < 0)
        return store_fail(st, e, ERR_FAIL, N_("reading schema version"));
    if (version > STORE_SCHEMA_VERSION)
        return err_set(e, ERR_INVALID,
                       _("%s: database schema version %d is newer than this fupin "
                         "understands (%d); upgrade fupin"),
                       st->path, version, STORE_SCHEMA_VERSION);
    if (version == STORE_SCHEMA_VERSION)
        return 0;
    if (st->read_only)
        return err_set(e, ERR_INVALID,
                       _("%s: database schema version %d is older than %d; run `fupin init` "
                         "or start the daemon once to upgrade it"),
                       st->path, version, STORE_SCHEMA_VERSION);

    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    /* Another process may have migrated while we waited for the lock: the
     * version read above is only a hint, this one is authoritative. */
    version = store_schema_version(st);
    if (version < 0 || version > STORE_SCHEMA_VERSION) {
        store_rollback(st);
        return version < 0 ? store_fail(st, e, ERR_FAIL, N_("reading schema version"))
                           : err_set(e, ERR_INVALID,
                                     _("%s: database schema version %d is newer than this fupin "
                                       "understands (%d); upgrade fupin"),
                                     st->path, version, STORE_SCHEMA_VERSION);
    }
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        if ((rc = migrations[v](st, e)) != 0) {
            store_rollback(st);
            return rc;
        }
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    if ((rc = store_schema_exec(st, sql, e)) != 0) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, e);
}
