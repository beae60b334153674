"""params_reload: the params: section held to what the shipped policies
declare. A misspelt key, a wrong type, a value out of range, .nan/.inf, a
table by year where none is declared and a fraction for a whole number each
make `fupin check` and `fupin run` exit 2 naming fupin.yaml:line:col, and
each keeps the running daemon on its old config after SIGHUP (it goes on
evaluating with the old figure); a good edit is then taken. A section of a
plugin that is not loaded is accepted with a warning; two policies that
declare one param differently, and a policy reading a param it does not
declare, fail `fupin check`."""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

GRANT = "    project_grant: 5000\n"

# (what, the line that replaces GRANT or another shipped line, the text
# that must be named).
BAD = [
    ("misspelt key", ("    project_grant: 5000\n", "    project_grnat: 5000\n"),
     "params.industry.project_grnat: no loaded policy declares this parameter (did you mean "
     "industry.project_grant?)"),
    ("wrong type", ("    project_grant: 5000\n", '    project_grant: "5000 元"\n'),
     'params.industry.project_grant: expected a number, got "5000 元"'),
    ("decimal comma", ("  income_ratio: 0.45\n", "  income_ratio: 0,45\n"),
     "params.income_ratio: expected a number"),
    ("out of range", ("    project_grant: 5000\n", "    project_grant: -5000\n"),
     "params.industry.project_grant: -5000 is out of range"),
    ("not a number", ("    project_grant: 5000\n", "    project_grant: .nan\n"),
     "params.industry.project_grant: \".nan\" is out of range: not a finite number"),
    ("infinite", ("  income_ratio: 0.45\n", "  income_ratio: .inf\n"),
     "params.income_ratio: \".inf\" is out of range: not a finite number"),
    ("undeclared by-year table", ("    project_grant: 5000\n", "    project_grant: {2017: 5000, 2018: 6000}\n"),
     "params.industry.project_grant: a table by year is not allowed here"),
    ("fraction for a whole number", ("  working_age_min: 16\n", "  working_age_min: 16.5\n"),
     "params.working_age_min: expected a whole number, got 16.5"),
]


def position(text, new_line):
    """fupin.yaml:LINE:COL of the value on new_line."""
    lines = text.splitlines(True)
    n = lines.index(new_line) + 1
    col = new_line.index(":") + 3
    return "fupin.yaml:%d:%d: " % (n, col)


def add_worker(env, hid):
    """A household that wants a project and has a full-labour member of working age."""
    c = env.connect()
    c.execute("INSERT INTO household(id, village, head_name, wants_industry, has_project)"
              " VALUES (?, '441602001001', ?, 1, 0)", (hid, "户主%d" % hid))
    c.execute("INSERT INTO member(household_id, name, birth_date, labor) VALUES (?, ?, '1985-01-01', 'full')",
              (hid, "劳力%d" % hid))
    c.close()


def grant_of(hid):
    return ("SELECT round(amount) FROM finding WHERE household_id = %d AND measure = 'project'"
            " AND state = 'open'" % hid)


def main():
    # Which mistakes are refused and where, not their wording: in English.
    os.environ["LANGUAGE"] = "en"
    env = Env(policies="real")
    try:
        env.init()
        env.seed(households=4)
        good = open(env.config, encoding="utf-8").read()
        assert GRANT in good and "  income_ratio: 0.45\n" in good and "  working_age_min: 16\n" in good

        # The shipped params pass; the plugins' sections (none loaded here)
        # are kept with a warning.
        r = env.fupin("check", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "ok   params" in r.stdout, r.stdout
        assert "params.credit: not checked (plugin credit is not in plugins.load)" in r.stderr, r.stderr

        # Each mistake: check and start-up exit 2 naming the line and column.
        for what, (old, new), message in BAD:
            text = good.replace(old, new)
            where = position(text, new)
            env.write(env.config, text)
            for args in (("check",), ("run",)):
                r = env.fupin(*args, check=False, timeout=60)
                out = r.stdout + r.stderr
                assert r.returncode == 2, (what, args, r.returncode, out)
                assert where in out and message in out, (what, args, where, message, out)
            log("ok   %s: %s" % (what, [l for l in (r.stdout + r.stderr).splitlines() if where in l][0]))
        env.write(env.config, good)

        # The daemon: each mistake on SIGHUP keeps the running config, and it
        # goes on evaluating with the old grant.
        add_worker(env, 100)
        env.start()
        env.wait_caught_up()
        env.wait_until(grant_of(100), (), 5000.0, timeout=10)
        for i, (what, (old, new), message) in enumerate(BAD):
            text = good.replace(old, new)
            env.write(env.config, text)
            mark = len(env.log_text())
            env.signal(signal.SIGHUP)
            env.wait_log("[reload.config_refused]", after=mark, timeout=15)
            refused = [l for l in env.log_text()[mark:].splitlines() if "[reload.config_refused]" in l][0]
            assert position(text, new) in refused and message in refused, (what, refused)
            assert env.proc.poll() is None, "daemon died on a bad param: " + what
            add_worker(env, 101 + i)
            env.wait_until(grant_of(101 + i), (), 5000.0, timeout=10)
            log("ok   SIGHUP kept the old config: %s" % what)

        # A good edit is taken and every household re-evaluated with it.
        env.write(env.config, good.replace(GRANT, "    project_grant: 6000\n"))
        mark = len(env.log_text())
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_done]", after=mark, timeout=15)
        env.wait_until(grant_of(100), (), 6000.0, timeout=15)
        env.wait_until(grant_of(101), (), 6000.0, timeout=15)
        assert env.stop() == 0
        env.write(env.config, good)

        # Two policies declaring one param differently: check names both.
        other = os.path.join(env.policies, "pilot.lua")
        env.write(other, "return { name = 'pilot', title = '试点', measures = {'x'},\n"
                         "  params = { income_ratio = {type = 'number', unit = 'ratio', by_year = true,\n"
                         "                             min = 0, max = 2, required = true, default = 0.45} },\n"
                         "  evaluate = function() end }\n")
        r = env.fupin("check", check=False)
        assert r.returncode == 2, r.stdout + r.stderr
        assert re.search(r"params\.income_ratio: declared differently by policies/\w+\.lua .* and "
                         r"policies/pilot\.lua", r.stderr), r.stderr

        # A policy reading a param it does not declare fails its own cases,
        # and check says so.
        env.write(other, "return { name = 'pilot', title = '试点', measures = {'x'},\n"
                         "  evaluate = function(h, out, params)\n"
                         "    if params.industry.project_grant > 0 then out:flag{measure = 'x', reason = 'r'} end\n"
                         "  end }\n")
        env.write(os.path.join(env.cases, "pilot.yaml"),
                  "policy: pilot\ncases:\n  - name: flags\n    household: {}\n    expect: [{measure: x}]\n")
        # `fupin check` finds the mistake in either language.
        r = env.fupin("check", check=False)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "params.industry is not declared by policies/pilot.lua" in r.stderr, r.stderr
        r = env.fupin("test", os.path.join(env.cases, "pilot.yaml"), check=False)
        assert r.returncode == 1 and "params.industry is not declared by policies/pilot.lua" in r.stdout, \
            r.stdout + r.stderr
        os.environ["LANGUAGE"] = "zh_CN"
        r = env.fupin("check", check=False)
        os.environ["LANGUAGE"] = "en"
        assert r.returncode == 2, r.stdout + r.stderr
        assert "params.industry 未声明于 policies/pilot.lua" in r.stderr, r.stderr
        log("ok")
    finally:
        env.cleanup()


if __name__ == "__main__":
    main()
