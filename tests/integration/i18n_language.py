"""i18n_language: fupin speaks Chinese unless a person asks otherwise - with
no locale variables at all and no zh_CN locale installed, from any working
directory; a non-C LANGUAGE, LC_ALL or LC_MESSAGES wins over the config's
language:, which wins over the default; LANG alone does not count (it is the
machine's default); a language: other than zh-CN or en is exit 2 naming
file:line:col; the worker processes of the daemon speak what it speaks."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BIN, DEADLINE, Checks, Env, log  # noqa: E402

LOCALE_VARS = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "FUPIN_LOCALEDIR")

# The same message in each language, from the code path that runs after the
# config is loaded (so language: has been applied) ...
ZH_KEY = "未知的配置项"
EN_KEY = "unknown key"
# ... and from the usage, before any config is read.
ZH_USAGE = "用法：fupin"
EN_USAGE = "usage: fupin"


def run(args, env_over, cwd="/"):
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(env_over)
    return subprocess.run([BIN] + args, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=2 * DEADLINE)


def language_of(text, zh, en):
    if zh in text and en not in text:
        return "zh"
    if en in text and zh not in text:
        return "en"
    return "?"


def main():
    check = Checks()
    with Env() as env:
        cfg = {}
        for lang in ("zh-CN", "en", None):
            path = os.path.join(env.dir, "lang-%s.yaml" % lang)
            with open(env.config, encoding="utf-8") as f:
                text = f.read()
            if lang:
                text = re.sub(r"(?m)^language:.*\n", "", text) + "language: %s\n" % lang
            else:
                text = re.sub(r"(?m)^language:.*\n", "", text)
            env.write(path, text)
            cfg[lang] = path

        # (environment, config, expected) - the precedence of the issue.
        cases = [
            ({}, None, "zh"),
            ({}, "en", "en"),
            ({}, "zh-CN", "zh"),
            ({"LANGUAGE": "en"}, None, "en"),
            ({"LANGUAGE": "en"}, "zh-CN", "en"),
            ({"LANGUAGE": "zh_CN"}, "en", "zh"),
            ({"LANGUAGE": "zh_CN:en"}, None, "zh"),
            ({"LANGUAGE": "fr:en"}, None, "en"),
            ({"LC_ALL": "C"}, "en", "en"),
            ({"LC_ALL": "C"}, None, "zh"),
            ({"LC_ALL": "C.UTF-8"}, None, "zh"),
            ({"LC_ALL": "POSIX", "LANGUAGE": "en"}, None, "en"),
            ({"LC_MESSAGES": "en_US.UTF-8"}, "zh-CN", "en"),
            ({"LC_MESSAGES": "zh_CN.UTF-8"}, "en", "zh"),
            ({"LANG": "en_US.UTF-8"}, None, "zh"),
            ({"LANG": "en_US.UTF-8"}, "en", "en"),
        ]
        for env_over, lang, want in cases:
            r = run(["-c", cfg[lang], "config", "nosuchkey"], env_over)
            got = language_of(r.stderr, ZH_KEY, EN_KEY)
            check(r.returncode == 2 and got == want,
                  "env %s, language: %s -> %s (exit 2)" % (env_over or "{}", lang, want),
                  "got %s, exit %d: %s" % (got, r.returncode, r.stderr.strip()))

        # Before the config is read: the environment, else Chinese.
        for env_over, want in (({}, "zh"), ({"LANGUAGE": "en"}, "en"), ({"LC_ALL": "C"}, "zh")):
            r = run(["--help"], env_over)
            got = language_of(r.stdout, ZH_USAGE, EN_USAGE)
            check(r.returncode == 0 and got == want, "--help with %s -> %s" % (env_over or "{}", want),
                  "got %s: %s" % (got, r.stdout[:200]))

        # The catalogue is found beside the binary, not from the cwd.
        for cwd in ("/", env.dir, os.path.dirname(BIN)):
            r = run(["--help"], {}, cwd=cwd)
            check(ZH_USAGE in r.stdout, "Chinese from cwd %s" % cwd, r.stdout[:200])

        # A language we do not have is refused where it is written.
        bad = os.path.join(env.dir, "lang-bad.yaml")
        with open(cfg[None], encoding="utf-8") as f:
            text = f.read()
        env.write(bad, "language: fr\n" + text)
        for env_over in ({}, {"LANGUAGE": "en"}):
            r = run(["-c", bad, "config", "database"], env_over)
            check(r.returncode == 2 and "lang-bad.yaml:1:11: " in r.stderr and "fr" in r.stderr
                  and not r.stdout, "language: fr -> exit 2 at 1:11 (%s)" % (env_over or "{}"),
                  "exit %d: %s" % (r.returncode, r.stderr.strip()))
        r = run(["-c", bad, "config", "database"], {"LANGUAGE": "en"})
        check("zh-CN or en" in r.stderr, "the message names the choices", r.stderr.strip())

        # The daemon's workers speak the daemon's language: they inherit
        # LANGUAGE, set from the config when the environment chose nothing.
        env.write(env.config, open(cfg["en"], encoding="utf-8").read())
        env.init()
        envv = {k: v for k, v in env.env().items() if k not in LOCALE_VARS}
        env.env = lambda: envv
        env.start()
        env.wait_watching()
        workers = []
        deadline = time.time() + DEADLINE
        while time.time() < deadline and not workers:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open("/proc/%s/stat" % pid) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        cmd = f.read().split(b"\0")
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == env.proc.pid and b"worker" in cmd:
                    workers.append(pid)
            time.sleep(0.05)
        check(workers, "the daemon has worker processes")
        for pid in workers:
            try:
                with open("/proc/%s/environ" % pid, "rb") as f:
                    wenv = f.read().split(b"\0")
            except OSError as e:
                check(False, "read worker %s environment" % pid, str(e))
                continue
            check(b"LANGUAGE=en" in wenv, "worker %s has LANGUAGE=en" % pid,
                  b" ".join(v for v in wenv if v.startswith((b"LANG", b"LC_"))).decode())
        check(env.stop() == 0, "the daemon stops cleanly")
    check.done()
    log("ok")


if __name__ == "__main__":
    main()
