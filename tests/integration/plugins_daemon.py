#!/usr/bin/env python3
"""plugins_daemon.py - the four C plugins in the running daemon: `fupin run`
on a temporary installation with the shipped policies and plugins, two
households written with sqlite3 the way an outside program would (one
transaction), and the plugin findings and alerts the daemon stored read back
from this process and compared with the expected ones; `fupin eval
--household ID --json` beside it prints the same. A fix to a house is then
noticed by the daemon, which withdraws those findings."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, log  # noqa: E402

PLUGIN_AREAS = ("education", "medical", "housing", "credit")

# Regions, then the households, in one transaction: the daemon sees them
# complete, as it would an office's import.
POPULATION = """
        BEGIN IMMEDIATE;
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
        -- the terms (60,000 for 48 months with a guarantor): alerted, and
        -- no guarantee-insurance subsidy on it.
        INSERT INTO household(id, village, head_name, status, housing_grade, tap_water, has_project, credit_rating)
          VALUES (2, '441602001001', '赵二', 'registered', 'A', 1, 1, 'A');
        INSERT INTO member(id, household_id, name, relation, birth_date, labor, health, medical_insured)
          VALUES (201, 2, '赵二', 'head', '1975-01-01', 'full', 'serious', 1);
        INSERT INTO loan(id, household_id, amount, term_months, start_date, collateral, guarantor, interest_subsidised)
          VALUES (9, 2, 60000, 48, '2017-01-01', 0, 1, 1);
        COMMIT;
"""

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
    },
}
EXPECTED_ALERTS = {1: {"dropout"}, 2: {"loan_terms"}}


def stored(env, hid):
    rows = env.rows("SELECT policy, measure, member_id, amount, reason, source, state FROM finding"
                    " WHERE household_id = ? AND source LIKE 'plugin:%'", (hid,))
    alerts = env.rows("SELECT kind, severity, message FROM alert WHERE household_id = ? AND state = 'open'",
                      (hid,))
    return rows, alerts


def check_printed(env, check, hid):
    """`fupin eval --household` on the daemon's database prints the same
    plugin findings (and, with nothing changed, writes nothing new)."""
    r = env.fupin("eval", "--household", str(hid), "--json", check=False)
    check(r.returncode == 0, "household %d: fupin eval exits 0 (got %d: %s)" % (hid, r.returncode, r.stderr.strip()))
    try:
        printed = json.loads(r.stdout)
    except ValueError:
        check(False, "household %d: eval --json prints JSON, got: %r" % (hid, r.stdout[:300]))
        return
    plugin_errors = [x for x in printed.get("errors", []) if x.get("policy") in PLUGIN_AREAS]
    check(not plugin_errors, "household %d: no plugin errors: %s" % (hid, plugin_errors))
    got = {
        (f["policy"], f["measure"], f["member"], None if f["amount"] is None else float(f["amount"]))
        for f in printed.get("findings", [])
        if f["policy"] in PLUGIN_AREAS
    }
    check(got == EXPECTED[hid], "household %d: printed findings" % hid,
          "got      %s\nexpected %s" % (sorted(got, key=str), sorted(EXPECTED[hid], key=str)))


def main():
    check = Checks()
    with Env(policies="real", plugins=PLUGIN_AREAS) as env:
        missing = set(PLUGIN_AREAS) - set(env.plugins)
        check(not missing, "the four plugins are built", "missing %s in %s" % (sorted(missing), env.plugin_dir))
        env.init()
        env.start()
        env.wait_watching()
        env.wait_caught_up()
        before = env.cursor()
        env.sql(POPULATION)
        env.wait_caught_up()
        check(env.cursor() > before, "the daemon read the new households from its journal")
        check(env.scalar("SELECT count(*) FROM alert WHERE kind = 'policy_error' AND state = 'open'") == 0,
              "no policy_error alert: every plugin and policy loaded")

        for hid in (1, 2):
            rows, alerts = stored(env, hid)
            got = {(r[0], r[1], r[2], r[3]) for r in rows}
            check(got == EXPECTED[hid], "household %d: stored findings" % hid,
                  "got      %s\nexpected %s" % (sorted(got, key=str), sorted(EXPECTED[hid], key=str)))
            for policy, measure, member, amount, reason, source, state in rows:
                check(source == "plugin:%s@1.0" % policy, "source of %s/%s is %r" % (policy, measure, source))
                check(state == "open", "state of %s/%s is %r" % (policy, measure, state))
                check(reason and reason.startswith("二("),
                      "reason of %s/%s names the clause: %r" % (policy, measure, reason))
            kinds = {a[0] for a in alerts}
            check(EXPECTED_ALERTS[hid] <= kinds,
                  "household %d: alerts %s include %s" % (hid, sorted(kinds), sorted(EXPECTED_ALERTS[hid])))

        rows, alerts = stored(env, 1)
        reasons = {(r[1], r[2]): r[4] for r in rows}
        check("李小明（9岁）就读小学" in reasons.get(("compulsory_support", 103), ""),
              "compulsory_support reason names the child: %r" % reasons.get(("compulsory_support", 103)))
        check("优先级1（D级）" in reasons.get(("renovation", None), "")
              and "2017年人均收入1,600 元" in reasons.get(("renovation", None), ""),
              "renovation reason gives priority and income: %r" % reasons.get(("renovation", None)))
        check("次月起（2018-07-01）" in reasons.get(("premium_subsidy", 102), ""),
              "premium reason gives the cover start: %r" % reasons.get(("premium_subsidy", 102)))
        dropout = [a for a in alerts if a[0] == "dropout"]
        check(dropout and "李辍（10岁）" in dropout[0][2] and dropout[0][1] == "warning",
              "dropout alert names the child: %r" % dropout)
        _, alerts2 = stored(env, 2)
        terms = [a for a in alerts2 if a[0] == "loan_terms"]
        check(terms and "贷款9：" in terms[0][2] and "要求担保" in terms[0][2]
              and "期限48个月超过36个月" in terms[0][2],
              "loan_terms alert names the loan and the broken terms: %r" % terms)

        # The command line agrees with what the daemon stored, and changes
        # nothing of it.
        findings = env.findings()
        for hid in (1, 2):
            check_printed(env, check, hid)
        check(env.findings() == findings, "eval --household beside the daemon changed no stored finding")

        # The household is fixed: renovated, tap water connected. The daemon
        # withdraws those two findings and leaves the others open.
        env.sql("UPDATE household SET housing_renovated = 1, tap_water = 1 WHERE id = 1")
        env.wait_caught_up()
        states = dict(env.rows("SELECT measure, state FROM finding WHERE household_id = 1 AND policy = 'housing'"))
        check(states.get("renovation") == "withdrawn" and states.get("tap_water") == "withdrawn",
              "fixed house: housing findings withdrawn, got %s" % states)
        others = env.scalar("SELECT count(*) FROM finding WHERE household_id = 1 AND source LIKE 'plugin:%'"
                            " AND policy <> 'housing' AND state = 'open'")
        check(others == len([x for x in EXPECTED[1] if x[0] != "housing"]),
              "fixed house: the other plugin findings stay open (%s)" % others)
        rc = env.stop()
        check(rc == 0, "the daemon exits 0 on SIGTERM (got %s)" % rc)
        if check.failures:
            log("daemon log tail:\n" + env.log_tail(3000))
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
