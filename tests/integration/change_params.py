"""change_params: with `reload: review` a changed params: (SIGHUP) is
checked, staged with its preview and not run until `fupin change
activate`; a bad figure is refused and not staged; after a restart the
activated params run, whatever the file says, in the daemon and in
`fupin eval`; `fupin change list` names the params."""
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env  # noqa: E402

SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND measure = 'income_support'"
           " AND state = 'open'")
# The amount follows a param, so a params change shows in the findings.
POLICY = FIXTURE_POLICY.replace("amount = 3000 - pc", "amount = params.working_age_min * 100")


def set_config(env, pattern, repl):
    with open(env.config, encoding="utf-8") as f:
        text = f.read()
    text, n = re.subn(pattern, repl, text)
    assert n == 1, "the config has no line for " + pattern
    env.write(env.config, text)


def touch(env, hid, wage):
    db = env.connect()
    db.execute("UPDATE income SET wage = ? WHERE household_id = ?", (wage, hid))
    db.commit()
    db.close()


def pending(env):
    return [r[0] for r in env.rows("SELECT id FROM rule_change WHERE state = 'pending' ORDER BY id")]


def sighup(env, needle):
    mark = env.log_mark()
    env.signal(signal.SIGHUP)
    env.wait_log(needle, after=mark)


def main():
    check = Checks()
    with Env() as env:
        env.write(os.path.join(env.policies, "fixture.lua"), POLICY)
        set_config(env, r"(?m)^reload: .*$", "reload: review")
        env.init()
        env.seed(households=8)
        db = env.connect()
        db.execute("DELETE FROM income WHERE household_id = 1")
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (1, 2017, 0)")
        db.close()
        env.start()
        env.wait_caught_up()
        env.wait_until(SUPPORT, (), 1600.0)

        # A bad figure is refused: nothing staged, the running params stay.
        set_config(env, r"(?m)^  working_age_min: 16$", "  working_age_min: -3")
        sighup(env, "[reload.config_refused]")
        check(pending(env) == [], "a refused params edit is not staged", repr(pending(env)))

        # A good one is staged, previewed, and does not run.
        set_config(env, r"(?m)^  working_age_min: -3$", "  working_age_min: 20")
        sighup(env, "[review.staged]")
        env.wait_log("[reload.config_done]")
        touch(env, 1, 0)
        env.wait_caught_up()
        check(env.scalar(SUPPORT) == 1600.0, "the staged params do not run", env.scalar(SUPPORT))
        ids = pending(env)
        check(len(ids) == 1, "one pending change", repr(ids))
        cid = str(ids[0]) if ids else "0"
        out = env.fupin("change", "list").stdout
        check("params" in out and cid in out, "change list names the params", out)
        out = env.fupin("change", "show", cid).stdout
        check("params" in out and "9600" in out and "12000" in out,
              "change show previews the params against the live ones", out)

        # Activation puts them live, with the preview kept.
        env.fupin("change", "activate", cid, "--by", "李明")
        env.wait_until(SUPPORT, (), 2000.0)
        summary = json.loads(env.scalar("SELECT preview_summary FROM rule_change WHERE id = ?",
                                         (int(cid),)) or "{}")
        check(summary.get("totals", {}).get("changed", 0) >= 1,
              "the activation's preview is kept", repr(summary.get("totals")))
        live = env.scalar("SELECT text FROM rule_live WHERE file = 'params'") or ""
        check("working_age_min: 20" in live, "the live params are the activated ones", live[:200])

        # Edited again and staged; a restart runs the activated params (20), not the file (25).
        set_config(env, r"(?m)^  working_age_min: 20$", "  working_age_min: 25")
        sighup(env, "[review.staged]")
        env.stop()
        env.start()
        env.wait_log("[review.started]", after=env.start_mark)
        env.wait_caught_up()
        touch(env, 1, 1)
        touch(env, 1, 0)
        env.wait_caught_up()
        check(env.scalar(SUPPORT) == 2000.0, "after a restart the activated params run",
              env.scalar(SUPPORT))
        check(len(pending(env)) == 1, "the edit stays pending across the restart", repr(pending(env)))

        # Discarded: it leaves only its record, and the live params stay.
        did = str(pending(env)[0])
        env.fupin("change", "discard", did, "--by", "李明")
        check(env.scalar("SELECT state FROM rule_change WHERE id = ?", (int(did),)) == "discarded",
              "the discarded change keeps its record")
        touch(env, 1, 2)
        touch(env, 1, 0)
        env.wait_caught_up()
        check(env.scalar(SUPPORT) == 2000.0, "a discarded params change never runs", env.scalar(SUPPORT))

        # fupin eval runs the live rules too: not the file's params (25) nor
        # an edited policy that was never staged.
        env.stop()
        env.write(os.path.join(env.policies, "fixture.lua"),
                  POLICY.replace("params.working_age_min * 100", "params.working_age_min * 1000"))
        env.fupin("eval", "--all")
        check(env.scalar(SUPPORT) == 2000.0, "eval --all runs the live policies and params",
              env.scalar(SUPPORT))
        out = json.loads(env.fupin("eval", "--household", "1", "--json").stdout)
        amounts = [f.get("amount") for f in out.get("findings", []) if f.get("measure") == "income_support"]
        check(amounts == [2000], "eval --household runs the live rules", repr(out)[:300])
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
