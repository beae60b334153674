"""daemon_malformed: a record that slipped past the constraints (a birth date
that is not a date, written with ignore_check_constraints) gets a
data_quality alert for its household, its findings stay as they were, and
every other household is still evaluated; fixing it resolves the alert."""
import os
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
        db = env.connect()
        before = db.execute("SELECT count(*) FROM finding WHERE household_id = 1 AND state = 'open'").fetchone()[0]
        db.execute("PRAGMA ignore_check_constraints = 1")
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE member SET birth_date = 'not-a-date' WHERE household_id = 1")
        # Facts of other households change in the same transaction.
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id IN (4, 5, 8)")
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 1")
        db.execute("COMMIT")
        env.wait_until("SELECT count(*) FROM alert WHERE kind = 'data_quality' AND household_id = 1"
                       " AND state = 'open'", (), 1)
        for h in (4, 5, 8):
            env.wait_until(REPAIR, (h,), "open")
        env.wait_caught_up()
        after = db.execute("SELECT count(*) FROM finding WHERE household_id = 1 AND state = 'open'").fetchone()[0]
        assert after == before, "findings of the malformed household changed: %d -> %d" % (before, after)
        assert db.execute("SELECT count(*) FROM finding WHERE household_id = 1 AND measure = 'house_repair'"
                          " AND state = 'open'").fetchone()[0] == 0
        msg = db.execute("SELECT message FROM alert WHERE kind = 'data_quality'").fetchone()[0]
        assert "birth_date" in msg, msg
        assert env.alive()
        assert "not-a-date" not in env.log_text(), "the bad value reached the log"
        # Fixed: alert resolved, findings evaluated again.
        db.execute("UPDATE member SET birth_date = '1980-01-01' WHERE household_id = 1")
        env.wait_until("SELECT state FROM alert WHERE kind = 'data_quality' AND household_id = 1",
                       (), "resolved")
        env.wait_until(REPAIR, (1,), "open")
        db.close()
        assert env.stop() == 0
        log("ok")


if __name__ == "__main__":
    main()
