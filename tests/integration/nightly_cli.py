#!/usr/bin/env python3
"""nightly_cli.py - `fupin nightly` and `fupin alert` as staff use them:
exit codes for bad dates and ids, alert list filters and JSON, ack keeping
an alert quiet until it climbs, and one file-spooled digest per supervisor."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402

CONFIG = """database: fupin.db
policies: policies
escalation: {county_days: 7, city_days: 30}
channels:
  file: {dir: spool}
"""

CITY = """
INSERT INTO region(code, name, level, parent) VALUES
 ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),
 ('441602101', '埔前镇', 'town', '441602'), ('441602101001', '甲村', 'village', '441602101');
INSERT INTO supervisor(id, name, region, channel) VALUES
 (1, '市', '4416', 'file'), (2, '县', '441602', 'file'), (3, '镇', '441602101', 'file');
INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602101001');
INSERT INTO household(id, village) VALUES (1, '441602101001');
INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-06-01');
INSERT INTO task(id, household_id, cadre_id, title, due) VALUES (1, 1, 1, '培训', '2018-06-01');
INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files, publicity_board)
 VALUES ('441602101', 1, 1, 1, 1, 1, 1);
"""


def main():
    check = Checks()
    with Env(policies="none", config_text=CONFIG) as env:
        env.touch_db()

        def fupin(*args):
            return env.fupin(*args, check=False)

        r = fupin("nightly", "--date", "2018-02-30")
        check(r.returncode == 2 and "2018-02-30" in r.stderr, "nightly: impossible date -> exit 2")
        r = fupin("nightly", "--date")
        check(r.returncode == 2, "nightly: --date without a value -> exit 2")
        r = fupin("nightly", "--help")
        check(r.returncode == 0 and "--date" in r.stdout, "nightly --help")
        r = fupin("alert", "--help")
        check(r.returncode == 0 and "ack ID" in r.stdout, "alert --help")
        r = fupin("nightly", "--date", "2018-01-01")
        check(r.returncode == 0, "nightly on an empty city: " + r.stderr[-200:])

        con = env.connect()
        con.executescript(CITY)

        r = fupin("nightly", "--date", "2018-06-02")
        check(r.returncode == 0 and "汇总 1 份" in r.stdout and "成功 1 条" in r.stdout,
              "nightly: one digest, spooled: " + r.stdout.strip())
        r = fupin("alert", "list", "--open", "--json")
        alerts = json.loads(r.stdout) if r.returncode == 0 else []
        overdue = [a for a in alerts if a["kind"] == "task_overdue"]
        check(len(overdue) == 1 and overdue[0]["level"] == "town" and overdue[0]["supervisor_id"] == 3,
              "alert list --json: the overdue task at the town")
        r = fupin("alert", "list", "--level", "county")
        check(r.returncode == 0 and "task_overdue" not in r.stdout, "alert list --level county: not yet")
        r = fupin("alert", "list", "--level", "province")
        check(r.returncode == 2, "alert list --level province -> exit 2")
        r = fupin("alert", "list", "--kind", "task_overdue")
        check(r.returncode == 0 and "task:1" in r.stdout, "alert list --kind task_overdue (text)")

        aid = overdue[0]["id"] if overdue else 0
        r = fupin("alert", "ack", str(aid), "--by", "镇督查")
        check(r.returncode == 0, "alert ack ID")
        check(con.execute("SELECT state, acked_at IS NOT NULL FROM alert WHERE id = ?", (aid,)).fetchone()
              == ("acked", 1), "acked with acked_at")
        check(fupin("alert", "ack", "99999", "--by", "镇督查").returncode == 2, "alert ack unknown id -> exit 2")
        check(fupin("alert", "ack", "x1").returncode == 2, "alert ack non-number -> exit 2")
        check(fupin("alert", "frobnicate").returncode == 2, "alert unknown subcommand -> exit 2")

        before = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
        fupin("nightly", "--date", "2018-06-03")
        n = con.execute("SELECT count(*) FROM outbox WHERE payload LIKE '%\"task_id\":1,%'").fetchone()[0]
        check(n == 1, "acked alert not notified again at the same level")
        fupin("nightly", "--date", "2018-06-08")
        row = con.execute("SELECT level, escalations, state FROM alert WHERE id = ?", (aid,)).fetchone()
        check(row == ("county", 1, "acked"), f"climbs to the county while acked: {row}")
        n = con.execute("SELECT count(*) FROM outbox WHERE supervisor_id = 2"
                        " AND payload LIKE '%\"task_id\":1,%'").fetchone()[0]
        check(n == 1, "the county hears of it once it climbed")
        r = fupin("alert", "list", "--level", "county", "--open")
        check("帮扶任务逾期" in r.stdout, "alert list --level county --open shows it now (its kind in words)")

        con.execute("UPDATE task SET status = 'done' WHERE id = 1")
        fupin("nightly", "--date", "2018-06-09")
        r = fupin("alert", "list", "--open", "--json")
        check(r.returncode == 0 and not [a for a in json.loads(r.stdout) if a["kind"] == "task_overdue"],
              "done task: its alert is resolved")
        check(fupin("alert", "ack", str(aid), "--by", "镇督查").returncode == 2, "acking a resolved alert -> exit 2")
        spool = os.path.join(env.dir, "spool")
        lines = 0
        for name in os.listdir(spool):
            with open(os.path.join(spool, name), encoding="utf-8") as f:
                lines += len(f.read().splitlines())
        sent = con.execute("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0]
        check(lines == sent and sent >= before, f"every sent message is one spool line ({lines}/{sent})")
        con.close()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
