"""change_review: with `reload: review` an edited policy is checked and
staged, not run: findings stay until `fupin change activate`; the live
version survives a restart whatever the file on disk says; a discarded
content is not staged again; a file edited after staging cannot be
activated; activating one of two pending changes makes the other stale;
bad input exits 2."""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env, set_reload  # noqa: E402

INCOME_SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND measure = 'income_support'"
                  " AND state = 'open'")


def edit(env, text):
    path = os.path.join(env.policies, "fixture.lua")
    env.write(path + ".tmp", text)
    os.rename(path + ".tmp", path)


def pending(env):
    return env.rows("SELECT id FROM rule_change WHERE state = 'pending' ORDER BY id")


def main():
    check = Checks()
    with Env() as env:
        set_reload(env, "bogus")
        r = env.fupin("check", check=False)
        check(r.returncode == 2 and "reload" in r.stderr and "fupin.yaml:" in r.stderr,
              "a bad reload: value is refused with file:line:col", r.stderr)
        set_reload(env, "review")
        env.init()
        env.seed(households=8)
        db = env.connect()
        db.execute("DELETE FROM income WHERE household_id = 1")
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (1, 2017, 0)")
        db.close()
        env.start()
        env.wait_caught_up()
        env.wait_until(INCOME_SUPPORT, (), 3000.0)

        # An edit is staged; the running version stays.
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "4000"))
        env.wait_log("[review.staged]", after=mark)
        check(env.scalar(INCOME_SUPPORT) == 3000.0, "the staged edit does not run")
        first = pending(env)
        check(len(first) == 1, "one pending change", repr(first))
        cid = str(first[0][0])
        out = env.fupin("change", "list").stdout
        check("fixture.lua" in out and cid in out, "change list names the file", out)
        out = env.fupin("change", "show", cid).stdout
        check("fixture" in out and "3000" in out and "4000" in out,
              "change show names the policy and previews it against the live version", out)

        # Bad input: exit 2 with a message.
        for args in (("change", "activate", "x1", "--by", "王"), ("change", "activate", cid),
                     ("change", "frob"), ("change", "show", "999")):
            r = env.fupin(*args, check=False)
            check(r.returncode == 2 and r.stderr.strip(), "refused: " + " ".join(args), r.stderr)

        # Activation puts it live.
        env.fupin("change", "activate", cid, "--by", "李明")
        env.wait_until(INCOME_SUPPORT, (), 4000.0)
        check(env.scalar("SELECT state FROM rule_change WHERE id = ?", (int(cid),)) == "active",
              "the change is recorded as active")
        summary = json.loads(env.scalar("SELECT preview_summary FROM rule_change WHERE id = ?",
                                         (int(cid),)) or "{}")
        check(summary.get("totals", {}).get("changed", 0) >= 1,
              "the activation's preview is kept with the change", repr(summary.get("totals")))
        r = env.fupin("change", "activate", cid, "--by", "李明", check=False)
        check(r.returncode == 2, "a decided change cannot be activated again", r.stderr)

        # Two pending changes: activating one makes the other stale. The
        # second edit is staged, the first one's file then edited again.
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "5000"))
        env.wait_log("[review.staged]", after=mark)
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "6000"))
        env.wait_log("[review.staged]", after=mark)
        two = pending(env)
        check(len(two) == 2, "two pending changes", repr(two))
        r = env.fupin("change", "activate", str(two[0][0]), "--by", "李明", check=False)
        check(r.returncode == 2 and "fixture.lua" in r.stderr,
              "a file changed after staging cannot be activated", r.stderr)
        env.fupin("change", "activate", str(two[1][0]), "--by", "李明")
        env.wait_until(INCOME_SUPPORT, (), 6000.0)
        check(env.scalar("SELECT state FROM rule_change WHERE id = ?", (two[0][0],)) == "stale",
              "the other pending change is stale")

        # Discarded content is not staged again.
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "7000"))
        env.wait_log("[review.staged]", after=mark)
        did = pending(env)[0][0]
        env.fupin("change", "discard", str(did), "--by", "李明")
        mark = env.log_mark()
        edit(env, FIXTURE_POLICY.replace("3000", "7001"))
        env.wait_log("[review.staged]", after=mark)
        edit(env, FIXTURE_POLICY.replace("3000", "7000"))
        env.wait_log("[review.not_staged]", after=mark)
        check([r[0] for r in pending(env)] == [did + 1], "the discarded content is not staged again",
              repr(pending(env)))

        # A restart runs the activated version, not the file on disk (7000).
        env.stop()
        env.start()
        env.wait_caught_up()
        db = env.connect()
        db.execute("UPDATE income SET wage = 1 WHERE household_id = 1")
        db.commit()
        db.execute("UPDATE income SET wage = 0 WHERE household_id = 1")
        db.commit()
        db.close()
        env.wait_log("[review.started]", after=env.start_mark)
        env.wait_caught_up()
        check(env.scalar(INCOME_SUPPORT) == 6000.0, "after a restart the activated version runs",
              env.scalar(INCOME_SUPPORT))
        # The folder's pending edit is neither marked nor recorded at start:
        # nothing changed in the live set, so nothing is re-run.
        log = env.log_text()[env.start_mark:]
        check("[daemon.marked_all] start-up:" not in log and "re-evaluation by fixture" not in log,
              "a restart with only a pending edit on disk marks nothing", log[-800:])

        # So does a SIGHUP.
        mark = env.log_mark()
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_done]", after=mark)
        db = env.connect()
        db.execute("UPDATE income SET wage = 2 WHERE household_id = 1")
        db.commit()
        db.execute("UPDATE income SET wage = 0 WHERE household_id = 1")
        db.commit()
        db.close()
        env.wait_caught_up()
        check(env.scalar(INCOME_SUPPORT) == 6000.0, "after a SIGHUP the activated version runs",
              env.scalar(INCOME_SUPPORT))
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
