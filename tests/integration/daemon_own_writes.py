"""daemon_own_writes: while the daemon writes a long pass it stops
watching the database folder (its own writes to the WAL would wake it for
every page), and it starts watching again once idle. With the poll set to
an hour, only the folder watch can bring a change made by another process
while the daemon is idle: each such change must still be evaluated, after
every pass, and a change made during a pass must not be lost either."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

STATE = "SELECT state FROM finding WHERE household_id = ? AND measure = ? AND ifnull(member_id, 0) = ?"
HOUSEHOLDS = 3000


def main():
    with Env(batch_size=32, poll_ms=3600000) as env:
        env.init()
        env.seed(households=HOUSEHOLDS)
        env.start()
        env.wait_watching()
        db = env.connect()
        # During the start-up pass (3000 households in batches of 32).
        db.execute("INSERT INTO member(id, household_id, name, birth_date, labor)"
                   " VALUES (9001, 7, 'x', '1970-01-01', 'none')")
        busy = env.scalar("SELECT count(*) FROM engine_eval") < HOUSEHOLDS
        log("change made while the start-up pass was %s" % ("running" if busy else "done"))
        env.wait_caught_up()
        took = env.wait_until(STATE, (7, "no_labour", 9001), "open")
        log("change during the pass -> flag in %.2fs" % took)

        for k in range(3):
            # Idle: only the folder watch can wake the daemon.
            db.execute("UPDATE member SET labor = ? WHERE id = 9001", ("full" if k % 2 == 0 else "none",))
            took = env.wait_until(STATE, (7, "no_labour", 9001), "withdrawn" if k % 2 == 0 else "open",
                                  timeout=30)
            log("idle change %d -> evaluated in %.2fs" % (k + 1, took))
            # A pass of every household again (its writes pause the watch).
            db.execute("UPDATE household SET housing_grade = housing_grade")
            env.wait_caught_up()
        db.close()
        rc = env.stop()
        assert rc == 0, "exit status %s on SIGTERM" % rc
        log("ok")


if __name__ == "__main__":
    main()
