/* store_migrate.c - the schema's migrations from version 4 on, each named
 * for its topic and each only adding what is missing (add_columns, IF NOT
 * EXISTS), so that running one twice changes nothing. store_schema.c holds
 * version 1 to 3 and applies them all in order. */
#include "household.h"
#include "i18n.h"
#include "store_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nonzero when table has a column named column (0 also on a read error,
 * which the ALTER that follows then reports). */
static int has_column(struct store *st, const char *table, const char *column)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &stmt,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, column, -1, SQLITE_STATIC);
    int there = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return there;
}

/* Adds each column ("name TYPE ...") table lacks. Migrations after version 3
 * only add, and a column already there is left alone: a database rebuilt by
 * hand from a dump of a newer schema may be marked older than it is (the
 * tests fake old versions that way), and migrating it must still work. */
static int add_columns(struct store *st, const char *table, const char *const *decls, size_t n,
                       struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        char name[64], sql[512];
        if (sscanf(decls[i], "%63s", name) != 1)
            return err_set(e, ERR_FAIL, "migration: bad column %s", decls[i]);
        if (has_column(st, table, name))
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s;", table, decls[i]);
        int rc = store_schema_exec(st, sql, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Version 4 — decisions: who accepted or rejected a finding, when and why,
 * and the help task accepting it made; who acknowledged an alert and why
 * (acked_at is there since version 1). Only columns are added: existing
 * rows keep everything and read NULL for what nobody recorded. A column
 * already there is left alone, so a database rebuilt by hand from a newer
 * one (as tests do to fake an old version) migrates too. */
int store_migrate_decisions(struct store *st, struct err *e)
{
    static const char *const finding[] = {"decided_by TEXT", "decided_at TEXT",
                                          "decision_note TEXT", "task_id INTEGER"};
    static const char *const alert[] = {"acked_by TEXT", "ack_note TEXT"};
    int rc = add_columns(st, "finding", finding, sizeof finding / sizeof finding[0], e);
    return rc ? rc : add_columns(st, "alert", alert, sizeof alert / sizeof alert[0], e);
}

/* Version 5 — alert origin: where an alert was first routed (region and
 * level), kept when escalation moves it up, so every level from the origin
 * up keeps seeing an escalated item (the town must act, the county
 * watches); and escalated_at, the date (as of the nightly run) it reached
 * its current level. Existing rows: an overdue task's origin is the town of
 * its household's village, anything else starts where it is now; when an
 * existing row climbed is not known (NULL). */
int store_migrate_alert_origin(struct store *st, struct err *e)
{
    static const char *const cols[] = {
        "origin_region TEXT",
        "origin_level TEXT CHECK (origin_level = 'village' OR origin_level = 'town'"
        " OR origin_level = 'county' OR origin_level = 'city')",
        "escalated_at TEXT",
    };
    int rc = add_columns(st, "alert", cols, sizeof cols / sizeof cols[0], e);
    return rc ? rc
              : store_schema_exec(
                    st,
                    "UPDATE alert SET origin_level = 'town', origin_region = (SELECT v.parent"
                    " FROM task t JOIN household h ON h.id = t.household_id"
                    " JOIN region v ON v.code = h.village WHERE t.id = alert.task_id)"
                    " WHERE kind = 'task_overdue' AND task_id IS NOT NULL AND origin_region IS "
                    "NULL;"
                    "UPDATE alert SET origin_region = region, origin_level = level"
                    " WHERE origin_region IS NULL;"
                    "CREATE INDEX IF NOT EXISTS alert_origin ON alert(origin_region)"
                    " WHERE state <> 'resolved';",
                    e);
}

/* Version 6 — the supervision records of 三(二)–(五) the office enters: each
 * step of a fund application with its date and who took it, and its use
 * (三(四)); the sections of a cadre's help handbook (三(三)); each town
 * team's six items (六有, 三(二)); the yearly reduction target of a county or
 * town (三(五) 约谈). New columns and tables only: every existing row keeps
 * what it holds, and a fund's new steps read as not recorded. The lists are
 * spelt out here, not taken from household.h. */
static const char *const fund_steps[] = {
    "use TEXT CHECK (use = 'industry' OR use = 'microcredit' OR use = 'asset_income'"
    " OR use = 'basic_needs' OR use = 'other')",
    "applied_at TEXT",
    "reviewed_at TEXT",
    "reviewed_by TEXT",
    "noticed_by TEXT",
    "approved_by TEXT",
    "filed_at TEXT",
    "filed_by TEXT",
    "completed_at TEXT",
    "published_at TEXT",
    "published_by TEXT",
};

static const char schema_supervision_records[] =
    "CREATE TABLE IF NOT EXISTS handbook ("
    " id INTEGER PRIMARY KEY,"
    " household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,"
    " cadre_id INTEGER REFERENCES cadre(id),"
    " section TEXT NOT NULL CHECK (section = 'family' OR section = 'cause'"
    " OR section = 'measures' OR section = 'plan' OR section = 'progress'"
    " OR section = 'results'),"
    " updated_at TEXT,"
    " note TEXT);"
    "CREATE INDEX IF NOT EXISTS handbook_household ON handbook(household_id);"

    /* An item not recorded as present is missing: the plan asks the town
     * to show each one. */
    "CREATE TABLE IF NOT EXISTS town_team ("
    " town TEXT PRIMARY KEY REFERENCES region(code),"
    " office INT NOT NULL DEFAULT 0 CHECK (office IN (0,1)),"
    " staff INT NOT NULL DEFAULT 0 CHECK (staff IN (0,1)),"
    " wall_chart INT NOT NULL DEFAULT 0 CHECK (wall_chart IN (0,1)),"
    " battle_map INT NOT NULL DEFAULT 0 CHECK (battle_map IN (0,1)),"
    " case_files INT NOT NULL DEFAULT 0 CHECK (case_files IN (0,1)),"
    " publicity_board INT NOT NULL DEFAULT 0 CHECK (publicity_board IN (0,1)),"
    " checked_at TEXT, checked_by TEXT, note TEXT);"

    "CREATE TABLE IF NOT EXISTS reduction_target ("
    " region TEXT NOT NULL REFERENCES region(code),"
    " year INT NOT NULL CHECK (year BETWEEN 1949 AND 2100),"
    " households INT NOT NULL CHECK (households >= 0),"
    " set_by TEXT, note TEXT,"
    " PRIMARY KEY (region, year));"

    /* no_cadre now has one writer, policies/supervision.lua (#14): a live
     * one the nightly job opened becomes the policy's, so that the
     * household's next evaluation resolves it once a cadre is paired. */
    "UPDATE alert SET source = 'lua:policies/supervision.lua'"
    " WHERE kind = 'no_cadre' AND source = 'nightly' AND state IN ('open','acked');";

int store_migrate_supervision_records(struct store *st, struct err *e)
{
    int had_handbook = has_column(st, "handbook", "section");
    int rc = add_columns(st, "fund_application", fund_steps,
                         sizeof fund_steps / sizeof fund_steps[0], e);
    if (rc || (rc = store_schema_exec(st, schema_supervision_records, e)) != 0)
        return rc;
    return had_handbook ? 0 : store_schema_household_triggers(st, "handbook", e);
}

/* Version 7 — the measures of issue #18: 承接流转土地、家庭农场 (二(一)),
 * 创业技能培训 (二(二)), 趸缴 (二(三)) and 信用村 (二(七)). Every column is
 * added with the value an existing row means: nobody recorded a wish, a farm
 * or a training, so 0; contribution years and a village's 信用村 rating
 * were never recorded, so NULL ("not recorded", never assumed). A region
 * update already journals the village's households. Spelt out, not taken
 * from household.h, like every shipped migration. */
int store_migrate_measures_facts(struct store *st, struct err *e)
{
    static const char *const household[] = {
        "wants_land_transfer INT NOT NULL DEFAULT 0 CHECK (wants_land_transfer IN (0,1))",
        "land_transferred_in INT NOT NULL DEFAULT 0 CHECK (land_transferred_in IN (0,1))",
        "family_farm INT NOT NULL DEFAULT 0 CHECK (family_farm IN (0,1))",
    };
    static const char *const member[] = {
        "wants_business INT NOT NULL DEFAULT 0 CHECK (wants_business IN (0,1))",
        "business_trained INT NOT NULL DEFAULT 0 CHECK (business_trained IN (0,1))",
        "pension_years INT CHECK (pension_years BETWEEN 0 AND 80)",
    };
    static const char *const region[] = {
        "credit_village INT CHECK (credit_village IN (0,1))",
    };
    int rc = add_columns(st, "household", household, sizeof household / sizeof household[0], e);
    if (!rc)
        rc = add_columns(st, "member", member, sizeof member / sizeof member[0], e);
    if (!rc)
        rc = add_columns(st, "region", region, sizeof region / sizeof region[0], e);
    return rc;
}

/* Version 8 — rule versions: every version of every policy, plugin and
 * params set that ever ran, kept with its text so that what produced a
 * finding can be shown later. A finding points into it through its source
 * ("lua:policies/x.lua@<hash>", "plugin:x@1.0"), which is the key here; a
 * params set's source is "params@<hash>". Existing findings keep their
 * source: the versions they name get a row (text unknown) so every
 * finding resolves. A table already there (a database rebuilt by hand from
 * a newer one, as tests do to fake an old version) is kept. */
int store_migrate_rule_versions(struct store *st, struct err *e)
{
    return store_schema_exec(
        st,
        "CREATE TABLE IF NOT EXISTS rule_version ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('policy','plugin','params')),"
        " name TEXT NOT NULL,"
        " source TEXT NOT NULL UNIQUE,"
        " hash TEXT NOT NULL,"
        " text TEXT,"
        " activated_by TEXT,"
        " activated_at TEXT,"
        " preview_summary TEXT);"
        "INSERT OR IGNORE INTO rule_version(kind, name, source, hash)"
        " SELECT DISTINCT CASE WHEN source LIKE 'plugin:%' THEN 'plugin' ELSE 'policy' END,"
        " policy, source, substr(source, instr(source, '@') + 1)"
        " FROM finding WHERE source IS NOT NULL AND instr(source, '@') > 0;",
        e);
}

/* Version 9 — staged activation (`reload: review`): the changes the
 * daemon proposed and what became of them (rule_change, the changed
 * files' texts in rule_change_file), and the policy texts that are live
 * (rule_live): in review mode the daemon runs those, not the files. */
int store_migrate_rule_changes(struct store *st, struct err *e)
{
    return store_schema_exec(st,
                             "CREATE TABLE IF NOT EXISTS rule_change ("
                             " id INTEGER PRIMARY KEY,"
                             " state TEXT NOT NULL DEFAULT 'pending'"
                             "  CHECK (state IN ('pending','active','discarded','stale')),"
                             " hash TEXT NOT NULL,"
                             " files TEXT NOT NULL,"
                             " policies TEXT NOT NULL,"
                             " created_at TEXT NOT NULL,"
                             " decided_by TEXT,"
                             " decided_at TEXT,"
                             " preview_summary TEXT);"
                             "CREATE INDEX IF NOT EXISTS rule_change_hash ON rule_change(hash);"
                             "CREATE TABLE IF NOT EXISTS rule_change_file ("
                             " change_id INTEGER NOT NULL REFERENCES rule_change(id),"
                             " file TEXT NOT NULL,"
                             " text TEXT," /* NULL: the change removes the file */
                             " PRIMARY KEY (change_id, file));"
                             "CREATE TABLE IF NOT EXISTS rule_live ("
                             " file TEXT PRIMARY KEY,"
                             " text TEXT NOT NULL,"
                             " change_id INTEGER NOT NULL DEFAULT 0);",
                             e);
}

/* Version 10 — the params version of a finding: the params set ("params@
 * <hash>", a key of rule_version) that was live when the finding was last
 * written, beside its policy's version in source. The set that runs is
 * named in engine_meta ('params_source', written where a rule set goes
 * live); triggers copy it into every finding written, so no writer of
 * findings has to know. Findings written before keep NULL: not recorded. */
int store_migrate_params_versions(struct store *st, struct err *e)
{
    static const char *const finding[] = {"params_source TEXT"};
    int rc = add_columns(st, "finding", finding, 1, e);
    if (!rc)
        rc = store_schema_exec(
            st,
            "CREATE TRIGGER IF NOT EXISTS finding_params_insert AFTER INSERT ON finding"
            " BEGIN UPDATE finding SET params_source = (SELECT value FROM engine_meta"
            "  WHERE key = 'params_source') WHERE id = NEW.id; END;"
            "CREATE TRIGGER IF NOT EXISTS finding_params_update"
            " AFTER UPDATE OF kind, amount, reason, source ON finding"
            " WHEN NEW.state <> 'withdrawn'"
            " BEGIN UPDATE finding SET params_source = (SELECT value FROM engine_meta"
            "  WHERE key = 'params_source') WHERE id = NEW.id; END;",
            e);
    return rc;
}

/* Version 11 — the web console's accounts (issue #17): its users (a role
 * and a region each; only the Argon2id hash of a password), their sessions
 * (only a hash of the session id, so a copy of the database signs nobody
 * in), the login attempts the rate limit counts, and the audit log of every
 * login, logout and action. Times are Unix seconds, except the audit's,
 * which people read. */
int store_migrate_web_accounts(struct store *st, struct err *e)
{
    return store_schema_exec(
        st,
        "CREATE TABLE IF NOT EXISTS web_user ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " role TEXT NOT NULL"
        "  CHECK (role IN ('cadre','town','county','city','policy','admin')),"
        " region TEXT NOT NULL DEFAULT '',"
        " pass_hash TEXT NOT NULL,"
        " disabled INT NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
        " created_at TEXT NOT NULL,"
        " changed_at TEXT);"
        "CREATE TABLE IF NOT EXISTS web_session ("
        " id_hash TEXT PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES web_user(id),"
        " csrf TEXT NOT NULL,"
        " created_at INT NOT NULL,"
        " last_seen INT NOT NULL,"
        " expires_at INT NOT NULL,"
        " remote TEXT);"
        "CREATE INDEX IF NOT EXISTS web_session_user ON web_session(user_id);"
        "CREATE TABLE IF NOT EXISTS web_login_attempt ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " remote TEXT NOT NULL,"
        " at INT NOT NULL,"
        " ok INT NOT NULL CHECK (ok IN (0,1)));"
        "CREATE INDEX IF NOT EXISTS web_login_attempt_name ON web_login_attempt(name, at);"
        "CREATE INDEX IF NOT EXISTS web_login_attempt_remote"
        " ON web_login_attempt(remote, at);"
        "CREATE TABLE IF NOT EXISTS web_audit ("
        " id INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " user_id INTEGER,"
        " user_name TEXT,"
        " action TEXT NOT NULL,"
        " subject TEXT,"
        " remote TEXT,"
        " detail TEXT);"
        "CREATE INDEX IF NOT EXISTS web_audit_at ON web_audit(at);",
        e);
}

/* Version 12 — the web console's overview counts a region's findings by
 * state and measure through its households: an index that answers that
 * from the index alone (a city's 190,000 findings in a tenth of a second
 * instead of a third). */
int store_migrate_console_indexes(struct store *st, struct err *e)
{
    return store_schema_exec(st,
                             "CREATE INDEX IF NOT EXISTS finding_household_state"
                             " ON finding(household_id, state, measure);",
                             e);
}

/* Version 13 — reconciliation by digest (issue #15): per household, a
 * digest of the evaluation last reconciled into its findings. It stands
 * only while no finding row of the household changed since: any insert,
 * delete or update of a column reconciliation reads drops it, whoever
 * writes (a person deciding, a forget, reconciliation itself, which then
 * writes the new one). */
int store_migrate_findings_digest(struct store *st, struct err *e)
{
    return store_schema_exec(
        st,
        "CREATE TABLE IF NOT EXISTS finding_digest ("
        " household_id INTEGER PRIMARY KEY,"
        " digest BLOB NOT NULL);"
        "CREATE TRIGGER IF NOT EXISTS finding_digest_insert AFTER INSERT ON finding"
        " BEGIN DELETE FROM finding_digest WHERE household_id = NEW.household_id; END;"
        "CREATE TRIGGER IF NOT EXISTS finding_digest_delete AFTER DELETE ON finding"
        " BEGIN DELETE FROM finding_digest WHERE household_id = OLD.household_id; END;"
        "CREATE TRIGGER IF NOT EXISTS finding_digest_update AFTER UPDATE OF"
        " member_id, policy, measure, kind, amount, reason, source, state, updated_at,"
        " facts_changed_at ON finding"
        " BEGIN DELETE FROM finding_digest WHERE household_id = NEW.household_id; END;"
        /* Apart: an IN list of both ids cost a tenth of a one-policy pass. */
        "CREATE TRIGGER IF NOT EXISTS finding_digest_move AFTER UPDATE OF household_id"
        " ON finding BEGIN DELETE FROM finding_digest"
        "  WHERE household_id IN (OLD.household_id, NEW.household_id); END;",
        e);
}

/* Version 14 — fewer writes per household (issue #15). Pending marks as a
 * range: marking the whole city wrote one engine_pending row per household
 * and every batch deleted its rows again. Now "every household" is one row
 * of engine_pending_range (the ids in (after_id, upto_id], after_id moving
 * up as batches commit) beside the explicit rows of single households
 * (engine_pending_household, where an older database's marks go).
 * engine_pending becomes a view of both, so whoever reads it as "the pass
 * is done" (empty) still can, and an INSERT into it still marks one
 * household. And the params_source triggers of version 10 rewrite a
 * finding only when its writer did not already name the live params set
 * (reconciliation now does): the same outcome for every writer, without a
 * second write of each inserted or updated row. */
int store_migrate_fewer_writes(struct store *st, struct err *e)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'engine_pending'",
                           -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, e, ERR_FAIL, N_("reading the schema"));
    int is_table = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    int rc = store_schema_exec(st,
                               "CREATE TABLE IF NOT EXISTS engine_pending_household ("
                               " household_id INTEGER PRIMARY KEY);"
                               "CREATE TABLE IF NOT EXISTS engine_pending_range ("
                               " id INTEGER PRIMARY KEY CHECK (id = 1),"
                               " after_id INTEGER NOT NULL, upto_id INTEGER NOT NULL);",
                               e);
    if (!rc && is_table)
        rc = store_schema_exec(st,
                               "INSERT OR IGNORE INTO engine_pending_household(household_id)"
                               " SELECT household_id FROM engine_pending;"
                               "DROP TABLE engine_pending;",
                               e);
    if (!rc)
        rc = store_schema_exec(
            st,
            /* An explicit mark inside the range is listed once. */
            "CREATE VIEW IF NOT EXISTS engine_pending(household_id) AS"
            " SELECT p.household_id FROM engine_pending_household p"
            "  WHERE NOT EXISTS (SELECT 1 FROM engine_pending_range r"
            "   WHERE p.household_id > r.after_id AND p.household_id <= r.upto_id)"
            " UNION ALL"
            " SELECT h.id FROM engine_pending_range r"
            "  JOIN household h ON h.id > r.after_id AND h.id <= r.upto_id;"
            "CREATE TRIGGER IF NOT EXISTS engine_pending_insert"
            " INSTEAD OF INSERT ON engine_pending BEGIN"
            " INSERT OR IGNORE INTO engine_pending_household(household_id)"
            " VALUES (NEW.household_id); END;",
            e);
    if (!rc)
        rc = store_schema_exec(
            st,
            "DROP TRIGGER IF EXISTS finding_params_insert;"
            "DROP TRIGGER IF EXISTS finding_params_update;"
            "CREATE TRIGGER finding_params_insert AFTER INSERT ON finding"
            " WHEN NEW.params_source IS NOT (SELECT value FROM engine_meta"
            "  WHERE key = 'params_source')"
            " BEGIN UPDATE finding SET params_source = (SELECT value FROM engine_meta"
            "  WHERE key = 'params_source') WHERE id = NEW.id; END;"
            "CREATE TRIGGER finding_params_update"
            " AFTER UPDATE OF kind, amount, reason, source ON finding"
            " WHEN NEW.state <> 'withdrawn' AND NEW.params_source IS NOT"
            "  (SELECT value FROM engine_meta WHERE key = 'params_source')"
            " BEGIN UPDATE finding SET params_source = (SELECT value FROM engine_meta"
            "  WHERE key = 'params_source') WHERE id = NEW.id; END;",
            e);
    return rc;
}

/* Version 15 — fewer trigger frames per finding written (issue #15). A row
 * trigger costs its frame even when its WHEN is false, and an UPDATE of
 * several rows that fires one first collects them in an ephemeral table.
 * - The params_source triggers of versions 10 and 14 named the live params
 *   set in every row inserted or updated, for "any other writer";
 *   reconciliation names it itself, and a finding's kind, amount, reason
 *   and source have no other writer (an output table: people decide
 *   through state). 5 % of a first pass (callgrind). A hand edit now keeps
 *   the params_source it wrote: no params set computed it.
 * - The digest drops when a column of what a policy said, or a person's
 *   decision, changes -- no longer for source, updated_at or
 *   params_source alone: a new version that says the same moves the
 *   sources and writes the digest's new versions itself (reconciliation
 *   drops the digest when it moved sources and keeps none). A hand edit of
 *   a source alone is put right when the policy's version next changes.
 *   8 % of a one-policy pass. */
int store_migrate_fewer_triggers(struct store *st, struct err *e)
{
    return store_schema_exec(
        st,
        "DROP TRIGGER IF EXISTS finding_params_insert;"
        "DROP TRIGGER IF EXISTS finding_params_update;"
        "DROP TRIGGER IF EXISTS finding_digest_update;"
        "CREATE TRIGGER finding_digest_update AFTER UPDATE OF"
        " member_id, policy, measure, kind, amount, reason, state, facts_changed_at ON finding"
        " BEGIN DELETE FROM finding_digest WHERE household_id = NEW.household_id; END;",
        e);
}
