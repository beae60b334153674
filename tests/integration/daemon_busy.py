"""daemon_busy: a concurrent writer holds BEGIN IMMEDIATE for 3 seconds while
the daemon has a batch to write; the daemon waits (never skips, never
crashes) and then processes everything, the writer's changes included."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402


def main():
    env = Env()
    try:
        env.init()
        env.seed(households=10)
        env.start()
        env.wait_caught_up()
        q = "SELECT state FROM finding WHERE household_id = ? AND measure = 'house_repair'"
        # Freeze the daemon so it has work queued when the lock is taken.
        a = env.connect()
        env.freeze(a)
        a.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
        lock = env.connect()
        lock.execute("BEGIN IMMEDIATE")
        lock.execute("UPDATE household SET housing_grade = 'C', housing_renovated = 0 WHERE id = 8")
        env.signal(signal.SIGCONT)
        time.sleep(3)
        assert env.proc.poll() is None, "daemon died while the database was locked"
        c = env.connect()
        row = c.execute(q, (4,)).fetchone()
        c.close()
        assert row is None, "a finding was written while another writer held the lock: %r" % (row,)
        lock.execute("COMMIT")
        t0 = time.time()
        env.wait_until(q, (4,), "open", timeout=5)
        env.wait_until(q, (8,), "open", timeout=5)
        log("processed %.2fs after the writer committed" % (time.time() - t0))
        assert time.time() - t0 < 4, "took %.2fs after the commit" % (time.time() - t0)
        env.wait_caught_up()
        assert env.stop() == 0
        log("ok")
    finally:
        env.cleanup()


if __name__ == "__main__":
    main()
