#!/usr/bin/env python3
"""plugins_daemon.py - the four C plugins through the real binary: a temporary
config and database (`fupin init`), households written with sqlite3 the way
an outside program would, `fupin eval --household ID --json`, and the plugin
findings the engine stored in the finding table compared with the expected
ones (and with what it printed)."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

SRC = os.environ.get("FUPIN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("FUPIN_BIN", os.path.join(SRC, "build", "fupin"))
PLUGINS = os.environ.get("FUPIN_PLUGIN_DIR", os.path.join(SRC, "build", "plugins"))
PLUGIN_AREAS = ("education", "medical", "housing", "credit")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what, file=sys.stderr)


def make_config(tmp):
    """The shipped config with its paths pointed into tmp (the database) and
    the source tree (Lua policies, which run alongside and are ignored here).
    engine.as_of stays 2018-06-30."""
    with open(os.path.join(SRC, "configs", "fupin.yaml"), encoding="utf-8") as f:
        text = f.read()
    os.makedirs(os.path.join(tmp, "spool"))
    repl = {
        "database": os.path.join(tmp, "fupin.db"),
        "policies": os.path.join(SRC, "policies"),
        "lua": os.path.join(SRC, "lua"),
        "policy_tests": os.path.join(SRC, "tests", "policies"),
    }
    for key, value in repl.items():
        text, n = re.subn(r"(?m)^%s: .*$" % key, '%s: "%s"' % (key, value), text)
        if n != 1:
            raise SystemExit("config template: no top-level %s" % key)
    text, n = re.subn(r"(?m)^  dir: \.\./build/plugins$", '  dir: "%s"' % PLUGINS, text)
    text, m = re.subn(r"(?m)^    dir: \.\./var/spool$", '    dir: "%s"' % os.path.join(tmp, "spool"), text)
    if n != 1 or m != 1:
        raise SystemExit("config template: plugin or spool dir not found")
    if "as_of: \"2018-06-30\"" not in text:
        raise SystemExit("config template: engine.as_of is no longer 2018-06-30")
    path = os.path.join(tmp, "fupin.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def fupin(cfg, *args):
    p = subprocess.run([BIN, "-c", cfg] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def populate(db):
    con = sqlite3.connect(db)
    con.execute("PRAGMA foreign_keys = ON")
    con.executescript(
        """
        INSERT INTO region(code, name, level) VALUES ('4416', '河源市', 'city');
        INSERT INTO region(code, name, level, parent) VALUES ('441602', '源城区', 'county', '4416');
        INSERT INTO region(code, name, level, parent) VALUES ('441602001', '某镇', 'town', '441602');
        INSERT INTO region(code, name, level, parent) VALUES ('441602001001', '某村', 'village', '441602001');

        -- 1: a D-graded house without tap water, not rated, wants to farm;
        -- a chronically ill uninsured spouse, three children.
        INSERT INTO household(id, village, head_name, status, housing_grade, housing_renovated,
                              tap_water, wants_industry, credit_rating)
          VALUES (1, '441602001001', '李大', 'registered', 'D', 0, 0, 1, NULL);
        INSERT INTO member(id, household_id, name, relation, birth_date, labor, health, school_stage, medical_insured)
          VALUES (101, 1, '李大', 'head', '1980-05-01', 'full', 'healthy', NULL, 1),
                 (102, 1, '王芳', 'spouse', '1982-02-01', 'partial', 'chronic', NULL, 0),
                 (103, 1, '李小明', 'child', '2009-03-01', 'none', 'healthy', 'primary', 1),
                 (104, 1, '李高', 'child', '2001-03-01', 'none', 'healthy', 'senior', 1),
                 (105, 1, '李辍', 'child', '2008-01-01', 'none', 'healthy', NULL, 1);
        INSERT INTO income(household_id, year, wage, production) VALUES (1, 2017, 6000, 2000);

        -- 2: rated, safe house with tap water, a current loan that breaks
        -- the terms (60,000 for 48 months with a guarantor).
        INSERT INTO household(id, village, head_name, status, housing_grade, tap_water, has_project, credit_rating)
          VALUES (2, '441602001001', '赵二', 'registered', 'A', 1, 1, 'A');
        INSERT INTO member(id, household_id, name, relation, birth_date, labor, health, medical_insured)
          VALUES (201, 2, '赵二', 'head', '1975-01-01', 'full', 'serious', 1);
        INSERT INTO loan(id, household_id, amount, term_months, start_date, collateral, guarantor, interest_subsidised)
          VALUES (9, 2, 60000, 48, '2017-01-01', 0, 1, 1);
        """
    )
    con.commit()
    con.close()


EXPECTED = {
    1: {
        ("education", "compulsory_support", 103, None),
        ("education", "living_allowance", 103, 1000.0),
        ("education", "tuition_waiver", 104, 2500.0),
        ("education", "living_allowance", 104, 2500.0),
        ("medical", "premium_subsidy", 102, 180.0),
        ("medical", "chronic_outpatient", 102, None),
        ("housing", "renovation", None, 40000.0),
        ("housing", "tap_water", None, 1000.0),
        ("credit", "rating", None, None),
    },
    2: {
        ("medical", "critical_illness", 201, None),
        ("credit", "loan_insurance", None, 600.0),
    },
}
EXPECTED_ALERTS = {1: {"dropout"}, 2: {"loan_terms"}}


def stored(db, hid):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT policy, measure, member_id, amount, reason, source, state FROM finding "
        "WHERE household_id = ? AND source LIKE 'plugin:%'",
        (hid,),
    ).fetchall()
    alerts = con.execute(
        "SELECT kind, severity, message FROM alert WHERE household_id = ? AND state = 'open'", (hid,)
    ).fetchall()
    con.close()
    return rows, alerts


def main():
    if not os.path.exists(BIN):
        print("fupin binary not found at %s" % BIN, file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="fupin-plugins-")
    try:
        cfg = make_config(tmp)
        rc, out, err = fupin(cfg, "init")
        check(rc == 0, "fupin init exits 0 (got %d: %s)" % (rc, err.strip()))
        db = os.path.join(tmp, "fupin.db")
        populate(db)

        for hid in (1, 2):
            rc, out, err = fupin(cfg, "eval", "--household", str(hid), "--json")
            check(rc == 0, "household %d: fupin eval exits 0 (got %d: %s)" % (hid, rc, err.strip()))
            try:
                printed = json.loads(out)
            except ValueError:
                check(False, "household %d: eval --json prints JSON, got: %r" % (hid, out[:300]))
                continue
            plugin_errors = [x for x in printed.get("errors", []) if x.get("policy") in PLUGIN_AREAS]
            check(not plugin_errors, "household %d: no plugin errors: %s" % (hid, plugin_errors))
            got_printed = {
                (f["policy"], f["measure"], f["member"], None if f["amount"] is None else float(f["amount"]))
                for f in printed.get("findings", [])
                if f["policy"] in PLUGIN_AREAS
            }
            check(got_printed == EXPECTED[hid],
                  "household %d: printed findings\n  got      %s\n  expected %s"
                  % (hid, sorted(got_printed, key=str), sorted(EXPECTED[hid], key=str)))

            rows, alerts = stored(db, hid)
            got = {(r[0], r[1], r[2], r[3]) for r in rows}
            check(got == EXPECTED[hid],
                  "household %d: stored findings\n  got      %s\n  expected %s"
                  % (hid, sorted(got, key=str), sorted(EXPECTED[hid], key=str)))
            for policy, measure, member, amount, reason, source, state in rows:
                check(source == "plugin:%s@1.0" % policy, "source of %s/%s is %r" % (policy, measure, source))
                check(state == "open", "state of %s/%s is %r" % (policy, measure, state))
                check(reason and reason.startswith("二("), "reason of %s/%s names the clause: %r" % (policy, measure, reason))
            kinds = {a[0] for a in alerts}
            check(EXPECTED_ALERTS[hid] <= kinds,
                  "household %d: alerts %s include %s" % (hid, sorted(kinds), sorted(EXPECTED_ALERTS[hid])))

        rows, alerts = stored(db, 1)
        reasons = {(r[1], r[2]): r[4] for r in rows}
        check("李小明 (age 9) is in primary school" in reasons.get(("compulsory_support", 103), ""),
              "compulsory_support reason names the child: %r" % reasons.get(("compulsory_support", 103)))
        check("priority 1 (grade D)" in reasons.get(("renovation", None), "")
              and "per-capita income 1,600 元 (2017)" in reasons.get(("renovation", None), ""),
              "renovation reason gives priority and income: %r" % reasons.get(("renovation", None)))
        check("cover starts 2018-07-01" in reasons.get(("premium_subsidy", 102), ""),
              "premium reason gives the cover start: %r" % reasons.get(("premium_subsidy", 102)))
        dropout = [a for a in alerts if a[0] == "dropout"]
        check(dropout and "李辍 (age 10)" in dropout[0][2] and dropout[0][1] == "warning",
              "dropout alert names the child: %r" % dropout)
        _, alerts2 = stored(db, 2)
        terms = [a for a in alerts2 if a[0] == "loan_terms"]
        check(terms and "loan 9:" in terms[0][2] and "requires a guarantor" in terms[0][2]
              and "term 48 months over 36" in terms[0][2],
              "loan_terms alert names the loan and the broken terms: %r" % terms)

        # The household is fixed: renovated, tap water connected. Re-evaluating
        # withdraws those two findings and leaves the others open.
        con = sqlite3.connect(db)
        con.execute("UPDATE household SET housing_renovated = 1, tap_water = 1 WHERE id = 1")
        con.commit()
        con.close()
        rc, out, err = fupin(cfg, "eval", "--household", "1", "--json")
        check(rc == 0, "re-eval exits 0 (%s)" % err.strip())
        con = sqlite3.connect(db)
        states = dict(
            ((m, s) for m, s in con.execute(
                "SELECT measure, state FROM finding WHERE household_id = 1 AND policy = 'housing'"))
        )
        con.close()
        check(states.get("renovation") == "withdrawn" and states.get("tap_water") == "withdrawn",
              "fixed house: housing findings withdrawn, got %s" % states)
    finally:
        (shutil.rmtree(tmp, ignore_errors=True) if not os.environ.get("KEEP") else print(tmp))
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
