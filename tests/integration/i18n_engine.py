"""i18n_engine: what the engine tells a policy officer comes out in Chinese
by default (no LANG, LANGUAGE or LC_* set) and in English with LANGUAGE=en,
with the same file:line, codes and names in both:
- a broken policy file: `fupin check` names it with its line and says what
  is wrong, exit 2;
- a malformed param declaration in a policy: refused, naming the param;
- Lua's own runtime error (indexing nil): its sentence translated, the
  file:line and the variable's name kept;
- a failing case: `fupin test` marks it 失败 / FAIL with what was expected
  and what came out, exit 1; a passing one 通过 / ok;
- a case file with a bad value: file:line:col and what is wrong, exit 2."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BIN, Checks, Env, log  # noqa: E402

LOCALE_VARS = ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")


def run(env, lang, *args):
    """fupin with the language environment cleared, then LANGUAGE=lang."""
    e = env.env()
    for k in LOCALE_VARS:
        e.pop(k, None)
    if lang:
        e["LANGUAGE"] = lang
    return subprocess.run([BIN, "-c", env.config] + list(args), capture_output=True, text=True, env=e,
                          timeout=120)


def main():
    check = Checks()
    with Env(policies="fixture") as env:
        # A global assignment at the top of the file: refused while loading,
        # at its line.
        broken = os.path.join(env.policies, "broken.lua")
        env.write(broken, "-- a policy officer's slip\nstray = 1\nreturn {}\n")
        for lang, words in ((None, "试图设置全局变量“stray”"), ("en", "attempt to set global 'stray'")):
            r = run(env, lang, "check")
            log("check (%s): %s" % (lang or "default", r.stderr.strip().splitlines()[-1:]))
            check(r.returncode == 2, "%s: a broken policy fails fupin check with 2, not %d"
                  % (lang or "default", r.returncode), r.stderr)
            check(re.search(r"policies/broken\.lua:2: " + re.escape(words), r.stderr),
                  "%s: the message names broken.lua:2 and says %s" % (lang or "default", words), r.stderr)

        # A declaration of an unknown kind: refused, naming the param.
        env.write(broken, "return { name = 'broken', title = '坏', measures = {'x'},\n"
                          "  params = { grant = { type = 'money' } },\n"
                          "  evaluate = function() end }\n")
        for lang, words in ((None, "params.grant: type 必须是"), ("en", "params.grant: type must be")):
            r = run(env, lang, "check")
            check(r.returncode == 2 and "broken.lua: " + words in r.stderr,
                  "%s: a bad declaration is named: %s" % (lang or "default", words), r.stderr)

        # Lua's own runtime error, at its line, in the officer's language.
        env.write(broken, "return { name = 'broken', title = '坏', measures = {'x'},\n"
                          "  evaluate = function(h)\n"
                          "    local t = nil\n"
                          "    return t.grant\n"
                          "  end }\n")
        slip = os.path.join(env.dir, "slip.yaml")
        env.write(slip, "policy: broken\nas_of: 2018-06-30\ncases:\n  - {name: slips, household: {}, expect: []}\n")
        for lang, words in ((None, "policies/broken.lua:4: 试图对 nil 值取下标（局部变量“t”）"),
                            ("en", "policies/broken.lua:4: attempt to index a nil value (local 't')")):
            r = run(env, lang, "test", slip)
            check(r.returncode == 1 and words in r.stdout,
                  "%s: a Lua runtime error reads %s" % (lang or "default", words), r.stdout + r.stderr)
        os.unlink(broken)

        # A case that fails and one that passes.
        cases = os.path.join(env.dir, "i18n.yaml")
        env.write(cases, "policy: fixture\nas_of: 2018-06-30\ncases:\n"
                         "  - name: labour flagged\n"
                         "    household: {members: [{labor: none}]}\n"
                         "    expect: [{measure: no_labour}]\n"
                         "  - name: wrongly expects a repair\n"
                         "    household: {}\n"
                         "    expect: [{measure: house_repair}]\n")
        for lang, ok, fail, why in ((None, "通过", "失败", "应为 {measure: house_repair}，实际为 []"),
                                    ("en", "ok  ", "FAIL", "expected {measure: house_repair} but got []")):
            r = run(env, lang, "test", cases)
            lines = r.stdout.splitlines()
            check(r.returncode == 1, "%s: a failing case exits 1, not %d" % (lang or "default", r.returncode),
                  r.stdout + r.stderr)
            check(("%s %s: labour flagged" % (ok, cases)) in lines,
                  "%s: the passing case starts with %r" % (lang or "default", ok), r.stdout)
            check(("%s %s: wrongly expects a repair: %s" % (fail, cases, why)) in lines,
                  "%s: the failing case says %r" % (lang or "default", why), r.stdout)

        # A bad value in a case file: file:line:col, what is wrong, exit 2.
        env.write(cases, "policy: fixture\ncases:\n  - name: bad\n    household: {income: [{year: 2017, wage: abc}]}\n")
        for lang, words in ((None, "wage 必须是数字，而不是“abc”"), ("en", 'wage must be a number, not "abc"')):
            r = run(env, lang, "test", cases)
            check(r.returncode == 2 and re.search(re.escape(cases) + r":4:\d+: " + re.escape(words), r.stderr),
                  "%s: a bad case value names file:line:col: %s" % (lang or "default", words), r.stderr)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
