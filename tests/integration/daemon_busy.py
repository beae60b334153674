"""daemon_busy: a concurrent writer holds BEGIN IMMEDIATE while the daemon
has a batch to write; the daemon waits (never skips, never crashes, says so
in its log) and, once the writer commits, processes everything, the
writer's changes included."""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

REPAIR = "SELECT state FROM finding WHERE household_id = ? AND measure = 'house_repair'"


def main():
    with Env() as env:
        env.init()
        env.seed(households=10)
        env.start()
        env.wait_caught_up()
        # Freeze the daemon so it has work queued when the lock is taken.
        a = env.connect()
        env.freeze(a)
        a.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
        lock = env.connect()
        lock.execute("BEGIN IMMEDIATE")
        lock.execute("UPDATE household SET housing_grade = 'C', housing_renovated = 0 WHERE id = 8")
        mark = env.log_mark()
        env.signal(signal.SIGCONT)
        # The daemon reached the lock and is waiting on it (it says so once
        # it has waited a while), however long getting there took.
        env.wait_log("[store.locked]", after=mark)
        assert env.alive(), "daemon died while the database was locked"
        row = env.row(REPAIR, (4,))
        assert row is None, "a finding was written while another writer held the lock: %r" % (row,)
        lock.execute("COMMIT")
        took = env.wait_until(REPAIR, (4,), "open")
        env.wait_until(REPAIR, (8,), "open")
        log("processed %.2fs after the writer committed" % took)
        env.wait_caught_up()
        lock.close()
        a.close()
        assert env.stop() == 0
        log("ok")


if __name__ == "__main__":
    main()
