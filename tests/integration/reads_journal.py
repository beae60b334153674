"""reads_journal: under `fupin run`, a change re-runs on its household only
the policies that read the changed table. Three probe policies fail on every
household they run on (so each run is counted in the daemon's batch.done
line as a policy error): one reads the members, one the visits, one nothing
but the household's own row. A visit change runs the visit reader only, a
member change the member reader only, a loan change (read by none) none, a
change of the household row every one; the findings of the policies not run
and their alerts stay as they were. A household with a malformed visit keeps
its data-quality alert through a member change (it is read whole), and loses
it when the visit is mended. `fupin check` refuses a misspelt list, exit 2."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, Checks, log  # noqa: E402

PROBE = """
return {
    name = "%(name)s",
    title = "probe",
    measures = { "probe" },
    reads = { %(reads)s },
    evaluate = function(h, out, params)
        local n = 0
        %(touch)s
        error("probe ran")
    end,
}
"""
PROBES = {
    "probe_members": ('"members"', "n = #h.members"),
    "probe_visits": ('"visits"', "n = #h.visits"),
    "probe_row": ("", "n = h.id"),
}


def errors_of_next_batch(env, mark):
    """The households and policy errors of the first batch.done after mark."""
    env.wait_log("[batch.done]", after=mark)
    line = [ln for ln in env.log_text()[mark:].splitlines() if "[batch.done]" in ln][0]
    m = re.search(r"batch: (\d+) households? .* (\d+) policy errors", line)
    assert m, line
    return int(m.group(1)), int(m.group(2))


def change(env, sql):
    env.wait_caught_up()
    mark = env.log_mark()
    env.sql(sql)
    got = errors_of_next_batch(env, mark)
    env.wait_caught_up()
    return got


def main():
    check = Checks()
    with Env(policies="real", workers=1) as env:
        for name, (reads, touch) in PROBES.items():
            env.write(os.path.join(env.policies, name + ".lua"),
                      PROBE % {"name": name, "reads": reads, "touch": touch})
        # A bad declaration is refused by `fupin check` with its line, exit 2.
        bad = os.path.join(env.policies, "probe_bad.lua")
        env.write(bad, PROBE % {"name": "probe_bad", "reads": '"members", "vists"', "touch": ""})
        r = env.fupin("check", check=False)
        check(r.returncode == 2 and "probe_bad.lua:6:" in r.stderr and "vists" in r.stderr,
              "check refuses an unknown list in reads with its line, exit 2", r.stderr[-600:])
        os.unlink(bad)
        env.init()
        env.seed(households=4)
        env.sql("""
            INSERT INTO cadre(id, name) VALUES (1, '干部');
            INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01'), (2, 1, '2018-01-01');
            INSERT INTO visit(id, household_id, cadre_id, date) VALUES (1, 1, 1, '2018-03-01'), (2, 2, 1, '2018-03-01');
            INSERT INTO loan(id, household_id, amount, term_months, start_date) VALUES (1, 1, 5000, 12, '2018-01-01');
        """)
        mark = env.log_mark()
        env.start()
        # The first pass's batch.done is logged after its commit empties the
        # pending marks: wait for the line too, or the next change's mark
        # falls before it and reads the first pass's figures.
        env.wait_log("[batch.done]", after=mark)
        env.wait_caught_up()

        got = change(env, "UPDATE visit SET note = 'x' WHERE id = 1")
        check(got == (1, 1), "a visit change runs the visit reader only", repr(got))
        got = change(env, "UPDATE member SET labor = 'none' WHERE id = 101")
        check(got == (1, 1), "a member change runs the member reader only", repr(got))
        got = change(env, "UPDATE loan SET amount = 6000 WHERE id = 1")
        check(got == (1, 0), "a loan change runs no policy (none reads loans)", repr(got))
        # The probes' policy_error alert of household 1 (one per household)
        # is still open: a pass that ran none of them leaves it as it was.
        open_alerts = env.scalar("SELECT count(*) FROM alert WHERE kind = 'policy_error'"
                                 " AND household_id = 1 AND state IN ('open', 'acked')")
        check(open_alerts == 1, "the alert of the policies not run stays open", repr(open_alerts))
        got = change(env, "UPDATE household SET head_name = '新户主' WHERE id = 1")
        check(got == (1, 3), "a change of the household's row runs every policy", repr(got))

        # A malformed visit: the visit reader's run reads it and raises the
        # data-quality alert; a member change then reads the household whole
        # and keeps it; mending the visit resolves it.
        dq = ("SELECT count(*) FROM alert WHERE kind = 'data_quality' AND household_id = 2"
              " AND state IN ('open', 'acked')")
        env.wait_caught_up()
        mark = env.log_mark()
        env.sql("PRAGMA ignore_check_constraints = 1; UPDATE visit SET date = '2018-13-45' WHERE id = 2")
        env.wait_log("[household.malformed]", after=mark)
        env.wait_log("[batch.done]", after=mark)
        env.wait_caught_up()
        check(env.scalar(dq) == 1, "a malformed visit raises the data-quality alert")
        change(env, "UPDATE member SET labor = 'full' WHERE id = 200")
        check(env.scalar(dq) == 1, "a member change keeps the data-quality alert of a malformed visit",
              repr(env.scalar(dq)))
        change(env, "UPDATE visit SET date = '2018-04-01' WHERE id = 2")
        check(env.scalar(dq) == 0, "mending the visit resolves it", repr(env.scalar(dq)))
        env.stop()
    log("per-table reads under fupin run")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
