#!/usr/bin/env python3
"""daemon_hostile_lua.py - the hostile Lua snippets of issue 11 under the
real daemon. One policy runs a different snippet on each of households 1-9
(C loops no hook reaches, message handlers and __close handlers that used
to run with hooks off, pattern loops just under the backtracking cap, an
endless loop); the fixture policy runs beside it. Every call must return:
each of those households gets an error for that policy only, every
household keeps the fixture's findings, the daemon stays up and ends with
0 on SIGTERM."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402

SNIPPETS = [
    "local s = string.rep('', math.maxinteger)\nerror('string.rep returned')",
    "table.move({1, 2, 3}, 1, 2^62, 2)",
    "xpcall(error, function() while true do end end)",
    "xpcall(function() while true do end end, function() while true do pcall(error) end end)",
    "coroutine.wrap(function()\n"
    "  local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
    "  while true do end\nend)()",
    "local s = string.rep('a', 3000)\nwhile true do pcall(string.find, s, 'a*b') end",
    "while true do end",
    "table.concat(setmetatable({}, {__len = function() return math.maxinteger end, __index = rawlen}))",
    "error('the address ' .. tostring({}) .. ' stays hidden')",
]

HOSTILE = "return {\n  name = \"hostile\",\n  title = \"恶意测试\",\n  measures = { \"never\" },\n" \
    "  evaluate = function(h, out, params)\n" + "".join(
        "    if h.id == %d then\n%s\n    end\n" % (i + 1, s) for i, s in enumerate(SNIPPETS)) + \
    "  end,\n}\n"


def main():
    with Env(policies="fixture") as env:
        return run(env, Checks())


def run(env, check):
    env.write(os.path.join(env.policies, "hostile.lua"), HOSTILE)
    env.init()
    env.seed(households=12)
    env.start()
    env.wait_watching()
    env.wait_caught_up()
    check(env.alive(), "the daemon is still running after the hostile policy ran")
    errors = dict(env.rows("SELECT household_id, ifnull(errors, '') FROM engine_eval"))
    for h in range(1, 13):
        e = errors.get(h)
        if h <= len(SNIPPETS):
            check(e is not None and "hostile" in e and "policies/hostile.lua" in e,
                  "household %d: an error for the hostile policy (%s)" % (h, e))
            check(e is not None and "fixture" not in e, "household %d: none for the fixture" % h)
        else:
            check(e == "", "household %d: no error (%s)" % (h, e))
    check("超出时间限额" in errors.get(7, ""), "the endless loop is stopped by the time budget")
    check("0x" not in errors.get(9, "x"), "no address in the error text")
    # The seed grades houses A-D by id; C and D without renovation need repair.
    repair = {h for (h,) in env.rows("SELECT household_id FROM finding WHERE policy = 'fixture'"
                                     " AND measure = 'house_repair'")}
    check(repair == {h for h in range(1, 13) if "ABCD"[h % 4] in "CD"},
          "every household has the fixture's findings, hostile or not: %s" % sorted(repair))
    check(env.scalar("SELECT count(*) FROM finding WHERE policy = 'hostile'") == 0,
          "the hostile policy wrote nothing")
    check(env.stop() == 0, "SIGTERM ends the daemon with 0")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
