"""daemon_startup_marks: `fupin run` names at start-up the policies it
re-evaluates every household for: all of them on a first start, only the
one whose file changed while the daemon was stopped, and none (not a line)
when nothing changed."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env  # noqa: E402

QUIET = '''return {
  name = "quiet",
  measures = { "quiet_watch" },
  title = "%s",
  evaluate = function(household, out, params) end,
}
'''


def started(env):
    """The log of one start, from launch to caught up and watching."""
    env.start()
    env.wait_watching()
    env.wait_caught_up()
    text = env.log_text()[env.start_mark:]
    assert env.stop() == 0, text
    return text


def main():
    with Env() as env:
        quiet = os.path.join(env.policies, "quiet.lua")
        env.write(quiet, QUIET % "quiet one")
        env.init()
        env.seed(households=4)

        text = started(env)
        assert "[daemon.marked_all] start-up: every household marked for re-evaluation by " in text, text
        line = text.split("[daemon.marked_all]", 1)[1].split("\n", 1)[0]
        assert "fixture" in line and "quiet" in line, line

        env.write(quiet, QUIET % "quiet two")
        text = started(env)
        assert "[daemon.marked_all] start-up: every household marked for re-evaluation by quiet\n" in text, text

        text = started(env)
        assert "[daemon.marked_all]" not in text, text
        assert "re-evaluat" not in text, text


if __name__ == "__main__":
    main()
