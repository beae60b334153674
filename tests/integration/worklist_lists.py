"""worklist_lists: `fupin findings list` and `fupin alert list` - every
filter (--region takes in everything below the region through
region.parent, also when codes do not nest; --cadre; --policy; --measure;
--state; --since; --kind/--level/--open) and every format (the terminal's
table, JSON, CSV with BOM, xlsx read back with openpyxl: Chinese headers,
frozen header row, widths, row counts), resident IDs masked and formulas
written as text in all of them, xlsx refused on a terminal, exit 2 for every
bad option, and schema version 4 keeping a version-3 database's rows."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BIN, Checks, Env, read_xlsx, run_on_tty  # noqa: E402

ID = "441602198001010011"
MASKED = "441602********0011"
FORMULA = '=HYPERLINK("http://example.org","点我")'

# A second town whose codes do not start with its county's: --region must
# follow region.parent, not the code's prefix.
EXTRA = f"""
INSERT INTO region(code, name, level, parent) VALUES ('T2', '新镇', 'town', '441602');
INSERT INTO region(code, name, level, parent) VALUES ('V2X', '新村', 'village', 'T2');
INSERT INTO household(id, village, head_name, housing_grade) VALUES (21, 'V2X', '王五 {ID}', 'D');
INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (2100, 21, '王五', '1950-01-01', 'none');
INSERT INTO income(household_id, year, wage) VALUES (21, 2017, 100);
UPDATE household SET head_name = '{FORMULA.replace("'", "''")}' WHERE id = 3;
INSERT INTO cadre(id, name, region) VALUES (1, '张干部', '441602001'), (2, '李干部', 'T2');
INSERT INTO pairing(household_id, cadre_id) VALUES (1, 1), (3, 1), (21, 2);
INSERT INTO task(id, household_id, cadre_id, measure, title, due) VALUES (1, 3, 1, 'house_repair', '修房', '2018-05-01');
INSERT INTO alert(id, kind, severity, household_id, region, level, message, state, opened_at, last_seen_at, subject)
 VALUES (1, 'no_cadre', 'warning', 5, '441602001', 'town', '5 户未落实帮扶责任人', 'open', '2018-06-01 00:00:00', '2018-06-01 00:00:00', 'household:5'),
        (2, 'no_visit', 'info', 21, 'T2', 'town', '身份证 {ID} 有误', 'open', '2018-06-20 00:00:00', '2018-06-20 00:00:00', 'household:21'),
        (3, 'task_overdue', 'critical', 3, '441602', 'county', '任务逾期', 'acked', '2018-05-10 00:00:00', '2018-06-29 00:00:00', 'task:1'),
        (4, 'policy_error', 'critical', NULL, '441600', 'city', '{FORMULA.replace("'", "''")}', 'resolved', '2018-04-01 00:00:00', '2018-04-01 00:00:00', 'policy:x');
UPDATE alert SET task_id = 1 WHERE id = 3;
"""


def main():
    check = Checks()
    with Env() as env:
        env.init()
        env.seed(20)
        env.sql(EXTRA)
        env.fupin("eval", "--all")

        def fl(*args, **kw):
            return env.fupin("findings", "list", *args, check=False, **kw)

        def js(*args):
            r = fl("--format", "json", *args)
            return json.loads(r.stdout) if r.returncode == 0 else None

        def count(where="1"):
            return env.scalar("SELECT count(*) FROM finding f JOIN household h ON h.id = f.household_id"
                              " WHERE f.state <> 'withdrawn' AND " + where)

        # ---- findings list: formats ----
        every = js()
        check(every is not None and len(every) == count(), f"json: every live finding ({count()})")
        keys = ["id", "household_id", "head_name", "town", "village", "cadre_id", "cadre", "policy",
                "measure", "kind", "member_id", "amount", "state", "facts_changed", "decided_by",
                "decided_at", "decision_note", "task_id", "due", "updated_at", "reason"]
        check(every and list(every[0].keys()) == keys, "json: stable keys in order", str(every and every[0]))
        check(every and all(isinstance(f["id"], int) and f["kind"] in ("recommend", "flag") for f in every),
              "json: ids are numbers, kinds are codes")
        r = fl()
        lines = r.stdout.splitlines()
        check(r.returncode == 0 and lines[0].split()[:3] == ["编号", "户编号", "户主"],
              "table: Chinese headers by default", r.stdout[:300])
        check(len(lines) == count() + 1, f"table: header and {count()} rows", str(len(lines)))
        check(MASKED in fl().stdout and ID not in fl().stdout, "table: the resident ID is masked")

        r = fl("--format", "csv")
        check(r.returncode == 0 and r.stdout.startswith("\ufeff"), "csv: UTF-8 with BOM")
        rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
        check(rows[0][:3] == ["编号", "户编号", "户主"] and len(rows) == count() + 1,
              f"csv: Chinese header and {count()} rows", str(rows[0]))
        heads = {row[2] for row in rows[1:]}
        check("'" + FORMULA in heads and FORMULA not in heads, "csv: a formula-like name is text ('=...)")
        check(ID not in r.stdout and ("王五 " + MASKED) in heads, "csv: the resident ID is masked")

        xlsx = os.path.join(env.dir, "findings.xlsx")
        r = fl("--format", "xlsx", "--output", xlsx)
        check(r.returncode == 0 and r.stdout == "" and os.stat(xlsx).st_mode & 0o777 == 0o600,
              "xlsx --output: written, 0600, nothing on stdout", r.stderr)
        book = read_xlsx(xlsx)
        sheet = book[0]
        check(len(book) == 1 and sheet["name"] == "认定结果", "xlsx: one sheet, named in Chinese", str([s["name"] for s in book]))
        check(sheet["rows"][0][:4] == ["编号", "户编号", "户主", "镇"], "xlsx: Chinese headers", str(sheet["rows"][0]))
        check(len(sheet["rows"]) == count() + 1, f"xlsx: header and {count()} rows")
        check(sheet["freeze"] == "A2", "xlsx: the header row is frozen", str(sheet["freeze"]))
        widths = sheet["widths"]
        check(widths.get("C", 0) >= len("王五 " + MASKED) and widths.get("A", 99) < 15,
              "xlsx: widths fit the columns", str(widths))
        cells = [(v, t) for row, types in zip(sheet["rows"], sheet["types"]) for v, t in zip(row, types)]
        check((FORMULA, "s") in cells and not any(t == "f" for _, t in cells),
              "xlsx: the formula-like name is a text cell, no formula anywhere")
        check(not any(ID in str(v) for v, _ in cells), "xlsx: the resident ID is masked")
        check(all(isinstance(row[0], int) for row in sheet["rows"][1:]), "xlsx: ids are numbers")

        with open(os.path.join(env.dir, "piped.xlsx"), "wb") as out:
            import subprocess
            p = subprocess.run([BIN, "-c", env.config, "findings", "list", "--format", "xlsx"], stdout=out,
                               stderr=subprocess.PIPE, env=env.env())
        check(p.returncode == 0 and len(read_xlsx(os.path.join(env.dir, "piped.xlsx"))[0]["rows"]) == count() + 1,
              "xlsx to a pipe (not a terminal): the same workbook")
        rc, out, err = run_on_tty([BIN, "-c", env.config, "findings", "list", "--format", "xlsx"], env=env.env())
        check(rc == 2 and "--output" in err and out == "", "xlsx to a terminal: refused, exit 2", err)
        rc, out, err = run_on_tty([BIN, "-c", env.config, "findings", "list"], env=env.env())
        check(rc == 0 and "户主" in out, "table to a terminal", err)

        # ---- findings list: filters ----
        odd = js("--region", "441602001001")
        check(odd is not None and odd and all(f["household_id"] % 2 == 1 and f["household_id"] != 21 for f in odd)
              and len(odd) == count("h.village = '441602001001'"), "--region VILLAGE: its households only")
        town = js("--region", "441602001")
        check(town is not None and len(town) == count("h.village LIKE '441602001%'"), "--region TOWN: both villages")
        county = js("--region", "441602")
        check(county is not None and len(county) == count(), "--region COUNTY: everything below, T2 included")
        t2 = js("--region", "T2")
        check(t2 is not None and t2 and {f["household_id"] for f in t2} == {21}
              and t2[0]["town"] == "新镇" and t2[0]["village"] == "新村",
              "--region follows region.parent (codes that do not nest)")
        check(fl("--region", "4416029").returncode == 2 and "4416029" in fl("--region", "4416029").stderr,
              "--region unknown -> exit 2 naming it")
        c1 = js("--cadre", "1")
        check(c1 is not None and {f["household_id"] for f in c1} == {1, 3} and all(f["cadre"] == "张干部" for f in c1),
              "--cadre: the cadre's households")
        check(fl("--cadre", "99").returncode == 2, "--cadre unknown -> exit 2")
        check(fl("--cadre", "x1").returncode == 2, "--cadre not a number -> exit 2")
        check(len(js("--policy", "fixture")) == count(), "--policy")
        # A filter that can only list nothing is a typo: exit 2 naming it.
        r = fl("--policy", "nope")
        check(r.returncode == 2 and "未知的政策规则“nope”" in r.stderr and r.stdout == "",
              "--policy unknown -> exit 2 naming it (Chinese)", r.stderr)
        r = fl("--measure", "house_repairs")
        check(r.returncode == 2 and "未知的帮扶措施“house_repairs”" in r.stderr,
              "--measure unknown -> exit 2 naming it", r.stderr)
        r = fl("--measure", ID)
        check(r.returncode == 2 and ID not in r.stderr and MASKED in r.stderr,
              "--measure echoes a typed ID masked", r.stderr)
        # The fixture policy's own measures are known, with findings or not.
        for m in ("no_labour", "income_support", "house_repair"):
            r = fl("--measure", m)
            check(r.returncode == 0, "--measure %s of the fixture's catalogue" % m, r.stderr)
        first, was = env.row("SELECT id, measure FROM finding ORDER BY id LIMIT 1")
        env.sql("UPDATE finding SET measure = 'old_measure' WHERE id = %d" % first)
        check(js("--measure", "old_measure") is not None, "--measure of a stored finding only")
        env.sql("UPDATE finding SET measure = '%s' WHERE id = %d" % (was, first))
        repair = js("--measure", "house_repair")
        check(repair and len(repair) == count("f.measure = 'house_repair'") and
              all(f["measure"] == "house_repair" for f in repair), "--measure")
        check(js("--state", "accepted") == [] and len(js("--state", "open")) == count(), "--state")
        check(fl("--state", "done").returncode == 2, "--state unknown -> exit 2")
        check(len(js("--since", "2000-01-01")) == count() and js("--since", "2999-01-01") == [], "--since")
        check(fl("--since", "2018-02-30").returncode == 2, "--since impossible date -> exit 2")
        mixed = js("--region", "441602001", "--measure", "income_support", "--cadre", "1")
        check(mixed is not None and {f["household_id"] for f in mixed} <= {1, 3} and
              all(f["measure"] == "income_support" for f in mixed), "filters combine")

        for bad in (["--format", "pdf"], ["--format"], ["--output", ""], ["--bogus"], ["--region"]):
            r = fl(*bad)
            check(r.returncode == 2 and r.stderr, "findings list %s -> exit 2" % " ".join(bad), r.stderr)
        r = fl("--format", "csv", "--output", os.path.join(env.dir, "no", "such", "dir.csv"))
        check(r.returncode == 2 and "dir.csv" in r.stderr, "--output in a missing folder -> exit 2", r.stderr)
        check(env.fupin("findings", check=False).returncode == 2, "findings without list -> exit 2")
        r = env.fupin("findings", "--help", check=False)
        check(r.returncode == 0 and "--region" in r.stdout, "findings --help")

        # ---- alert list ----
        def al(*args):
            r = env.fupin("alert", "list", "--format", "json", *args, check=False)
            return sorted(a["id"] for a in json.loads(r.stdout)) if r.returncode == 0 else None

        check(al() == [1, 2, 3, 4], "alert list: all four")
        check(al("--region", "441602001") == [1, 3], "alert --region TOWN: routed there or about its households")
        check(al("--region", "441602001002") == [], "alert --region VILLAGE without alerts")
        check(al("--region", "441602001001") == [1, 3], "alert --region VILLAGE: its households' alerts, also escalated")
        check(al("--region", "T2") == [2], "alert --region follows region.parent")
        check(al("--region", "441600") == [1, 2, 3, 4], "alert --region CITY: everything")
        check(al("--cadre", "1") == [3], "alert --cadre: its households and tasks")
        check(al("--cadre", "2") == [2], "alert --cadre 2")
        check(al("--since", "2018-06-01") == [1, 2], "alert --since: opened on or after")
        # --since is a day on Beijing's calendar: 20:00 UTC on the 19th is
        # 04:00 on the 20th there.
        env.sql("UPDATE alert SET opened_at = '2018-06-19 20:00:00' WHERE id = 2")
        check(al("--since", "2018-06-20") == [2], "alert --since: a day of the offices' zone")
        check(al("--since", "2018-06-21") == [], "alert --since: the next day leaves it out")
        env.sql("UPDATE alert SET opened_at = '2018-06-20 00:00:00' WHERE id = 2")
        check(al("--open", "--region", "441602") == [1, 2, 3], "alert --open with --region")
        check(al("--kind", "no_cadre", "--level", "town") == [1], "alert --kind --level")
        check(al("--kind", "reduction_missed") == [], "alert --kind fupin raises, none stored")
        r = env.fupin("alert", "list", "--kind", "no_cadres", check=False)
        check(r.returncode == 2 and "未知的督办提醒类型“no_cadres”" in r.stderr,
              "alert --kind unknown -> exit 2 naming it", r.stderr)
        check("no_cadre（未落实帮扶责任人）、" in r.stderr, "alert --kind unknown: the kinds listed in words",
              r.stderr)
        r1 = env.fupin("alert", "list", "--json")
        r2 = env.fupin("alert", "list", "--format", "json")
        check(r1.stdout == r2.stdout, "--json is --format json")
        check([x["household_id"] for x in json.loads(r1.stdout) if x["id"] == 4] == [0],
              "alert json: household_id 0 for none, as before")
        a = json.loads(r1.stdout)
        check(all(MASKED in x["message"] for x in a if x["id"] == 2) and ID not in r1.stdout,
              "alert json: the ID is masked")
        check(set(["acked_by", "ack_note", "supervisor_id", "escalations"]) <= set(a[0].keys()),
              "alert json: the old keys and the new")
        for bad in (["--region", "nowhere"], ["--cadre", "77"], ["--since", "yesterday"], ["--format", "doc"],
                    ["--level", "province"]):
            r = env.fupin("alert", "list", *bad, check=False)
            check(r.returncode == 2, "alert list %s -> exit 2" % " ".join(bad), r.stderr)
        r = env.fupin("alert", "list", "--format", "csv")
        rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
        check(r.stdout.startswith("\ufeff") and rows[0][0] == "编号" and len(rows) == 5, "alert csv", str(rows[:2]))
        check(any(row[-1] == "'" + FORMULA for row in rows), "alert csv: a formula-like message is text")
        # Times: stored in UTC; people's formats show Beijing time (the
        # config's schedule.timezone), JSON what is stored.
        opened = rows[0].index("发出时间")
        check([row[opened] for row in rows if row[0] == "1"] == ["2018-06-01 08:00:00"],
              "alert csv: opened at in the offices' zone", str(rows[:2]))
        check([x["opened_at"] for x in a if x["id"] == 1] == ["2018-06-01 00:00:00"],
              "alert json: opened_at as stored (UTC)")
        xa = os.path.join(env.dir, "alerts.xlsx")
        env.fupin("alert", "list", "--open", "--format", "xlsx", "--output", xa)
        sheet = read_xlsx(xa)[0]
        check(sheet["name"] == "督办提醒" and sheet["rows"][0][0] == "编号" and len(sheet["rows"]) == 4
              and sheet["freeze"] == "A2", "alert xlsx: Chinese, header and 3 open alerts, frozen",
              str(sheet["rows"][:1]))
        r = env.fupin("alert", "list", "--region", "441602001")
        check(r.returncode == 0 and "状态" in r.stdout.splitlines()[0] and len(r.stdout.splitlines()) == 3,
              "alert table: Chinese header and 2 rows", r.stdout)

    # ---- schema version 4 on a version-3 database ----
    with Env() as env:
        env.init()
        env.seed(2)
        env.fupin("eval", "--all")
        env.sql("ALTER TABLE finding DROP COLUMN decided_by; ALTER TABLE finding DROP COLUMN decided_at;"
                "ALTER TABLE finding DROP COLUMN decision_note; ALTER TABLE finding DROP COLUMN task_id;"
                "ALTER TABLE alert DROP COLUMN acked_by; ALTER TABLE alert DROP COLUMN ack_note;"
                "INSERT INTO alert(kind, severity, household_id, message, state, opened_at, last_seen_at, subject,"
                " acked_at) VALUES ('no_cadre', 'warning', 1, 'm', 'acked', '2018-01-01', '2018-01-01',"
                " 'household:1', '2018-01-02 00:00:00');"
                "UPDATE finding SET state = 'accepted' WHERE id = 1;"
                "PRAGMA user_version = 3;")
        before = env.rows("SELECT id, state, reason FROM finding ORDER BY id")
        r = env.fupin("findings", "list", check=False)
        check(r.returncode != 0, "a version-3 database is not listed read-only before it is upgraded")
        env.fupin("init")
        check(env.scalar("PRAGMA user_version") >= 4, "upgraded past version 3")
        check(env.rows("SELECT id, state, reason FROM finding ORDER BY id") == before, "findings kept")
        check(env.row("SELECT state, acked_at, acked_by FROM alert") == ("acked", "2018-01-02 00:00:00", None),
              "the acked alert kept, with nobody recorded")
        got = json.loads(env.fupin("findings", "list", "--format", "json").stdout)
        check(len(got) == len(before) and got[0]["state"] == "accepted" and got[0]["decided_by"] is None,
              "listed after the upgrade")
        r = env.fupin("alert", "ack", "1", "--by", "王主任", check=False)
        check(r.returncode == 0 and "2018-01-02" in r.stdout, "acking an alert acked before v4 says when", r.stdout)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
