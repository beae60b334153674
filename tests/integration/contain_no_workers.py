#!/usr/bin/env python3
"""contain_no_workers.py - when worker processes cannot be started at all
(here a test plugin that crashes while loading in every worker), `fupin run`
and `fupin eval` exit 1 naming the cause instead of running without
evaluating anything; nothing is written."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import TEST_PLUGIN_DIR, Checks, Env, log  # noqa: E402


def main():
    check = Checks()
    with Env(policies="fixture", plugins=("crash_in_worker",), plugin_dir=TEST_PLUGIN_DIR, workers=2) as env:
        assert env.plugins == ["crash_in_worker"], "test plugin not built"
        env.init()
        env.seed(households=3)
        r = env.fupin("eval", "--all", check=False)
        log("eval ->", r.returncode, r.stderr[-400:])
        check(r.returncode == 1, "eval exits 1 when no worker starts, not %d" % r.returncode)
        # Chinese by default: what the operator reads names the cause.
        check("无法启动评估工作进程" in r.stderr, "eval names the cause", r.stderr[-2000:])
        check(env.scalar("SELECT count(*) FROM finding") == 0, "nothing written")
        env.start()
        rc = env.proc.wait(timeout=120)
        env.proc = None
        env.logf.close()
        text = env.log_text()
        check(rc == 1, "fupin run exits 1 when no worker starts, not %s" % rc, text[-2000:])
        check("无法启动评估工作进程（连续 5 次启动失败）" in text, "run names the cause", text[-2000:])
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
