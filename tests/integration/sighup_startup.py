"""sighup_startup: a SIGHUP that arrives while `fupin run` is still starting
(in review mode it first loads the live rule set, before the loop owns the
signals) must not kill the daemon: a service manager or an officer may send
one at any moment. The daemon comes up, evaluates and still answers a later
SIGHUP with a reload."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, children, set_reload  # noqa: E402


def main():
    check = Checks()
    with Env() as env:
        set_reload(env, "review")
        env.init()
        env.seed(households=4)
        proc = env.start()
        # Once its workers exist (well past exec and main) and until the loop
        # has started: SIGHUP after SIGHUP.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None and not children(proc.pid):
            time.sleep(0.001)
        while time.monotonic() < deadline and "[daemon.started]" not in env.log_text()[env.start_mark:]:
            if proc.poll() is not None:
                break
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.002)
        check(proc.poll() is None, "SIGHUPs during start-up leave the daemon running", str(proc.returncode))
        if proc.poll() is None:
            env.wait_watching()
            env.wait_caught_up()
            mark = env.log_mark()
            env.signal(signal.SIGHUP)
            env.wait_log("[reload.config_done]", after=mark)
            check(True, "a SIGHUP after start-up reloads the config")
            env.stop()
        else:
            env.proc = None
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
