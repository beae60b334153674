"""policy_pack_v2: schema version 2 on a version-1 database keeps every row
(a labour ability stays what it was; a new member without one stays NULL,
"not recorded"), journals shocks and rebuilt members like every input, and
`fupin explain` shows the labour force and, for every policy, the tests it
evaluated with their values, also when nothing applies; its facts give every
enumerated value in Chinese (已脱贫, 自然灾害…), its --json the code beside
the label."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

# The version-1 member table (labour defaulted to 'full'), without the
# shock table, the 两不愁 columns, version 3's money triggers, version 6's
# supervision records and version 7's measure columns: a database
# written before v2.
DOWNGRADE = """
DROP TRIGGER income_money_bounds_insert; DROP TRIGGER income_money_bounds_update;
DROP TRIGGER loan_money_bounds_insert; DROP TRIGGER loan_money_bounds_update;
DROP TRIGGER asset_share_money_bounds_insert; DROP TRIGGER asset_share_money_bounds_update;
DROP TRIGGER fund_application_money_bounds_insert; DROP TRIGGER fund_application_money_bounds_update;
DROP TABLE handbook; DROP TABLE town_team; DROP TABLE reduction_target;
ALTER TABLE fund_application DROP COLUMN use;
ALTER TABLE fund_application DROP COLUMN applied_at;
ALTER TABLE fund_application DROP COLUMN reviewed_at;
ALTER TABLE fund_application DROP COLUMN reviewed_by;
ALTER TABLE fund_application DROP COLUMN noticed_by;
ALTER TABLE fund_application DROP COLUMN approved_by;
ALTER TABLE fund_application DROP COLUMN filed_at;
ALTER TABLE fund_application DROP COLUMN filed_by;
ALTER TABLE fund_application DROP COLUMN completed_at;
ALTER TABLE fund_application DROP COLUMN published_at;
ALTER TABLE fund_application DROP COLUMN published_by;
DROP TABLE shock;
ALTER TABLE household DROP COLUMN wants_land_transfer;
ALTER TABLE household DROP COLUMN land_transferred_in;
ALTER TABLE household DROP COLUMN family_farm;
ALTER TABLE region DROP COLUMN credit_village;
ALTER TABLE household DROP COLUMN food_secure;
ALTER TABLE household DROP COLUMN clothing_secure;
DROP TABLE member;
CREATE TABLE member (
 id INTEGER PRIMARY KEY,
 household_id INTEGER NOT NULL REFERENCES household(id) ON DELETE CASCADE,
 name TEXT, id_number TEXT, relation TEXT, birth_date TEXT,
 labor TEXT NOT NULL DEFAULT 'full' CHECK (labor = 'full' OR labor = 'partial' OR labor = 'none'),
 health TEXT NOT NULL DEFAULT 'healthy', school_stage TEXT,
 medical_insured INT NOT NULL DEFAULT 0, critical_insured INT NOT NULL DEFAULT 0,
 pension_insured INT NOT NULL DEFAULT 0, employed INT NOT NULL DEFAULT 0,
 wants_job INT NOT NULL DEFAULT 0, skills INT NOT NULL DEFAULT 0);
CREATE INDEX member_household ON member(household_id);
CREATE TRIGGER journal_member_ins AFTER INSERT ON member BEGIN
 INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('member', NEW.rowid, NEW.household_id); END;
CREATE TRIGGER journal_member_upd AFTER UPDATE ON member BEGIN
 INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('member', NEW.rowid, NEW.household_id); END;
CREATE TRIGGER journal_member_del AFTER DELETE ON member BEGIN
 INSERT INTO engine_journal(tbl, row_id, household_id) VALUES ('member', OLD.rowid, OLD.household_id); END;
PRAGMA user_version = 1;
"""


def main():
    with Env(policies="real") as env:
        env.init()
        env.sql(DOWNGRADE)
        env.sql("INSERT INTO region(code, name, level) VALUES ('441602', '源城区', 'county'),"
                " ('441602001', '某镇', 'town'), ('441602001001', '某村', 'village');"
                "UPDATE region SET parent = '441602' WHERE code = '441602001';"
                "UPDATE region SET parent = '441602001' WHERE code = '441602001001';"
                "INSERT INTO household(id, village, head_name) VALUES (1, '441602001001', '张三');"
                "INSERT INTO member(id, household_id, name, birth_date, labor)"
                " VALUES (11, 1, '张三', '1946-03-01', 'partial');"
                "INSERT INTO member(id, household_id, name, birth_date) VALUES (12, 1, '李四', '1948-03-01');")
        assert env.scalar("PRAGMA user_version") == 1

        env.fupin("init")  # upgrades in place
        assert env.scalar("PRAGMA user_version") >= 2
        assert env.rows("SELECT id, labor FROM member ORDER BY id") == [(11, "partial"), (12, "full")]
        env.sql("INSERT INTO member(id, household_id, name, birth_date) VALUES (13, 1, '王五', '1980-01-01')")
        assert env.scalar("SELECT labor FROM member WHERE id = 13") is None, "labour must not default"
        mark = env.scalar("SELECT max(seq) FROM engine_journal")
        env.sql("UPDATE member SET labor = 'none' WHERE id = 11;"
                "INSERT INTO shock(household_id, kind, date, loss) VALUES (1, 'disaster', '2018-05-01', 3000)")
        journal = env.rows("SELECT tbl, household_id FROM engine_journal WHERE seq > ? ORDER BY seq", (mark,))
        assert journal == [("member", 1), ("shock", 1)], journal
        bad = env.fupin("init", check=False)
        assert bad.returncode == 0, bad.stderr
        env.sql("UPDATE member SET labor = 'full', birth_date = '1948-03-01' WHERE id = 12")

        # Labour of 王五 (37) is not recorded: no dibao assumed, a data task.
        r = env.fupin("explain", "1")
        log(r.stdout)
        assert "劳动力 0 人" in r.stdout, r.stdout
        assert "劳动能力未登记" in r.stdout, r.stdout
        assert "✗ 劳动能力已登记：劳动能力未登记 1 人" in r.stdout, r.stdout
        assert "data_quality" in r.stdout and "王五（成员 13）" in r.stdout, r.stdout
        # Alert kinds and measures in words, their codes beside.
        assert "督办提醒 户记录有误（data_quality），警告：" in r.stdout, r.stdout
        assert re.search(r"帮扶建议 [^ （]+（[a-z_]+）", r.stdout), r.stdout
        assert "变故 2018-05-01：自然灾害，损失 3000.00 元" in r.stdout, r.stdout

        # Recorded as none: nobody in the labour force -> dibao, and the why.
        env.sql("UPDATE member SET labor = 'none' WHERE id = 13")
        d = json.loads(env.fupin("explain", "1", "--json").stdout)
        social = [p for p in d["policies"] if p["policy"] == "social_security"][0]
        assert "dibao" in [f["measure"] for f in social["findings"]], social
        dibao = [f for f in social["findings"] if f["measure"] == "dibao"][0]
        assert dibao["measure_label"] not in ("", "dibao"), dibao
        alerts = [a for p in d["policies"] for a in p["alerts"]]
        assert any(a["kind"] == "no_cadre" and a["kind_label"] == "未落实帮扶责任人" for a in alerts), alerts
        tests = {t["label"]: t for t in social["tests"]}
        assert tests["无劳动力"]["ok"] is True and "劳动力 0 人" in tests["无劳动力"]["detail"], tests
        emp = [p for p in d["policies"] if p["policy"] == "employment"][0]
        assert emp["findings"] == [] and any(not t["ok"] for t in emp["tests"]), emp
        assert d["household"]["labor_force"] == 0 and d["household"]["food_secure"] is None
        assert d["household"]["shocks"][0]["kind"] == "disaster"
        assert d["household"]["shocks"][0]["kind_label"] == "自然灾害"
        assert d["household"]["status"] == "registered" and d["household"]["status_label"] == "建档立卡"
        labels = {(m["id"], m["labor"], m["labor_label"]) for m in d["household"]["members"]}
        assert (13, "none", "无劳动能力") in labels, labels
        # explain writes nothing.
        assert env.scalar("SELECT count(*) FROM finding") == 0

        # Staff read the facts: an exited household, a done task, an approved
        # fund and a sick member in the plan's words, never a database code.
        env.sql("UPDATE household SET status = 'exited', exited_at = '2018-12-01', housing_grade = 'C'"
                " WHERE id = 1;"
                "UPDATE member SET health = 'serious', school_stage = 'vocational' WHERE id = 13;"
                "INSERT INTO task(id, household_id, title, due, status, done_at)"
                " VALUES (21, 1, '危房改造', '2018-06-30', 'done', '2018-06-01');"
                "INSERT INTO fund_application(id, household_id, project, amount, status)"
                " VALUES (31, 1, '光伏', 5000, 'approved')")
        r = env.fupin("explain", "1")
        facts = r.stdout.split("\n\n")[0]
        log(facts)
        for want in ("状态 已脱贫", "住房等级 C 级", "健康 大病", "学段 中职", "无劳动能力",
                     "截止 2018-06-30，已完成", "5000.00 元，已批准", "自然灾害"):
            assert want in facts, (want, facts)
        codes = ("registered exited returned healthy chronic serious disabled preschool primary"
                 " junior senior vocational college open done cancelled applied reviewed noticed"
                 " approved rejected disaster illness accident job_loss full partial none").split()
        codes = [c for c in codes if re.search(r"\b%s\b" % c, facts)]
        assert codes == [], (codes, facts)
        d = json.loads(env.fupin("explain", "1", "--json").stdout)["household"]
        assert (d["status"], d["status_label"]) == ("exited", "已脱贫"), d
        m13 = [m for m in d["members"] if m["id"] == 13][0]
        assert (m13["health"], m13["health_label"]) == ("serious", "大病"), m13
        assert (m13["school_stage"], m13["school_stage_label"]) == ("vocational", "中职"), m13
        assert (d["housing_grade"], d["housing_grade_label"]) == ("C", "C 级"), d


if __name__ == "__main__":
    main()
