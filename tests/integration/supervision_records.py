#!/usr/bin/env python3
"""supervision_records.py - the records of 三(二)–(五) as the office enters
them and as supervisors read the result, through the real binary and the
shipped policies: a fund filed a day late, a handbook short of two
sections, a household without a cadre (one Chinese wording, whoever runs
last), a town team without its battle map and a town that missed its 2017
target; the database refuses a value outside a record's list, and a case
file naming one exits 2 with its file, line and field."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402

CITY = """
INSERT INTO region(code, name, level, parent) VALUES
 ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),
 ('441602101', '埔前镇', 'town', '441602'), ('441602101001', '甲村', 'village', '441602101');
INSERT INTO supervisor(id, name, region, channel) VALUES
 (1, '市督查组', '4416', 'file'), (2, '县督查组', '441602', 'file'), (3, '镇工作组', '441602101', 'file');
INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602101001');
INSERT INTO household(id, village, head_name, status, exited_at) VALUES
 (1, '441602101001', '张三', 'registered', NULL), (2, '441602101001', '王五', 'registered', NULL),
 (3, '441602101001', '赵六', 'exited', '2017-10-01');
INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01');
INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-20');
INSERT INTO handbook(household_id, cadre_id, section, updated_at) VALUES
 (1, 1, 'family', '2018-01-05'), (1, 1, 'cause', '2018-01-05'),
 (1, 1, 'measures', '2018-01-20'), (1, 1, 'plan', '2018-01-20');
INSERT INTO fund_application(id, household_id, cadre_id, project, amount, expected_return, status,
 use, applied_at, reviewed_at, reviewed_by, notice_from, notice_to, approved_at, approved_by,
 filed_at, filed_by) VALUES
 (7, 1, 1, '养鸡', 5000, 800, 'approved', 'industry', '2018-02-20', '2018-02-25', '镇工作组',
  '2018-03-01', '2018-03-07', '2018-03-08', '镇长', '2018-04-08', '镇工作组');
INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files, publicity_board,
 checked_at, checked_by) VALUES ('441602101', 1, 1, 1, 0, 1, 1, '2018-03-15', '县督查组');
INSERT INTO reduction_target(region, year, households, set_by) VALUES ('441602101', 2017, 2, '县');
"""

BAD_CASE = """policy: supervision
as_of: "2018-06-30"
cases:
  - name: a handbook section the plan does not know
    household:
      cadre_id: 3
      handbook: [{id: 1, section: diary}]
    expect: []
"""


def main():
    check = Checks()
    with Env(policies="real") as env:
        env.init()
        env.sql(CITY)
        con = env.connect()

        r = env.fupin("eval", "--all", check=False)
        check(r.returncode == 0, "eval --all", r.stderr[-400:])
        alerts = {k: m for k, m in con.execute(
            "SELECT kind, message FROM alert WHERE state = 'open' AND household_id IS NOT NULL")}
        check("第 31 天才备案" in alerts.get("fund_filing", ""),
              "a filing on the 31st day after approval is late", alerts.get("fund_filing"))
        check("“工作进度”、“帮扶成效”" in alerts.get("handbook_incomplete", ""),
              "the handbook's two missing sections", alerts.get("handbook_incomplete"))
        no_cadre = alerts.get("no_cadre", "")
        check("（甲村，建档立卡）未落实帮扶干部" in no_cadre and "registered" not in no_cadre,
              "no_cadre in Chinese, the status by its label", no_cadre)

        r = env.fupin("nightly", "--date", "2018-06-30", check=False)
        check(r.returncode == 0, "nightly", r.stderr[-400:])
        check(con.execute("SELECT message FROM alert WHERE kind = 'no_cadre'").fetchone()[0] == no_cadre,
              "the nightly leaves no_cadre's wording as the policy wrote it")
        row = con.execute("SELECT supervisor_id, level, message FROM alert"
                          " WHERE kind = 'town_team_incomplete' AND state = 'open'").fetchone()
        check(row is not None and row[0] == 2 and row[1] == "county" and "攻坚图" in row[2]
              and "宣传栏" not in row[2], "六有: the county hears the missing battle map", row)
        row = con.execute("SELECT supervisor_id, severity, message FROM alert"
                          " WHERE kind = 'reduction_missed' AND state = 'open'").fetchone()
        check(row is not None and row[0] == 2 and row[1] == "critical" and "约谈" in row[2]
              and "差 1 户" in row[2], "2017 missed by one: the county is asked to summon", row)

        # The database keeps to the lists; a case file names what is wrong.
        try:
            con.execute("INSERT INTO handbook(household_id, section) VALUES (1, 'diary')")
            refused = False
        except Exception:  # sqlite3.IntegrityError: the CHECK
            refused = True
        check(refused, "handbook: a section outside the list is refused")
        try:
            con.execute("INSERT INTO fund_application(household_id, project, amount, use)"
                        " VALUES (1, 'x', 1, 'gifts')")
            refused = False
        except Exception:
            refused = True
        check(refused, "fund_application: a use outside the list is refused")
        path = os.path.join(env.dir, "bad.yaml")
        env.write(path, BAD_CASE)
        r = env.fupin("test", path, check=False)
        check(r.returncode == 2 and "bad.yaml:7:" in r.stderr and "section" in r.stderr
              and "diary" in r.stderr, "fupin test: a bad section -> exit 2 naming it", r.stderr)
        con.close()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
