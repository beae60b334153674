"""daemon_hot_reload: the policies folder of a running daemon is edited. A
good edit changes findings (waited for, not timed) and the new version hash
appears in finding.source; a syntax error, a runtime error (caught by the
policy's own cases) and a missing field each keep the old version running
and raise a policy_error alert, routed to the city, naming the file and
line."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Env, log  # noqa: E402

INCOME_SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND measure = 'income_support'"
                  " AND state = 'open'")
ALERT = "SELECT {} FROM alert WHERE kind = 'policy_error' AND subject = 'policy:fixture.lua'"


def source_of(env, household, measure):
    return env.row("SELECT source, amount FROM finding WHERE household_id = ? AND measure = ?"
                   " AND state = 'open'", (household, measure))


def edit(env, text):
    path = os.path.join(env.policies, "fixture.lua")
    tmp = path + ".tmp"
    env.write(tmp, text)
    os.rename(tmp, path)  # as editors save


def expect_refused(env, text, what, line_re):
    mark = env.log_mark()
    edit(env, text)
    env.wait_log("[reload.policy_refused]", after=mark)
    logged = [l for l in env.log_text()[mark:].splitlines() if "[reload.policy_refused]" in l][0]
    log(what + ": " + logged)
    assert re.search(line_re, logged), "%s: no file:line in %r" % (what, logged)
    env.wait_until(ALERT.format("count(*)") + " AND state = 'open'", (), 1)
    level, region, message = env.row(ALERT.format("level, region, message") + " AND state = 'open'")
    assert level == "city" and region == "441600", (level, region)
    assert re.search(line_re, message), message


def main():
    with Env() as env:
        env.init()
        env.seed(households=8)
        env.start()
        env.wait_caught_up()
        db = env.connect()
        db.execute("DELETE FROM income WHERE household_id = 1")
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (1, 2017, 0)")
        env.wait_until(INCOME_SUPPORT, (), 3000.0)
        old_source, old_amount = source_of(env, 1, "income_support")
        assert abs(old_amount - 3000) < 0.01, old_amount

        # A good edit: the threshold rises.
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "4000"))
        took = env.wait_until(INCOME_SUPPORT, (), 4000.0)
        log("good edit took effect in %.2fs" % took)
        new_source, _ = source_of(env, 1, "income_support")
        assert new_source != old_source and re.search(r"fixture\.lua@\w+", new_source), new_source
        env.wait_log("[reload.policy_done] policy fixture reloaded: " + new_source, after=mark)
        env.wait_caught_up()
        stale = env.scalar("SELECT count(*) FROM finding WHERE state = 'open' AND policy = 'fixture'"
                           " AND source <> ?", (new_source,))
        assert stale == 0, "%d open findings still name the old version" % stale

        # Broken edits: the 4000 version keeps running.
        expect_refused(env, FIXTURE_POLICY.replace("3000", "5000").replace("title =", "title = = "),
                       "syntax error", r"fixture\.lua:\d+")
        expect_refused(env, FIXTURE_POLICY.replace("3000", "5000").replace(
            "for _, m in ipairs(household.members) do", "error('boom') for _, m in ipairs(household.members) do"),
            "runtime error", r"fixture\.lua:\d+")
        expect_refused(env, FIXTURE_POLICY.replace("3000", "5000").replace('title = "engine test fixture",', ""),
                       "missing field", r"fixture\.lua")
        # A change after the refusals is evaluated by the running version.
        db.execute("UPDATE income SET wage = 0.5 WHERE household_id = 1")
        env.wait_caught_up()
        src, amount = source_of(env, 1, "income_support")
        assert src == new_source, "the running version changed: %s" % src
        assert amount > 3900, amount
        assert env.alive()

        # Fixed again: the alert resolves.
        edit(env, FIXTURE_POLICY)
        env.wait_until(ALERT.format("state") + " ORDER BY id DESC", (), "resolved")
        db.close()
        assert env.stop() == 0
        log("ok")


if __name__ == "__main__":
    main()
