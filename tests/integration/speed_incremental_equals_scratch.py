"""speed_incremental_equals_scratch: the shortcuts change no result. A demo
city is evaluated the fast way - a first `eval --all`, then a policy edit, a
param change of one Lua policy and of one plugin, record changes through the
journal (in every kind of table: each re-runs only the policies that read
it), and `eval --all --policy NAME`, each followed by plain `eval`, which
re-runs only what changed - and a copy of it with the same records is
evaluated once from scratch (every policy on every household). The live
findings and household alerts are identical. Bad --policy uses exit 2."""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

PLUGINS = ("education", "medical", "housing", "credit")
LIVE_FINDINGS = ("SELECT household_id, ifnull(member_id, 0), policy, measure, kind,"
                 " round(ifnull(amount, -1), 2), reason, source, state FROM finding"
                 " WHERE state <> 'withdrawn'")
LIVE_ALERTS = ("SELECT kind, subject, ifnull(household_id, 0), severity, region, level, message, state"
               " FROM alert WHERE state IN ('open', 'acked') AND subject LIKE 'household:%'")
RECORDS = """
    UPDATE income SET wage = wage + 9000 WHERE household_id IN (3, 5, 8, 13);
    UPDATE member SET labor = 'none', health = 'serious' WHERE household_id IN (21, 34);
    DELETE FROM visit WHERE household_id IN (40, 41);
    UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id IN (55, 89);
"""
# Then a change in each other kind of table, each re-running only the
# policies that read it (a pending pass is under way meanwhile).
MORE_RECORDS = """
    DELETE FROM loan WHERE id IN (SELECT id FROM loan ORDER BY id LIMIT 3);
    DELETE FROM enterprise_link WHERE household_id IN
        (SELECT household_id FROM enterprise_link ORDER BY household_id LIMIT 3);
    INSERT INTO enterprise_link(household_id, kind, name) VALUES (61, 'cooperative', 'T 合作社');
    DELETE FROM asset_share WHERE household_id IN
        (SELECT household_id FROM asset_share ORDER BY household_id LIMIT 2);
    INSERT INTO shock(household_id, kind, date, loss) VALUES (62, 'illness', '2018-03-01', 40000),
        (63, 'disaster', '2018-05-01', 90000);
    UPDATE fund_application SET status = 'approved', approved_at = '2018-01-05'
        WHERE id IN (SELECT id FROM fund_application ORDER BY id LIMIT 2);
    DELETE FROM handbook WHERE household_id IN
        (SELECT household_id FROM handbook ORDER BY household_id LIMIT 2);
    UPDATE task SET status = 'done', done_at = '2018-02-01'
        WHERE id IN (SELECT id FROM task WHERE status = 'open' ORDER BY id LIMIT 3);
    INSERT INTO visit(household_id, cadre_id, date)
        SELECT household_id, cadre_id, '2018-06-01' FROM pairing ORDER BY household_id LIMIT 4;
    UPDATE member SET employed = 1 - employed WHERE id IN (SELECT id FROM member ORDER BY id LIMIT 5);
    UPDATE region SET livable = 0 WHERE code = (SELECT village FROM household WHERE id = 70);
"""


def rewrite(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.count(old) == 1, (path, old)
    Env.write(path, text.replace(old, new))


def summary(env, *args):
    r = env.fupin("eval", *args, "--json")
    return json.loads(r.stdout)


def main():
    with Env(policies="real", plugins=PLUGINS, workers=2, batch_size=100) as env:
        env.fupin("init", "--demo", "--households", "800")
        scratch = os.path.join(env.dir, "scratch.db")
        env.copy_db(scratch)

        # Bad uses, refused before anything is written.
        r = env.fupin("eval", "--policy", "industry", check=False)
        assert r.returncode == 2 and "--policy" in r.stderr, (r.returncode, r.stderr)
        r = env.fupin("eval", "--all", "--policy", "nosuch", check=False)
        assert r.returncode == 2 and "nosuch" in r.stderr, (r.returncode, r.stderr)
        assert env.scalar("SELECT count(*) FROM finding") == 0

        first = summary(env, "--all")
        assert first["households"] == 800 and first["inserted"] > 1000, first
        assert summary(env)["households"] == 0  # nothing changed

        # A policy edit: only exit's findings move.
        env.sql("UPDATE finding SET updated_at = '2000-01-01 00:00:00'")
        rewrite(os.path.join(env.policies, "exit.lua"), 'title = "退出与返贫"', 'title = "退出与返贫（修订）"')
        s = summary(env)
        assert s["households"] == 800, s
        moved = env.rows("SELECT DISTINCT policy FROM finding WHERE updated_at <> '2000-01-01 00:00:00'")
        assert moved == [("exit",)], moved

        # A param of one Lua policy, then of one plugin: only theirs move.
        for key, old, new, policy in (("public_welfare_wage", "public_welfare_wage: 1200",
                                       "public_welfare_wage: 1500", "employment"),
                                      ("renovation_d", "renovation_d: 40000", "renovation_d: 45000",
                                       "housing")):
            env.sql("UPDATE finding SET updated_at = '2000-01-01 00:00:00'")
            rewrite(env.config, old, new)
            s = summary(env)
            assert s["households"] == 800 and s["updated"] > 0, (key, s)
            moved = env.rows("SELECT DISTINCT policy FROM finding"
                             " WHERE updated_at <> '2000-01-01 00:00:00'")
            assert moved == [(policy,)], (key, moved)
            log("%s changed: %d findings of %s updated, nothing else" % (key, s["updated"], policy))

        # Records through the journal: every policy on those households.
        env.sql(RECORDS)
        s = summary(env)
        assert 0 < s["households"] < 20, s

        # One row of a list only some policies read: only theirs run.
        env.sql("UPDATE finding SET updated_at = '2000-01-01 00:00:00'")
        env.sql("DELETE FROM visit WHERE household_id = 90")
        s = summary(env)
        assert s["households"] == 1, s

        # By hand, one policy: its findings are reconciled, nothing else.
        env.sql("UPDATE finding SET updated_at = '2000-01-01 00:00:00'")
        env.sql("DELETE FROM finding WHERE policy = 'industry'")
        s = summary(env, "--all", "--policy", "industry")
        assert s["households"] == 800 and s["inserted"] > 0 and s["withdrawn"] == 0, s
        moved = env.rows("SELECT DISTINCT policy FROM finding WHERE updated_at <> '2000-01-01 00:00:00'")
        assert moved == [("industry",)], moved

        # Changes in every other kind of table, evaluated by the journal.
        env.sql(MORE_RECORDS)
        s = summary(env)
        assert 0 < s["households"] < 200, s  # the village change reaches its households

        # From scratch: the same records, the final policies and config.
        conn = sqlite3.connect(scratch)
        conn.executescript(RECORDS + "DELETE FROM visit WHERE household_id = 90;" + MORE_RECORDS)
        conn.close()
        env.fupin("eval", "--all", config=env.config_for(scratch))
        conn = sqlite3.connect(scratch)
        ref = sorted(conn.execute(LIVE_FINDINGS).fetchall())
        ref_alerts = sorted(conn.execute(LIVE_ALERTS).fetchall())
        conn.close()
        inc = sorted(env.rows(LIVE_FINDINGS))
        inc_alerts = sorted(env.rows(LIVE_ALERTS))
        assert inc == ref, "findings differ: %r" % (sorted(set(inc) ^ set(ref))[:4],)
        assert inc_alerts == ref_alerts, "alerts differ: %r" % (sorted(set(inc_alerts) ^ set(ref_alerts))[:4],)
        assert any(re.search(r"exit\.lua@", r[7]) for r in inc)
        log("incremental equals from scratch: %d live findings, %d household alerts"
            % (len(inc), len(inc_alerts)))


if __name__ == "__main__":
    main()
