"""change_activation: in `reload: review` a change of two policy files
activated while SIGHUPs keep arriving goes live whole: both files' new
versions run in the end, never one of them alone. A policy_error alert
raised for a broken save is resolved when the file is fixed, and when the
pending change of that file is discarded. Every finding written records
the params version it was made with (finding.params_source, a params row
of rule_version)."""
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env  # noqa: E402

SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND policy = ?"
           " AND measure = 'income_support' AND state = 'open'")
ALERT = "SELECT state FROM alert WHERE kind = 'policy_error' AND subject = ? ORDER BY id DESC LIMIT 1"
SECOND = FIXTURE_POLICY.replace('name = "fixture"', 'name = "second"')


def save(env, name, text):
    path = os.path.join(env.policies, name)
    env.write(path + ".tmp", text)
    os.rename(path + ".tmp", path)


def main():
    check = Checks()
    with Env() as env:
        save(env, "second.lua", SECOND)
        with open(env.config, encoding="utf-8") as f:
            text = f.read()
        env.write(env.config, re.sub(r"(?m)^reload: .*$", "reload: review", text))
        env.init()
        env.seed(households=8)
        db = env.connect()
        members = db.execute("SELECT count(*) FROM member WHERE household_id = 1").fetchone()[0]
        db.execute("DELETE FROM income WHERE household_id = 1")
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (1, 2017, ?)", (1000 * members,))
        db.close()
        env.start()
        env.wait_caught_up()
        env.wait_until(SUPPORT, ("fixture",), 2000.0)
        env.wait_until(SUPPORT, ("second",), 2000.0)

        # Findings name the params version they were made with.
        src = env.scalar("SELECT params_source FROM finding WHERE household_id = 1 AND policy = 'fixture'"
                         " AND measure = 'income_support'")
        kind = env.scalar("SELECT kind FROM rule_version WHERE source = ?", (src,))
        check(src and src.startswith("params@") and kind == "params",
              "a finding records its params version, a row of the rule history", repr((src, kind)))

        # One change of both files.
        mark = env.log_mark()
        save(env, "fixture.lua", FIXTURE_POLICY.replace("3000 - pc", "4000 - pc"))
        save(env, "second.lua", SECOND.replace("3000 - pc", "4000 - pc"))
        env.wait_log("[review.staged]", after=mark)
        env.wait_caught_up()
        rows = env.rows("SELECT id, files FROM rule_change WHERE state = 'pending'")
        check(len(rows) == 1 and "fixture.lua" in rows[0][1] and "second.lua" in rows[0][1],
              "one pending change of both files", repr(rows))

        # Activated while SIGHUPs keep arriving.
        done = threading.Event()

        def hup():
            while not done.is_set():
                env.signal(signal.SIGHUP)
                time.sleep(0.02)
        t = threading.Thread(target=hup)
        t.start()
        try:
            env.fupin("change", "activate", str(rows[0][0]), "--by", "李明")
            time.sleep(1.5)
        finally:
            done.set()
            t.join()
        env.wait_caught_up()
        db = env.connect()
        db.execute("UPDATE income SET wage = wage + 1 WHERE household_id = 1")
        db.commit()
        db.execute("UPDATE income SET wage = wage - 1 WHERE household_id = 1")
        db.commit()
        db.close()
        env.wait_caught_up()
        got = (env.scalar(SUPPORT, ("fixture",)), env.scalar(SUPPORT, ("second",)))
        check(got == (3000.0, 3000.0), "both files of the change run, not one alone", repr(got))
        check("[review.activate_failed]" not in env.log_text()[mark:], "the activation did not fail")

        # A broken save raises a policy_error; fixing the file resolves it.
        mark = env.log_mark()
        save(env, "fixture.lua", "return {")
        env.wait_log("[reload.policy_refused]", after=mark)
        env.wait_until(ALERT, ("policy:fixture.lua",), "open")
        save(env, "fixture.lua", FIXTURE_POLICY.replace("3000 - pc", "4000 - pc"))
        env.wait_until(ALERT, ("policy:fixture.lua",), "resolved")

        # ... and so does discarding the pending change of that file.
        mark = env.log_mark()
        save(env, "second.lua", SECOND.replace("3000 - pc", "5000 - pc"))
        env.wait_log("[review.staged]", after=mark)
        pid = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        mark = env.log_mark()
        save(env, "second.lua", "return {")
        env.wait_log("[reload.policy_refused]", after=mark)
        env.wait_until(ALERT, ("policy:second.lua",), "open")
        env.fupin("change", "discard", str(pid), "--by", "李明")
        check(env.scalar(ALERT, ("policy:second.lua",)) == "resolved",
              "discarding the change resolves its file's policy_error")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
