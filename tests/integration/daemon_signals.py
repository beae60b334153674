"""daemon_signals: SIGHUP with a broken config keeps the daemon running on
the old one and logs file:line:col; SIGHUP with a changed param reloads and
re-evaluates every household; SIGTERM and SIGINT exit 0."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402


def main():
    env = Env()
    try:
        env.init()
        env.seed(households=6)
        env.start()
        env.wait_caught_up()
        good = open(env.config, encoding="utf-8").read()

        # A broken config: a misspelt key.
        env.write(env.config, good + "\nengine_typo: 1\n")
        mark = len(env.log_text())
        env.signal(signal.SIGHUP)
        env.wait_log("keeping the running config", after=mark)
        text = env.log_text()[mark:]
        assert re.search(r"config: .*fupin\.yaml:\d+:\d+", text), text
        time.sleep(0.3)
        assert env.proc.poll() is None, "daemon died on a broken config"
        # Still working on the old config.
        db = env.connect()
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 1")
        env.wait_until("SELECT state FROM finding WHERE household_id = 1 AND measure = 'house_repair'",
                       (), "open", timeout=3)

        # A good config with a changed param: reloaded, everything marked.
        env.write(env.config, good.replace("income_ratio: 0.45", "income_ratio: 0.5"))
        mark = len(env.log_text())
        env.signal(signal.SIGHUP)
        env.wait_log("config reloaded", after=mark)
        env.wait_log("every household marked", after=mark)
        env.wait_caught_up()
        assert env.stop() == 0

        # SIGINT stops cleanly too.
        mark = len(env.log_text())
        env.start()
        env.wait_log("watching", timeout=10, after=mark)
        env.signal(signal.SIGINT)
        rc = env.proc.wait(10)
        env.logf.close()
        env.proc = None
        assert rc == 0, rc
        db.close()

        # Started with a broken policy: no running version to keep, so it
        # refuses to start, naming the file and line.
        with open(os.path.join(env.policies, "fixture.lua"), "a", encoding="utf-8") as f:
            f.write("\nthis is not lua\n")
        mark = len(env.log_text())
        env.start()
        rc = env.proc.wait(10)
        env.logf.close()
        env.proc = None
        assert rc == 2, rc
        text = env.log_text()[mark:]
        assert re.search(r"fixture\.lua:\d+", text), text
        log("ok")
    finally:
        env.cleanup()


if __name__ == "__main__":
    main()
