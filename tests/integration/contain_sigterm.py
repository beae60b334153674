#!/usr/bin/env python3
"""contain_sigterm.py - `fupin run` while a worker is stuck in a plugin that
never returns (the hostile test plugin, with a hard deadline far away so
the kill cannot come first): SIGTERM ends the daemon with exit 0 within
5 s, and no worker process outlives it. Nothing of the batch in flight was
committed, so the next start evaluates it again (and hangs again, this
time ended by SIGKILL: the orphaned workers end too). The same when the reload
check of a saved policy file is what hangs. Idle workers whose daemon is
gone see it hang up between batches and leave without an error line."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, TEST_PLUGIN_DIR, children, log, wait_for  # noqa: E402



def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def main():
    check = Checks()
    with Env(policies="fixture", plugins=("hostile",), plugin_dir=TEST_PLUGIN_DIR, workers=2) as env:
        assert env.plugins == ["hostile"], "test plugin not built"
        with open(env.config, encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"(?m)^  worker_deadline_factor: .*$", "  worker_deadline_factor: 1000", text)
        assert n == 1
        env.write(env.config, text)
        env.init()
        env.seed(households=6)
        env.fupin("eval", "--all")
        env.start()
        env.wait_watching()
        workers = children(env.proc.pid)
        check(len(workers) == 2, "two worker processes", str(workers))
        mark = env.log_mark()
        db = env.connect()
        db.execute("UPDATE household SET head_name = 'HANG' WHERE id = 4")
        db.commit()
        db.close()
        env.wait_log("hostile: hanging on household 4", after=mark)
        rc = env.stop(timeout=5)
        check(rc == 0, "SIGTERM with a worker stuck in a plugin: exit 0 within 5 s, not %s" % rc)
        wait_for(lambda: not any(alive(p) for p in workers), "the workers gone with the daemon")
        check(env.scalar("SELECT count(*) FROM engine_journal WHERE seq > (SELECT value FROM engine_meta"
                         " WHERE key = 'journal_cursor')") > 0,
              "the change in flight is still after the cursor (redone next time)")
        log("log tail:", env.log_tail(600))

        # SIGKILL, no chance to clean up: a worker stuck in the plugin must
        # still notice it is orphaned and end.
        env.start()
        env.wait_watching()
        env.wait_log("hostile: hanging on household 4", after=env.start_mark)
        workers = children(env.proc.pid)
        check(len(workers) == 2, "two worker processes again", str(workers))
        dead = env.proc.pid
        env.kill()
        wait_for(lambda: not any(alive(p) for p in workers), "the orphaned workers end")
        check(True, "the workers of a SIGKILLed daemon end, the stuck one included")
        left = os.path.join(env.db + ".workers", str(dead))
        check(os.path.isdir(left), "the killed daemon's copy of the policies is left behind", left)
        db = env.connect()
        db.execute("UPDATE household SET head_name = 'quiet' WHERE id = 4")
        db.commit()
        db.close()
        env.fupin("eval")
        check(not os.path.exists(left), "the next run sweeps it away", left)
        check(not os.listdir(env.db + ".workers") if os.path.isdir(env.db + ".workers") else True,
              "and leaves nothing of its own", str(os.listdir(env.db + ".workers")
                                                   if os.path.isdir(env.db + ".workers") else ""))

    # A policy file whose top level hangs in C, saved under a running daemon:
    # the reload check compiles it in the daemon's process, and SIGTERM must
    # still end the daemon.
    with Env(policies="fixture", workers=1) as env:
        env.init()
        env.seed(households=2)
        env.start()
        env.wait_watching()
        mark = env.log_mark()
        env.write(os.path.join(env.policies, "hang.lua"),
                  "local s = string.rep('', math.maxinteger)\n"
                  "return { name = 'hang', title = 'hang', evaluate = function() end }\n")
        env.wait_log("[reload.policy_checking] checking the changed policy file hang.lua", after=mark)
        rc = env.stop(timeout=5)
        check(rc == 0, "SIGTERM during a stuck reload check: exit 0 within 5 s, not %s" % rc)

    # The hang-up is told by its error code, not by the words of a message
    # (which a translation may change): idle workers exit 0, unlogged.
    with Env(policies="fixture", workers=2) as env:
        env.init()
        env.seed(households=4)
        env.start()
        env.wait_caught_up()
        workers = children(env.proc.pid)
        check(len(workers) == 2, "two idle worker processes", str(workers))
        mark = env.log_mark()
        env.kill()
        wait_for(lambda: not any(alive(p) for p in workers), "the idle workers end")
        text = env.log_text()[mark:]
        check("[worker.exit]" not in text, "idle workers of a killed daemon leave quietly", text)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
