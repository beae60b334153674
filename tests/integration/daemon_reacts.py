"""daemon_reacts: another process inserts, updates and deletes members,
incomes and houses while `fupin run` watches; the right findings appear and
are withdrawn when the facts change back. Each state is waited for with a
generous deadline; how fast it comes is logged, never judged (speed is the
benchmark's)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

STATE = "SELECT state FROM finding WHERE household_id = ? AND measure = ? AND ifnull(member_id, 0) = ?"


def main():
    with Env() as env:
        env.init()
        env.seed(households=12)
        env.start()
        env.wait_caught_up()
        db = env.connect()

        # members: insert one without labour ability -> flagged
        db.execute("INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (9001, 4, 'x', '1970-01-01', 'none')")
        took = env.wait_until(STATE, (4, "no_labour", 9001), "open")
        log("member insert -> flag in %.2fs" % took)
        # update: labour back -> withdrawn
        db.execute("UPDATE member SET labor = 'full' WHERE id = 9001")
        took = env.wait_until(STATE, (4, "no_labour", 9001), "withdrawn")
        log("member update -> withdrawn in %.2fs" % took)
        # applies again: the same row reopens, no duplicate
        db.execute("UPDATE member SET labor = 'none' WHERE id = 9001")
        env.wait_until(STATE, (4, "no_labour", 9001), "open")
        # delete -> withdrawn
        db.execute("DELETE FROM member WHERE id = 9001")
        took = env.wait_until(STATE, (4, "no_labour", 9001), "withdrawn")
        log("member delete -> withdrawn in %.2fs" % took)
        n = db.execute("SELECT count(*) FROM finding WHERE household_id = 4 AND member_id = 9001").fetchone()[0]
        assert n == 1, "finding duplicated: %d rows" % n

        # income: a poor year -> income_support with the right amount
        db.execute("DELETE FROM income WHERE household_id = 5")
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (5, 2018, 1000)")
        members = db.execute("SELECT count(*) FROM member WHERE household_id = 5").fetchone()[0]
        took = env.wait_until("SELECT round(amount, 2) FROM finding WHERE household_id = 5"
                              " AND measure = 'income_support' AND state = 'open'", (),
                              round(3000 - 1000 / members, 2))
        log("income insert -> recommendation in %.2fs" % took)
        # a better year -> amount updated, then withdrawn
        db.execute("UPDATE income SET wage = 2000 WHERE household_id = 5")
        env.wait_until("SELECT round(amount, 2) FROM finding WHERE household_id = 5 AND measure = 'income_support'",
                       (), round(3000 - 2000 / members, 2))
        db.execute("UPDATE income SET wage = 100000 WHERE household_id = 5")
        took = env.wait_until(STATE, (5, "income_support", 0), "withdrawn")
        log("income update -> withdrawn in %.2fs" % took)

        # houses: grade D -> repair; renovated -> withdrawn; a new household too
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 8")
        env.wait_until(STATE, (8, "house_repair", 0), "open")
        db.execute("UPDATE household SET housing_renovated = 1 WHERE id = 8")
        took = env.wait_until(STATE, (8, "house_repair", 0), "withdrawn")
        log("house renovated -> withdrawn in %.2fs" % took)
        db.execute("INSERT INTO household(id, village, housing_grade) VALUES (99, '441602001001', 'C')")
        took = env.wait_until(STATE, (99, "house_repair", 0), "open")
        log("household insert -> recommendation in %.2fs" % took)
        # the household deleted: its findings withdrawn
        db.execute("DELETE FROM household WHERE id = 99")
        env.wait_until(STATE, (99, "house_repair", 0), "withdrawn")

        # source names the rule and its version
        src = db.execute("SELECT source FROM finding WHERE household_id = 8").fetchone()[0]
        assert src.startswith("lua:") and "fixture.lua@" in src, src
        db.close()
        rc = env.stop()
        assert rc == 0, "exit status %s on SIGTERM" % rc
        assert "[batch.done]" in env.log_text()
        log("ok")


if __name__ == "__main__":
    main()
