#!/usr/bin/env python3
"""contain_lua.py - the hostile Lua snippets of a policy author who writes
loops in C or handlers that never return, each in its own policy file and
run on one household (head "HOSTILE"): under `fupin eval --all` and under
the daemon each is contained - the call returns, that policy gets a
policy_error on that household only (by its budget or, as the last resort,
by the worker's hard kill), every other finding of the run is written, and
the daemon keeps running and exits 0 on SIGTERM."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, log  # noqa: E402

SNIPPETS = {
    # The empty rep used to loop math.maxinteger times in C; it now returns
    # "" at once, so the snippet goes on to a rep that is refused.
    "hostile_rep": "local s = string.rep('', math.maxinteger) .. string.rep('x', math.maxinteger)",
    "hostile_move": "table.move({1, 2, 3}, 1, 2^62, 2)",
    "hostile_xpcall": "xpcall(error, function() while true do end end)",
    "hostile_close": """
      local co = coroutine.wrap(function()
        local guard <close> = setmetatable({}, {__close = function() while true do end end})
        while true do end
      end)
      co()""",
    "hostile_pattern": """
      local s = string.rep('a', 4000)
      for i = 1, 1000000000 do string.find(s, '.-.-.-.-.-b') end""",
}

POLICY = '''return {
  name = "%s",
  title = "hostile snippet",
  measures = { "never" },
  evaluate = function(household, out, params)
    if household.head_name == "HOSTILE" then
      %s
    end
  end,
}
'''

N = 6


def errors_of(env, hid):
    return env.scalar("SELECT errors FROM engine_eval WHERE household_id = ?", (hid,)) or ""


def main():
    check = Checks()
    with Env(policies="fixture", workers=2, batch_size=4) as env:
        for name, code in SNIPPETS.items():
            env.write(os.path.join(env.policies, name + ".lua"), POLICY % (name, code))
        env.init()
        env.seed(households=N)
        db = env.connect()
        db.execute("UPDATE household SET head_name = 'HOSTILE' WHERE id = 1")
        db.commit()
        expected = {r[0] for r in env.rows("SELECT id FROM household WHERE housing_grade IN ('C','D')")}

        r = env.fupin("eval", "--all", check=False)
        log("eval --all ->", r.returncode, r.stdout.strip())
        check(r.returncode == 1, "eval --all returns, exit 1 (policy errors)", r.stdout + r.stderr[-3000:])
        errors = errors_of(env, 1)
        for name in SNIPPETS:
            check(name + ":" in errors, "%s: a policy_error on household 1" % name, errors)
        others = env.rows("SELECT household_id, errors FROM engine_eval WHERE household_id <> 1"
                          " AND errors IS NOT NULL")
        check(not others, "no policy_error on any other household", str(others))
        got = {r[0] for r in env.rows("SELECT household_id FROM finding WHERE measure = 'house_repair'"
                                      " AND state = 'open'")}
        check(got == expected, "every other finding written", "%s vs %s" % (sorted(got), sorted(expected)))

        # The daemon: household 2 turns hostile after the start.
        env.start()
        env.wait_watching()
        db.execute("UPDATE household SET head_name = 'HOSTILE', housing_grade = 'D',"
                   " housing_renovated = 0 WHERE id = 2")
        db.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 3")
        db.commit()
        env.wait_caught_up()
        errors = errors_of(env, 2)
        for name in SNIPPETS:
            check(name + ":" in errors, "daemon: %s: a policy_error on household 2" % name, errors)
        check(env.scalar("SELECT count(*) FROM finding WHERE household_id IN (2, 3) AND measure = 'house_repair'"
                         " AND state = 'open'") == 2,
              "daemon: the fixture's findings of both households written")
        check(env.alive(), "the daemon is running")
        db.close()
        rc = env.stop(timeout=5)
        check(rc == 0, "the daemon exits 0 on SIGTERM within 5 s, not %s" % rc)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
