"""change_summary: every activation keeps a summary. In `reload: auto` a
saved policy goes live at once and its record (an active change by
"auto") keeps the difference its re-evaluation made, in the preview's JSON
shape, with the same counts a preview of the edit predicted; the new rule
version keeps it too. In `reload: review` the activated version keeps the
change's preview."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env, set_reload  # noqa: E402

SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND measure = 'income_support'"
           " AND state = 'open'")
# Withdraws the findings of households under 1000, changes the others'.
EDIT = FIXTURE_POLICY.replace("pc < 3000", "pc < 3000 and pc >= 1000").replace("3000 - pc", "4000 - pc")


def edit(env, text):
    path = os.path.join(env.policies, "fixture.lua")
    env.write(path + ".tmp", text)
    os.rename(path + ".tmp", path)


def version_summary(env):
    """The summary of the fixture version now running (its source in the findings)."""
    src = env.scalar("SELECT source FROM finding WHERE household_id = 1 AND measure = 'income_support'")
    return src, env.scalar("SELECT preview_summary FROM rule_version WHERE source = ?", (src,))


def main():
    check = Checks()
    with Env() as env:
        set_reload(env, "auto")
        env.init()
        env.seed(households=12)
        db = env.connect()
        members = db.execute("SELECT count(*) FROM member WHERE household_id = 1").fetchone()[0]
        db.execute("DELETE FROM income WHERE household_id = 1")
        # 1500 a head: 1500 of support now, 2500 after the edit.
        db.execute("INSERT INTO income(household_id, year, wage) VALUES (1, 2017, ?)", (1500 * members,))
        db.close()
        env.start()
        env.wait_caught_up()
        env.wait_until(SUPPORT, (), 1500.0)

        # What the edit would do, previewed on a copy of the policy folder.
        cand = os.path.join(env.dir, "cand", "policies")
        shutil.copytree(env.policies, cand)
        env.write(os.path.join(cand, "fixture.lua"), EDIT)
        predicted = json.loads(env.fupin("preview", "--policies", cand, "--format", "json").stdout)
        check(predicted["totals"]["changed"] + predicted["totals"]["withdrawn"] >= 1,
              "the edit changes something", repr(predicted["totals"]))

        edit(env, EDIT)
        env.wait_until(SUPPORT, (), 2500.0)
        env.wait_caught_up()
        env.wait_until("SELECT count(*) FROM rule_change WHERE decided_by = 'auto'"
                       " AND preview_summary IS NOT NULL", (), 1)
        row = env.row("SELECT state, policies, preview_summary FROM rule_change WHERE decided_by = 'auto'")
        check(row[0] == "active" and "fixture" in row[1], "the reload is recorded as an active change", repr(row[:2]))
        real = json.loads(row[2])
        for k in ("added", "withdrawn", "changed", "amount_before", "amount_after"):
            check(real["totals"][k] == predicted["totals"][k],
                  "auto: %s as the preview predicted" % k, "%r vs %r" % (real["totals"], predicted["totals"]))
        check(real["policies"] and real["policies"][0]["policy"] == "fixture"
              and "measures" in real["policies"][0], "per policy and measure, as a preview", repr(real["policies"]))
        src, summary = version_summary(env)
        check(summary and json.loads(summary)["totals"] == real["totals"],
              "the new version keeps the difference it made", repr((src, summary and summary[:200])))

        # review: the activated version keeps the change's preview.
        env.stop()
        set_reload(env, "review")
        env.start()
        env.wait_log("[review.started]", after=env.start_mark)
        env.wait_caught_up()
        mark = env.log_mark()
        edit(env, EDIT.replace("4000 - pc", "4500 - pc"))
        env.wait_log("[review.staged]", after=mark)
        cid = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        env.fupin("change", "activate", str(cid), "--by", "李明")
        env.wait_until(SUPPORT, (), 3000.0)
        env.wait_caught_up()
        kept = env.scalar("SELECT preview_summary FROM rule_change WHERE id = ?", (cid,))
        src, summary = version_summary(env)
        check(kept and summary == kept, "review: the activated version keeps the change's preview",
              repr((src, summary and summary[:120])))
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
