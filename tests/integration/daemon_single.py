"""daemon_single: a second `fupin run` on a database a daemon already watches
stops at once (exit 1) naming the database and the first daemon's pid, and
the first keeps working; once the first has stopped, a new one starts."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402


def main():
    with Env() as env:
        env.init()
        env.seed(households=6)
        env.start()
        env.wait_caught_up()
        lock = env.db + ".lock"
        assert os.stat(lock).st_mode & 0o077 == 0, "lock file not private"

        r = env.fupin("run", check=False)
        log("second daemon: exit %d: %s" % (r.returncode, r.stderr.strip()))
        assert r.returncode == 1, r.returncode
        assert "already running" in r.stderr and env.db in r.stderr, r.stderr
        assert "pid %d" % env.proc.pid in r.stderr, r.stderr
        assert env.alive(), "the first daemon stopped"

        # The first still reacts to changes.
        env.sql("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
        env.wait_until("SELECT state FROM finding WHERE household_id = 4"
                       " AND measure = 'house_repair'", (), "open")
        assert env.stop() == 0

        # The lock went with the first daemon: a new one starts and runs.
        env.start()
        env.wait_log("[daemon.caught_up]", after=env.start_mark)
        assert env.alive()
        assert env.stop() == 0
        log("ok")


if __name__ == "__main__":
    main()
