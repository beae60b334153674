"""preview_cli: `fupin preview` evaluates a candidate rule set over every
household without writing anything and reports what it would change. Its
counts equal what activating the same change does to a copy of the
database; the database is byte for byte unchanged; the JSON, HTML and xlsx
forms hold the same figures; a broken candidate and bad options exit 2."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, FIXTURE_POLICY, log  # noqa: E402

# The fixture policy with its income threshold as a param, so that a
# params file alone changes what it finds.
PARAM_POLICY = FIXTURE_POLICY.replace(
    "  params = {\n",
    "  params = {\n"
    "    fixture = { threshold = { type = \"number\", unit = \"yuan\", min = 0, max = 1e6,"
    " required = true, default = 3000 } },\n").replace(
    "pc < 3000 then", "pc < params.fixture.threshold then").replace(
    "amount = 3000 - pc,", "amount = params.fixture.threshold - pc,").replace(
    '" under 3000"', '" under " .. params.fixture.threshold')
assert PARAM_POLICY.count("params.fixture.threshold") == 3

EXTRA_POLICY = '''return {
  name = "extra",
  title = "a policy the candidate adds",
  measures = { "visit" },
  evaluate = function(household, out, params)
    out:flag{ measure = "visit", reason = "every household is visited" }
  end,
}
'''

BROKEN_POLICY = '''return {
  name = "broken",
  evaluate = function(household, out, params)
    if then
  end,
}
'''


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


READ_XLSX = ("import json, sys, openpyxl\n"
             "ws = openpyxl.load_workbook(sys.argv[1], read_only=True).active\n"
             "print(json.dumps([list(r) for r in ws.iter_rows(values_only=True)], default=str))\n")


def read_xlsx(path):
    """The first sheet's rows, through openpyxl, in this Python or the
    system's (where the Debian package installs it); None without it."""
    for python in (sys.executable, "/usr/bin/python3"):
        if not os.path.exists(python):
            continue
        r = subprocess.run([python, "-c", READ_XLSX, path], capture_output=True, text=True)
        if r.returncode == 0:
            return json.loads(r.stdout)
    return None


def table_diff(before, after):
    """What an activation did, from the finding table before and after:
    rows keyed by household, member, policy, measure."""
    def live(rows):
        return {r[:4]: r for r in rows if r[4] != "withdrawn"}
    b, a = live(before), live(after)
    added = sum(1 for k in a if k not in b)
    withdrawn = sum(1 for k in b if k not in a)
    changed = sum(1 for k in a if k in b and (a[k][5], a[k][6]) != (b[k][5], b[k][6]))
    return {"added": added, "withdrawn": withdrawn, "changed": changed}


def main():
    check = Checks()
    with Env() as env:
        env.write(os.path.join(env.policies, "fixture.lua"), PARAM_POLICY)
        env.init()
        env.seed(households=40)
        # Household 7's income_support is among the examples (the first
        # households of each kind are).
        env.sql("UPDATE household SET head_name = '<script>alert(1)</script> 441602198001010011'"
                " WHERE id = 7")
        env.fupin("eval", "--all")
        support = env.rows("SELECT household_id, amount FROM finding"
                           " WHERE measure = 'income_support' AND state = 'open'")
        check(len(support) > 5, "the seeded city has income_support findings (%d)" % len(support))

        # Nothing written: the file, its mtime and the findings stay as they were.
        db_hash, db_mtime = digest(env.db), os.stat(env.db).st_mtime_ns
        findings_before = env.findings()
        watch = env.connect()  # its data_version moves when another connection commits
        version = watch.execute("PRAGMA data_version").fetchone()[0]

        # 1. A params change: the threshold 3000 -> 2000 withdraws every
        # income_support whose amount was 1000 or less, changes the others.
        params = os.path.join(env.dir, "candidate.yaml")
        env.write(params, "params:\n  fixture:\n    threshold: 2000\n")
        r = env.fupin("preview", "--params", params, "--format", "json")
        rep = json.loads(r.stdout)
        expect_withdrawn = sum(1 for _, a in support if a <= 1000)
        expect_changed = len(support) - expect_withdrawn
        check(rep["totals"]["withdrawn"] == expect_withdrawn,
              "params change: withdrawn = %d" % expect_withdrawn, json.dumps(rep["totals"]))
        check(rep["totals"]["changed"] == expect_changed,
              "params change: changed = %d" % expect_changed, json.dumps(rep["totals"]))
        check(rep["totals"]["added"] == 0, "params change: nothing added")
        check(rep["households"] == 40, "every household evaluated")
        fx = [p for p in rep["policies"] if p["policy"] == "fixture"]
        check(len(fx) == 1 and any(m["measure"] == "income_support" and m["withdrawn"] == expect_withdrawn
                                   for m in fx[0]["measures"]),
              "per policy and measure", json.dumps(rep["policies"]))
        towns = [t for c in rep["regions"] for t in c["towns"]]
        check(rep["regions"] and rep["regions"][0]["county"] == "441602"
              and rep["regions"][0]["name"] == "源城区" and towns[0]["name"] == "东埔镇"
              and sum(t["withdrawn"] for t in towns) == expect_withdrawn,
              "per county and town", json.dumps(rep["regions"]))
        money_before = sum(a for _, a in support)
        fx_support = [m for m in fx[0]["measures"] if m["measure"] == "income_support"][0]
        check(abs(fx_support["amount_before"] - money_before) < 0.01,
              "money before = the stored amounts", json.dumps(fx_support))
        check(abs(fx_support["amount_after"] - sum(a - 1000 for _, a in support if a > 1000)) < 0.01,
              "money after = the candidate's amounts", json.dumps(fx_support))
        ex = rep["examples"]["withdrawn"]
        check(0 < len(ex) <= 5 and ex[0]["reason_before"] and ex[0]["reason_after"] is None,
              "examples of withdrawn findings with the reason before", json.dumps(ex))

        check(digest(env.db) == db_hash and os.stat(env.db).st_mtime_ns == db_mtime,
              "the database file is byte for byte unchanged")
        check(env.findings() == findings_before, "the finding table is unchanged")
        check(watch.execute("PRAGMA data_version").fetchone()[0] == version,
              "no commit: PRAGMA data_version unchanged")
        watch.close()

        # The same change activated on a copy does exactly what the preview said.
        copy = os.path.join(env.dir, "copy.db")
        env.copy_db(copy)
        cfg = env.config_for(copy)
        with open(cfg, encoding="utf-8") as f:
            text = f.read()
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(text.replace("\nparams:\n", "\nparams:\n  fixture:\n    threshold: 2000\n", 1))
        before = env.findings(copy)
        env.fupin("eval", "--all", config=cfg)
        did = table_diff(before, env.findings(copy))
        check(did == {k: rep["totals"][k] for k in ("added", "withdrawn", "changed")},
              "the preview's counts equal what activation did", "%s vs %s" % (did, rep["totals"]))

        # 2. An added policy shows its adds, one per household.
        cand = os.path.join(env.dir, "cand")
        shutil.copytree(env.policies, cand)
        env.write(os.path.join(cand, "extra.lua"), EXTRA_POLICY)
        rep = json.loads(env.fupin("preview", "--policies", cand, "--format", "json").stdout)
        extra = [p for p in rep["policies"] if p["policy"] == "extra"]
        check(rep["totals"] == {**rep["totals"], "added": 40, "withdrawn": 0, "changed": 0}
              and extra and extra[0]["added"] == 40,
              "an added policy: 40 added", json.dumps(rep["totals"]))

        # A candidate that fails on every household: its findings are kept
        # (as reconciliation keeps them), the failure named with its line.
        failing = os.path.join(env.dir, "failing")
        os.makedirs(failing)
        env.write(os.path.join(failing, "fixture.lua"),
                  PARAM_POLICY.replace("local year = fp.latest_income_year(household)",
                                       'error("no figures")\n    local year = nil'))
        r = env.fupin("preview", "--policies", failing, "--format", "json", check=False)
        rep = json.loads(r.stdout) if r.returncode == 0 else {}
        fx = [p for p in rep.get("policies", []) if p["policy"] == "fixture"]
        check(r.returncode == 0 and rep["totals"]["withdrawn"] == 0 and fx and fx[0].get("errors") == 40
              and "fixture.lua:" in fx[0].get("error", "") and "no figures" in fx[0]["error"],
              "a failing policy: findings kept, failures counted with the first message",
              r.stdout[:2000] + r.stderr)

        # 3. Decided findings: an accepted finding the change would withdraw is
        # listed, not counted as withdrawn (reconciliation keeps it).
        small = min(support, key=lambda r: r[1])
        env.sql("UPDATE finding SET state = 'accepted' WHERE household_id = %d"
                " AND measure = 'income_support'" % small[0])
        db_hash = digest(env.db)
        rep = json.loads(env.fupin("preview", "--params", params, "--format", "json").stdout)
        check(rep["totals"]["withdrawn"] == expect_withdrawn - 1 and rep["decided_total"] == 1
              and rep["decided"][0]["household"] == small[0]
              and rep["decided"][0]["state"] == "accepted",
              "an accepted finding is listed as affected", json.dumps(rep["decided"]))

        # 4. Text (Chinese by default) and HTML: escaped, IDs masked, self-contained.
        r = env.fupin("preview", "--params", params)
        check("441602198001010011" not in r.stdout, "text: resident ID masked")
        check("合计：" in r.stdout and "东埔镇" in r.stdout, "text: Chinese by default, places named",
              r.stdout)
        html = os.path.join(env.dir, "preview.html")
        env.fupin("preview", "--params", params, "--format", "html", "--output", html)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        check("<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page,
              "html: a head_name with <script> is escaped")
        check("441602198001010011" not in page and "441602********0011" in page,
              "html: resident ID masked")
        check("http://" not in page and "https://" not in page and "src=" not in page,
              "html: no external resources")
        check(oct(os.stat(html).st_mode & 0o777) == "0o600", "html: written mode 0600")

        # 5. xlsx, read back.
        xlsx = os.path.join(env.dir, "preview.xlsx")
        env.fupin("preview", "--params", params, "--format", "xlsx", "--output", xlsx)
        rows = read_xlsx(xlsx)
        if rows is None:
            log("SKIP xlsx read-back: python3-openpyxl is not installed")
        else:
            check(len(rows) > 3 and rows[1][4] == expect_withdrawn - 1,
                  "xlsx: the totals row holds the withdrawn count", repr(rows[:3]))
            check(not any("441602198001010011" in str(c) for row in rows for c in row),
                  "xlsx: resident ID masked")
        check(digest(env.db) == db_hash, "no preview wrote to the database")

        # 6. Broken candidates and bad input: exit 2, naming what is wrong.
        bad = os.path.join(env.dir, "bad")
        shutil.copytree(env.policies, bad)
        env.write(os.path.join(bad, "broken.lua"), BROKEN_POLICY)
        r = env.fupin("preview", "--policies", bad, check=False)
        check(r.returncode == 2 and "broken.lua:4" in r.stderr,
              "a broken policy: exit 2 naming file:line", r.stderr)
        badp = os.path.join(env.dir, "bad.yaml")
        env.write(badp, "params:\n  fixture:\n    threshold: -5\n")
        r = env.fupin("preview", "--params", badp, check=False)
        check(r.returncode == 2 and "bad.yaml:3" in r.stderr,
              "a param out of range: exit 2 naming file:line", r.stderr)
        env.write(badp, "database: x.db\nparams: {}\n")
        r = env.fupin("preview", "--params", badp, check=False)
        check(r.returncode == 2 and "bad.yaml:1" in r.stderr,
              "a params file with other keys: exit 2", r.stderr)
        for args, what in ((["--params", os.path.join(env.dir, "missing.yaml")], "missing params file"),
                           (["--policies", os.path.join(env.dir, "nowhere")], "missing policy folder"),
                           (["--format", "pdf"], "unknown format"),
                           (["--bogus"], "unknown option"),
                           (["--output"], "option without its value")):
            r = env.fupin("preview", *args, check=False)
            check(r.returncode == 2 and r.stderr.strip(), "%s: exit 2" % what, r.stderr)
        check(digest(env.db) == db_hash, "failed previews wrote nothing")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
