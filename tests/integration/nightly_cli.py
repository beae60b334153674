#!/usr/bin/env python3
"""nightly_cli.py - `fupin nightly` and `fupin alert` as staff use them:
exit codes for bad dates and ids, alert list filters and JSON, ack keeping
an alert quiet until it climbs, and one file-spooled digest per supervisor."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.environ.get("FUPIN_BIN", "build/fupin")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def main():
    tmp = tempfile.mkdtemp(prefix="fupin-alert-")
    os.mkdir(os.path.join(tmp, "policies"))
    cfg = os.path.join(tmp, "fupin.yaml")
    with open(cfg, "w") as f:
        f.write("database: fupin.db\npolicies: policies\n"
                "escalation: {county_days: 7, city_days: 30}\n"
                "channels:\n  file: {dir: spool}\n")
    db = os.path.join(tmp, "fupin.db")
    os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))

    def fupin(*args):
        return subprocess.run([BIN, "-c", cfg, *args], capture_output=True, text=True, timeout=60)

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

    con = sqlite3.connect(db)
    con.executescript("""
    INSERT INTO region(code, name, level, parent) VALUES
     ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),
     ('441602101', '埔前镇', 'town', '441602'), ('441602101001', '甲村', 'village', '441602101');
    INSERT INTO supervisor(id, name, region, channel) VALUES
     (1, '市', '4416', 'file'), (2, '县', '441602', 'file'), (3, '镇', '441602101', 'file');
    INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602101001');
    INSERT INTO household(id, village) VALUES (1, '441602101001');
    INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-06-01');
    INSERT INTO task(id, household_id, cadre_id, title, due) VALUES (1, 1, 1, '培训', '2018-06-01');
    """)
    con.commit()

    r = fupin("nightly", "--date", "2018-06-02")
    check(r.returncode == 0 and "1 digests" in r.stdout and "1 sent" in r.stdout,
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
    r = fupin("alert", "ack", str(aid))
    check(r.returncode == 0, "alert ack ID")
    check(con.execute("SELECT state, acked_at IS NOT NULL FROM alert WHERE id = ?", (aid,)).fetchone()
          == ("acked", 1), "acked with acked_at")
    check(fupin("alert", "ack", "99999").returncode == 2, "alert ack unknown id -> exit 2")
    check(fupin("alert", "ack", "x1").returncode == 2, "alert ack non-number -> exit 2")
    check(fupin("alert", "frobnicate").returncode == 2, "alert unknown subcommand -> exit 2")

    before = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    fupin("nightly", "--date", "2018-06-03")
    n = con.execute("SELECT count(*) FROM outbox WHERE payload LIKE '%\"task_id\":1,%'").fetchone()[0]
    check(n == 1, "acked alert not notified again at the same level")
    fupin("nightly", "--date", "2018-06-08")
    row = con.execute("SELECT level, escalations, state FROM alert WHERE id = ?", (aid,)).fetchone()
    check(row == ("county", 1, "acked"), f"climbs to the county while acked: {row}")
    n = con.execute("SELECT count(*) FROM outbox WHERE supervisor_id = 2 AND payload LIKE '%\"task_id\":1,%'").fetchone()[0]
    check(n == 1, "the county hears of it once it climbed")
    r = fupin("alert", "list", "--level", "county", "--open")
    check("task_overdue" in r.stdout, "alert list --level county --open shows it now")

    con.execute("UPDATE task SET status = 'done' WHERE id = 1")
    con.commit()
    fupin("nightly", "--date", "2018-06-09")
    r = fupin("alert", "list", "--open", "--json")
    check(r.returncode == 0 and not [a for a in json.loads(r.stdout) if a["kind"] == "task_overdue"],
          "done task: its alert is resolved")
    check(fupin("alert", "ack", str(aid)).returncode == 2, "acking a resolved alert -> exit 2")
    spool = os.path.join(tmp, "spool")
    lines = sum(len(open(os.path.join(spool, f)).read().splitlines()) for f in os.listdir(spool))
    sent = con.execute("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0]
    check(lines == sent and sent >= before, f"every sent message is one spool line ({lines}/{sent})")
    subprocess.run(["rm", "-rf", tmp])
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
