"""daemon_single: a second `fupin run` on a database a daemon already watches
stops at once (exit 1) naming the database and the first daemon's pid, and
the first keeps working; once the first has stopped, a new one starts."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fupintest  # noqa: E402
from fupintest import Env, log  # noqa: E402


def main():
    env = Env()
    try:
        env.init()
        env.seed(households=6)
        env.start()
        env.wait_caught_up()
        lock = env.db + ".lock"
        assert os.stat(lock).st_mode & 0o077 == 0, "lock file not private"

        r = subprocess.run([fupintest.BIN, "-c", env.config, "run"], capture_output=True,
                           text=True, env=env.env(), timeout=30)
        log("second daemon: exit %d: %s" % (r.returncode, r.stderr.strip()))
        assert r.returncode == 1, r.returncode
        assert "already running" in r.stderr and env.db in r.stderr, r.stderr
        assert "pid %d" % env.proc.pid in r.stderr, r.stderr
        assert env.proc.poll() is None, "the first daemon stopped"

        # The first still reacts to changes.
        c = env.connect()
        c.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
        c.close()
        env.wait_until("SELECT state FROM finding WHERE household_id = 4"
                       " AND measure = 'house_repair'", (), "open", timeout=10)
        assert env.stop() == 0

        # The lock went with the first daemon: a new one starts and runs.
        mark = len(env.log_text())
        env.start()
        env.wait_log("caught up", after=mark)
        assert env.proc.poll() is None
        assert env.stop() == 0
        log("ok")
    finally:
        env.cleanup()


if __name__ == "__main__":
    main()
