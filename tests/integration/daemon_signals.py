"""daemon_signals: SIGHUP with a broken config keeps the daemon running on
the old one and logs file:line:col; SIGHUP with a changed param reloads and
re-evaluates every household; SIGTERM and SIGINT exit 0. Started with a
broken policy it runs with the rest and keeps that policy's findings."""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

REPAIR_1 = "SELECT state FROM finding WHERE household_id = 1 AND measure = 'house_repair'"
POLICY_ALERTS = ("SELECT count(*) FROM alert WHERE kind = 'policy_error'"
                 " AND subject = 'policy:fixture.lua' AND state = 'open'")
OPEN_FIXTURE = "SELECT count(*) FROM finding WHERE policy = 'fixture' AND state = 'open'"


def main():
    with Env() as env:
        env.init()
        env.seed(households=6)
        env.start()
        env.wait_caught_up()
        with open(env.config, encoding="utf-8") as f:
            good = f.read()

        # A broken config: a misspelt key.
        env.write(env.config, good + "\nengine_typo: 1\n")
        mark = env.log_mark()
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_refused]", after=mark)
        text = env.log_text()[mark:]
        assert re.search(r"config: .*fupin\.yaml:\d+:\d+", text), text
        # Still working on the old config.
        db = env.connect()
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 1")
        env.wait_until(REPAIR_1, (), "open")
        assert env.alive(), "daemon died on a broken config"

        # A config whose lua: names a folder without the fp library: every
        # household would fail, so the reload is refused, naming fp.lua.
        no_lib = re.sub(r"(?m)^lua:.*$", "lua: no-such-folder", good)
        assert no_lib != good
        env.write(env.config, no_lib)
        mark = env.log_mark()
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_refused]", after=mark)
        text = env.log_text()[mark:]
        assert "no-such-folder/fp.lua" in text and "fp 库" in text, text
        assert env.alive(), "daemon died on a config without the fp library"
        # The commands that run policies refuse it too, exit 2, naming it.
        for args in (["check"], ["eval", "--household", "1"], ["explain", "1"], ["test"],
                     ["preview", "--policies", env.policies]):
            r = env.fupin(*args, check=False)
            assert r.returncode == 2 and "no-such-folder/fp.lua" in r.stderr, (args, r.returncode,
                                                                               r.stderr[-500:])
        env.write(env.config, good)

        # A good config with a changed param: reloaded, everything marked.
        env.write(env.config, good.replace("income_ratio: 0.45", "income_ratio: 0.5"))
        mark = env.log_mark()
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_done]", after=mark)
        env.wait_log("[daemon.marked_all]", after=mark)
        env.wait_caught_up()
        assert env.stop() == 0

        # SIGINT stops cleanly too.
        env.start()
        env.wait_watching()
        assert env.stop(signal.SIGINT) == 0

        # Started with a broken policy: it keeps running with the rest. The
        # broken file is named with its line, raised as a policy_error alert,
        # and its stored findings stay as they were (not withdrawn).
        before = env.scalar(OPEN_FIXTURE)
        assert before > 0, before
        path = os.path.join(env.policies, "fixture.lua")
        with open(path, encoding="utf-8") as f:
            good_policy = f.read()
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nthis is not lua\n")
        env.start()
        env.wait_watching()
        text = env.log_text()[env.start_mark:]
        assert re.search(r"fixture\.lua:\d+", text), text
        env.wait_until(POLICY_ALERTS, (), 1)
        # A change to a household: evaluated, but the missing policy's
        # findings stay.
        db.execute("UPDATE household SET housing_grade = 'A' WHERE id = 1")
        env.wait_caught_up()
        assert env.alive(), "daemon died with a broken policy"
        after = env.scalar(OPEN_FIXTURE)
        assert after == before, (before, after)
        # Fixing the file brings the policy back and resolves the alert.
        env.write(path, good_policy)
        env.wait_until(POLICY_ALERTS, (), 0)
        env.wait_until(REPAIR_1, (), "withdrawn")
        assert env.stop() == 0
        db.close()
        log("ok")


if __name__ == "__main__":
    main()
