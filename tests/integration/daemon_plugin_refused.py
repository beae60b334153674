"""daemon_plugin_refused: plugins that must be refused (wrong magic, another
ABI version, no entry point, world-writable) are named in the log with the
reason and raised as policy_error alerts, and the daemon keeps running with
the rest: the housing plugin's findings still appear."""
import os
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import PLUGIN_DIR, TEST_PLUGIN_DIR, Env, log, skip  # noqa: E402

# The reasons as an officer reads them: in Chinese, the default language.
REFUSED = {
    "bad_magic": "不是 fupin 插件（描述符 magic",
    "bad_version": "按插件 ABI 1 编译，本 fupin 使用 ABI 4",
    "no_entry": "没有导出 fupin_plugin_entry",
    "writable": "对所有用户可写",
}
RENOVATION = ("SELECT state FROM finding WHERE household_id = 3 AND policy = 'housing'"
              " AND measure = 'renovation'")


def main():
    if not os.path.exists(os.path.join(TEST_PLUGIN_DIR, "bad_magic.so")):
        skip("test plugins not built in " + TEST_PLUGIN_DIR)
    plugdir = tempfile.mkdtemp(prefix="fupin-plugins-")
    try:
        os.chmod(plugdir, 0o700)
        shutil.copy(os.path.join(PLUGIN_DIR, "housing.so"), plugdir)
        for name in ("bad_magic", "bad_version", "no_entry"):
            shutil.copy(os.path.join(TEST_PLUGIN_DIR, name + ".so"), plugdir)
        shutil.copy(os.path.join(TEST_PLUGIN_DIR, "sample.so"), os.path.join(plugdir, "writable.so"))
        os.chmod(os.path.join(plugdir, "writable.so"), 0o757 | stat.S_IWOTH)
        with Env(policies="none", plugins=("housing",) + tuple(REFUSED), plugin_dir=plugdir) as env:
            env.init()
            env.seed(households=8)
            env.start()
            env.wait_caught_up()
            assert env.alive(), "daemon died on a refused plugin"
            text = env.log_text()
            for name, reason in REFUSED.items():
                lines = [l for l in text.splitlines() if "[plugin.refused]" in l and name + ".so" in l]
                assert lines and reason in lines[0], (name, reason, text[-3000:])
            for name in REFUSED:
                env.wait_until("SELECT count(*) FROM alert WHERE kind = 'policy_error' AND subject = ?"
                               " AND state = 'open'", ("policy:%s.so" % name,), 1)
            # The rest keeps working: household 3 is grade D (seed), not renovated.
            env.wait_until(RENOVATION, (), "open")
            db = env.connect()
            db.execute("UPDATE household SET housing_renovated = 1 WHERE id = 3")
            env.wait_until(RENOVATION, (), "withdrawn")
            db.close()
            assert env.stop() == 0
            log("ok")
    finally:
        shutil.rmtree(plugdir, ignore_errors=True)


if __name__ == "__main__":
    main()
