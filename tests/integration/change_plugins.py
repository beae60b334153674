"""change_plugins: with `reload: review` a plugin .so replaced in the
plugin folder is checked on SIGHUP, staged (`fupin change list` names it)
and not loaded until `fupin change activate`; the daemon loads the
activated copy, also after a restart, whatever the folder holds; a build
that does not load is not staged."""
import os
import re
import shutil
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import TEST_PLUGIN_DIR, Checks, Env  # noqa: E402


def pending(env):
    return [r[0] for r in env.rows("SELECT id FROM rule_change WHERE state = 'pending' ORDER BY id")]


def sighup(env, needle):
    mark = env.log_mark()
    env.signal(signal.SIGHUP)
    env.wait_log(needle, after=mark)


def live_copy(env):
    """The bytes of the plugin the daemon loads (its live folder)."""
    with open(os.path.join(env.dir, ".fupin.db.live", "live-plugins", "sample.so"), "rb") as f:
        return f.read()


def main():
    check = Checks()
    with Env(plugins=("sample",), plugin_dir=TEST_PLUGIN_DIR) as env:
        assert env.plugins == ["sample"], "test plugins not built"
        # A plugin folder of the test's own, so the .so can be replaced.
        plugins = os.path.join(env.dir, "plugins")
        os.makedirs(plugins)
        shutil.copy(os.path.join(TEST_PLUGIN_DIR, "sample.so"), plugins)
        env.plugin_dir = plugins
        with open(env.config, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"(?m)^reload: .*$", "reload: review", text)
        env.write(env.config, text)
        with open(os.path.join(plugins, "sample.so"), "rb") as f:
            first = f.read()
        env.init()
        env.seed(households=4)
        env.start()
        env.wait_caught_up()
        check(live_copy(env) == first, "the daemon loads a live copy of the plugin")

        # A new build (other bytes, still a loadable plugin) is staged, not loaded.
        second = first + b"\0" * 64
        with open(os.path.join(plugins, "sample.so.tmp"), "wb") as f:
            f.write(second)
        os.rename(os.path.join(plugins, "sample.so.tmp"), os.path.join(plugins, "sample.so"))
        sighup(env, "[review.staged]")
        env.wait_log("[reload.config_done]")
        ids = pending(env)
        check(len(ids) == 1, "one pending change", repr(ids))
        out = env.fupin("change", "list").stdout
        check("plugin:sample.so" in out, "change list names the plugin", out)
        check(live_copy(env) == first, "the staged plugin is not loaded")

        mark = env.log_mark()
        env.fupin("change", "activate", str(ids[0]), "--by", "李明")
        env.wait_log("[reload.config_done]", after=mark)
        check(live_copy(env) == second, "the activated plugin is loaded")

        # Replaced again and staged; a restart still loads the activated one.
        with open(os.path.join(plugins, "sample.so"), "wb") as f:
            f.write(first + b"\1" * 32)
        sighup(env, "[review.staged]")
        env.stop()
        env.start()
        env.wait_log("[review.started]", after=env.start_mark)
        env.wait_watching()  # signals are the loop's only from here on
        env.wait_caught_up()
        check(live_copy(env) == second, "after a restart the activated plugin is loaded")
        check(len(pending(env)) == 1, "the new build stays pending", repr(pending(env)))

        # A build that does not load is never staged.
        before = pending(env)
        with open(os.path.join(plugins, "sample.so"), "wb") as f:
            f.write(b"not a shared object")
        mark = env.log_mark()
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_done]", after=mark)
        check("[review.staged]" not in env.log_text()[mark:] and pending(env) == before,
              "a plugin that does not load is not staged", repr(pending(env)))
        check(live_copy(env) == second, "and the activated one stays loaded")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
