"""worklist_decisions: with `fupin run` watching, another process accepts,
rejects and acknowledges - `fupin finding accept` makes a help task for the
household's cadre (unassigned without one) due per params.tasks; accepting
again says by whom and when and changes nothing; reject needs a reason; a
withdrawn, flag-only or unknown finding, a bad --due or a missing --by is
exit 2. Then the facts change: the daemon's re-evaluation keeps every
decision and its task and marks "facts changed since accepted/rejected".
`fupin alert ack --by --note` records who and why, and the daemon keeps it."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, log  # noqa: E402


def main():
    check = Checks()
    with Env(policies="real", plugins=("housing",)) as env:
        env.init()
        env.seed(8)  # housing grade "ABCD"[h % 4]: 2 and 6 are C, 3 and 7 are D
        env.sql("INSERT INTO cadre(id, name, region) VALUES (1, '张干部', '441602001');"
                "INSERT INTO pairing(household_id, cadre_id) VALUES (2, 1), (3, 1);")
        env.start()
        env.wait_watching()
        env.wait_caught_up()

        def finding(hh, measure="renovation"):
            return env.scalar("SELECT id FROM finding WHERE household_id = ? AND measure = ?", (hh, measure))

        def decide(*args):
            return env.fupin("finding", *args, check=False)

        env.wait_until("SELECT count(*) FROM finding WHERE measure = 'renovation' AND state = 'open'", expect=4)
        f2, f3, f6, f7 = finding(2), finding(3), finding(6), finding(7)

        # ---- accept ----
        r = decide("accept", str(f3), "--by", "王主任", "--note", "先修最危险的")
        check(r.returncode == 0, "accept: exit 0", r.stderr)
        task = env.row("SELECT id, household_id, cadre_id, measure, due, status FROM task WHERE household_id = 3")
        check(task is not None and task[1:] == (3, 1, "renovation", "2018-09-28", "open"),
              "accept: an open task for the cadre, due today + params.tasks.due_days.renovation (90)", str(task))
        row = env.row("SELECT state, decided_by, decision_note, task_id, decided_at IS NOT NULL FROM finding"
                      " WHERE id = ?", (f3,))
        check(row == ("accepted", "王主任", "先修最危险的", task and task[0], 1), "accept: recorded who, why, task",
              str(row))
        check(str(task and task[0]) in r.stdout and "2018-09-28" in r.stdout, "accept: says the task and due", r.stdout)
        at = env.scalar("SELECT decided_at FROM finding WHERE id = ?", (f3,))
        r = decide("accept", str(f3), "--by", "别人")
        check(r.returncode == 0 and "王主任" in r.stdout and at in r.stdout,
              "accepting an accepted finding: exit 0, by whom and when", r.stdout + r.stderr)
        check(env.scalar("SELECT count(*) FROM task") == 1 and
              env.scalar("SELECT decided_by FROM finding WHERE id = ?", (f3,)) == "王主任",
              "accepting again changes nothing")

        r = decide("accept", str(f7), "--by", "王主任", "--due", "2018-08-01")
        t7 = env.row("SELECT cadre_id, due FROM task WHERE household_id = 7")
        check(r.returncode == 0 and t7 == (None, "2018-08-01"), "accept without a cadre: unassigned, --due kept",
              str(t7) + r.stderr)

        # ---- reject ----
        r = decide("reject", str(f2), "--by", "李科长")
        check(r.returncode == 2 and "--note" in r.stderr, "reject without --note -> exit 2", r.stderr)
        r = decide("reject", str(f2), "--by", "李科长", "--note", "已自行修缮")
        check(r.returncode == 0 and env.row("SELECT state, decided_by, decision_note, task_id FROM finding"
                                            " WHERE id = ?", (f2,)) == ("rejected", "李科长", "已自行修缮", None),
              "reject: recorded, no task", r.stderr)
        r = decide("accept", str(f2), "--by", "王主任")
        check(r.returncode == 2 and "李科长" in r.stderr, "accepting a rejected finding -> exit 2, by whom", r.stderr)
        check(decide("reject", str(f3), "--by", "李科长", "--note", "x").returncode == 2,
              "rejecting an accepted finding -> exit 2")
        r = decide("reject", str(f2), "--by", "李科长", "--note", "再说一次")
        check(r.returncode == 0 and env.scalar("SELECT decision_note FROM finding WHERE id = ?", (f2,)) == "已自行修缮",
              "rejecting a rejected finding: exit 0, nothing changes")

        # ---- bad input, exit 2 each ----
        for args, what in (
            (["accept", "99999", "--by", "王"], "unknown finding"),
            (["accept", "x7", "--by", "王"], "a finding ID that is no number"),
            (["accept", str(f6)], "no --by"),
            (["accept", str(f6), "--by", ""], "an empty --by"),
            (["accept", str(f6), "--by", "王\x1b[31m"], "a --by with a control character"),
            (["accept", str(f6), "--by", "王", "--due", "2018-13-01"], "an impossible --due"),
            (["accept", str(f6), "--by", "王", "--due", "2018-06-29"], "a --due before today"),
            (["accept", str(f6), "--by", "王", "--bogus", "1"], "an unknown option"),
            (["reject", str(f6), "--by", "王", "--due", "2018-09-01", "--note", "x"], "--due on reject"),
            (["approve", str(f6)], "an unknown subcommand"),
        ):
            r = decide(*args)
            check(r.returncode == 2 and r.stderr, "finding %s -> exit 2" % what, r.stderr)
        check(env.scalar("SELECT state FROM finding WHERE id = ?", (f6,)) == "open", "bad input wrote nothing")

        env.sql("INSERT INTO finding(household_id, policy, measure, kind, reason, source, state, created_at,"
                " updated_at) VALUES (8, 'exit', 'exit_ready', 'flag', '拟退出', 'test', 'open', '2018-06-30',"
                " '2018-06-30')")
        flag = finding(8, "exit_ready")
        r = decide("accept", str(flag), "--by", "王主任")
        check(r.returncode == 2 and "认定标记" in r.stderr, "accepting a flag -> exit 2", r.stderr)

        env.sql("UPDATE household SET housing_renovated = 1 WHERE id = 6")
        env.wait_until("SELECT state FROM finding WHERE id = ?", (f6,), expect="withdrawn")
        r = decide("accept", str(f6), "--by", "王主任")
        check(r.returncode == 2 and "已撤销" in r.stderr, "accepting a withdrawn finding -> exit 2", r.stderr)

        # ---- the facts change: the daemon keeps every decision and task ----
        env.sql("UPDATE household SET housing_grade = 'C' WHERE id = 3;"
                "UPDATE household SET housing_grade = 'D' WHERE id = 2;"
                "UPDATE household SET housing_renovated = 1 WHERE id = 7;")
        env.wait_until("SELECT count(*) FROM finding WHERE id IN (?, ?, ?) AND facts_changed_at IS NOT NULL",
                       (f2, f3, f7), expect=3)
        env.wait_caught_up()
        rows = env.rows("SELECT id, state, decided_by, task_id FROM finding WHERE id IN (?, ?, ?) ORDER BY id",
                        (f2, f3, f7))
        states = {r[0]: r[1:] for r in rows}
        check(states.get(f3, (None,))[0] == "accepted" and states[f3][1] == "王主任" and states[f3][2] == task[0],
              "re-evaluated: the accepted finding stays accepted with its task", str(states))
        check(states.get(f7, (None,))[0] == "accepted", "no longer applies: still accepted, not withdrawn",
              str(states))
        check(states.get(f2, (None,))[0] == "rejected", "re-evaluated: the rejected finding stays rejected")
        check(env.rows("SELECT status FROM task ORDER BY id") == [("open",), ("open",)], "both tasks still open")
        got = {f["id"]: f for f in json.loads(env.fupin("findings", "list", "--format", "json").stdout)}
        check(got[f3]["facts_changed"] == 1 and got[f3]["task_id"] == task[0] and got[f3]["due"] == "2018-09-28",
              "findings list: facts changed, task and due", json.dumps(got.get(f3), ensure_ascii=False))
        table = env.fupin("findings", "list", "--state", "accepted").stdout
        check("采纳后事实已变化" in table, "table: 采纳后事实已变化 (facts changed since accepted)", table)
        check("不采纳后事实已变化" in env.fupin("findings", "list", "--state", "rejected").stdout,
              "table: facts changed since rejected")
        en = env.fupin("findings", "list", "--state", "accepted", "--format", "csv", check=False)
        check("采纳后事实已变化" in en.stdout, "csv: the same note")

        # ---- alerts: ack with who and why ----
        env.wait_until("SELECT count(*) FROM alert WHERE kind = 'no_cadre' AND household_id = 5"
                       " AND state = 'open'", expect=1)
        aid = env.scalar("SELECT id FROM alert WHERE kind = 'no_cadre' AND household_id = 5 AND state = 'open'")
        r = env.fupin("alert", "ack", str(aid), "--by", "镇督查", "--note", "本周落实", check=False)
        check(r.returncode == 0, "alert ack --by --note", r.stderr)
        acked = env.row("SELECT state, acked_by, ack_note, acked_at FROM alert WHERE id = ?", (aid,))
        check(acked[:3] == ("acked", "镇督查", "本周落实") and acked[3], "ack recorded who, why and when", str(acked))
        r = env.fupin("alert", "ack", str(aid), "--by", "别人", check=False)
        check(r.returncode == 0 and "镇督查" in r.stdout and acked[3] in r.stdout,
              "acking an acked alert: exit 0, by whom and when", r.stdout)
        check(env.row("SELECT state, acked_by, ack_note, acked_at FROM alert WHERE id = ?", (aid,)) == acked,
              "acking again changes nothing")
        env.sql("UPDATE household SET head_name = '户主五' WHERE id = 5")
        env.wait_caught_up()
        check(env.row("SELECT state, acked_by, ack_note FROM alert WHERE id = ?", (aid,)) == acked[:3],
              "re-evaluated: the alert stays acked with who and why")
        lst = json.loads(env.fupin("alert", "list", "--format", "json", "--cadre", "1").stdout)
        check(all(a["household_id"] in (2, 3) for a in lst), "alert list --cadre with the daemon running")
        for args, what in ((["ack", str(aid)], "no --by"), (["ack", "99999", "--by", "x"], "unknown alert"),
                           (["ack", str(aid), "--by", "x", "--note", "a\nb"], "a note of two lines")):
            r = env.fupin("alert", *args, check=False)
            check(r.returncode == 2 and r.stderr, "alert %s -> exit 2" % what, r.stderr)
        # The nightly job resolves it once the household has a cadre; as an
        # outside program would see it:
        env.sql("UPDATE alert SET state = 'resolved', resolved_at = '2018-07-01 02:00:00' WHERE id = %d" % aid)
        r = env.fupin("alert", "ack", str(aid), "--by", "镇督查", check=False)
        check(r.returncode == 2, "acking a resolved alert -> exit 2", r.stderr)

        rc = env.stop()
        check(rc == 0, "the daemon stops cleanly")

        # The nightly job watches the accepted finding's task like any other.
        env.fupin("nightly", "--date", "2018-10-01")
        overdue = env.row("SELECT kind, state FROM alert WHERE task_id = ?", (task[0],))
        check(overdue == ("task_overdue", "open"), "past its due date the task is overdue (nightly)", str(overdue))
        if check.failures:
            log(env.log_tail())
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
