"""daemon_kill: SIGKILL the daemon at random moments while another process
keeps changing records, at least 50 times; after a restart has caught up the
findings equal those of a clean `fupin eval --all` on a copy (nothing lost,
nothing duplicated) and PRAGMA integrity_check is ok. The soak script in
tests/soak/ runs the same with more kills and a bigger city."""
import os
import random
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402


def writer(env, stop, counter, rng):
    """Random changes of the kinds the fixture policy reacts to."""
    db = env.connect()
    next_member = 50000
    while not stop.is_set():
        h = rng.randint(1, env.households)
        op = rng.randrange(7)
        try:
            if op == 0:
                db.execute("UPDATE member SET labor = ? WHERE household_id = ?",
                           (rng.choice(["full", "partial", "none"]), h))
            elif op == 1:
                db.execute("INSERT OR REPLACE INTO income(household_id, year, wage) VALUES (?, 2017, ?)",
                           (h, rng.randrange(0, 20000)))
            elif op == 2:
                db.execute("UPDATE household SET housing_grade = ?, housing_renovated = ? WHERE id = ?",
                           (rng.choice("ABCD"), rng.randrange(2), h))
            elif op == 3:
                next_member += 1
                db.execute("INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (?, ?, 'n', '1980-01-01', ?)",
                           (next_member, h, rng.choice(["full", "none"])))
            elif op == 4:
                db.execute("DELETE FROM member WHERE id = (SELECT max(id) FROM member WHERE household_id = ?)", (h,))
            elif op == 5:
                # several changes in one transaction, across households
                db.execute("BEGIN IMMEDIATE")
                for k in range(5):
                    db.execute("UPDATE income SET wage = wage + 100 WHERE household_id = ?",
                               (rng.randint(1, env.households),))
                db.execute("COMMIT")
            else:
                db.execute("UPDATE household SET dibao = 1 - dibao WHERE id = ?", (h,))
            counter[0] += 1
        except sqlite3.OperationalError:
            if db.in_transaction:
                db.execute("ROLLBACK")
        time.sleep(rng.uniform(0, 0.004))
    db.close()


def eval_all(env, db):
    return env.fupin("eval", "--all", config=env.config_for(db), check=False)


def run(kills=50, households=60, seed=None, policies="real",
        plugins=("education", "medical", "housing", "credit")):
    seed = seed if seed is not None else int(time.time())
    rng = random.Random(seed)
    log("seed %d, %d kills, %d households" % (seed, kills, households))
    with Env(policies=policies, plugins=plugins, workers=2, batch_size=8) as env:
        env.households = households
        env.init()
        env.seed(households=households)
        stop = threading.Event()
        counter = [0]
        t = threading.Thread(target=writer, args=(env, stop, counter, random.Random(seed + 1)))
        t.start()
        try:
            for i in range(kills):
                env.start()
                # Sometimes before start-up finished, sometimes mid-catch-up.
                time.sleep(rng.choice([0.0, 0.01, 0.03, 0.08, 0.15, 0.3]))
                env.kill()
        finally:
            stop.set()
            t.join()
        log("%d changes written during %d kills" % (counter[0], kills))
        env.start()
        env.wait_caught_up()
        rc = env.stop()
        assert rc == 0, rc

        db = env.connect()
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        assert ok == "ok", ok
        dups = db.execute("SELECT count(*) FROM (SELECT 1 FROM finding GROUP BY household_id,"
                          " ifnull(member_id, 0), policy, measure HAVING count(*) > 1)").fetchone()[0]
        assert dups == 0, "%d duplicated findings" % dups
        db.close()

        # The same database evaluated from scratch by one clean eval --all.
        copy = os.path.join(env.dir, "copy.db")
        env.copy_db(copy)
        r = eval_all(env, copy)
        assert r.returncode == 0, r.stderr
        log("eval --all on the copy: " + r.stdout.strip())
        daemon = sorted(env.findings())
        clean = sorted(env.findings(copy))
        if daemon != clean:
            only_d = set(daemon) - set(clean)
            only_c = set(clean) - set(daemon)
            raise AssertionError("findings differ: daemon only %s; eval only %s"
                                 % (sorted(only_d)[:5], sorted(only_c)[:5]))
        # And from an empty finding table: the same live findings.
        fresh = os.path.join(env.dir, "fresh.db")
        env.copy_db(fresh)
        c = sqlite3.connect(fresh)
        c.execute("DELETE FROM finding")
        c.commit()
        c.close()
        r = eval_all(env, fresh)
        assert r.returncode == 0, r.stderr
        live = lambda rows: sorted(x for x in rows if x[4] == "open")
        assert live(env.findings()) == live(env.findings(fresh)), "live findings differ from a fresh evaluation"
        log("ok: %d findings (%d live) equal a clean eval --all" % (len(daemon), len(live(daemon))))


if __name__ == "__main__":
    run(kills=int(os.environ.get("FUPIN_KILLS", "50")))
