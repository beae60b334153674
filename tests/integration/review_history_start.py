"""review_history_start: with `reload: review`, `fupin run` records in
rule_version only what goes live. A policy edited on disk while the daemon
was stopped does not run at the next start (the live version does), and so
it is not in the history; staged and activated, it is, once, activated by
that person."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env, set_reload  # noqa: E402

EDITED = FIXTURE_POLICY.replace("3000", "4000")


def versions(env, text):
    return env.rows("SELECT activated_by FROM rule_version WHERE kind = 'policy' AND text = ?", (text,))


def main():
    check = Checks()
    with Env() as env:
        set_reload(env, "review")
        env.init()
        env.seed(households=4)
        env.start()
        env.wait_caught_up()
        check(len(versions(env, FIXTURE_POLICY)) == 1, "the first start records the live version")
        env.stop()

        # Edited while stopped: at the next start the edit is staged, the live version runs.
        path = os.path.join(env.policies, "fixture.lua")
        env.write(path, EDITED)
        mark = env.log_mark()
        env.start()
        env.wait_caught_up()
        env.wait_log("[review.started]", after=mark)
        check(versions(env, EDITED) == [], "a pending version that never ran is not in the history",
              repr(versions(env, EDITED)))
        check(len(versions(env, FIXTURE_POLICY)) == 1, "the live version stays recorded once")

        # Saved again while running: staged, then activated.
        env.wait_watching()
        mark = env.log_mark()
        env.write(path + ".tmp", EDITED)
        os.rename(path + ".tmp", path)
        env.wait_log("[review.staged]", after=mark)
        check(versions(env, EDITED) == [], "staged, it is still not in the history")
        cid = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        env.fupin("change", "activate", str(cid), "--by", "李明")
        # The daemon records the version as it loads it, then names who
        # activated it once the activation's summary is kept.
        env.wait_until("SELECT group_concat(activated_by) FROM rule_version WHERE kind = 'policy' AND text = ?",
                       (EDITED,), expect="李明")
        check([r[0] for r in versions(env, EDITED)] == ["李明"],
              "activated, it is recorded once, by who activated it", repr(versions(env, EDITED)))
        env.stop()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
