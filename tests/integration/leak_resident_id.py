#!/usr/bin/env python3
"""leak_resident_id.py - no resident ID number leaves fupin unmasked.

A policy writes a literal (checksum-valid) resident ID, an old 15-digit one
and tostring({}) into a finding's reason and an alert, raises an error
quoting the ID for one household, and tries to read the member's
id_number; cadres have typed IDs into a member's name and a task's title.
The real daemon evaluates, the nightly job writes and delivers the digests
to the file spool; then every output is searched for the IDs in the clear:
finding.reason, alert.message, engine_eval.errors, outbox payloads, the
spooled files, `fupin explain` (text and JSON), `fupin alert list` (text
and JSON), `fupin eval` and the daemon's log. Each must hold the masked form instead
(441602********0011), which proves the text got there at all."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402


def check_digit(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def make_id(first17):
    return first17 + check_digit(first17)


LITERAL = make_id("44160219800101001")   # written by the policy
IN_NAME = make_id("44160219750203002")   # typed into a member's name
IN_TITLE = make_id("44160219620415003")  # typed into a task title
IN_COLUMN = make_id("44160219900512004")  # the member.id_number column
OLD15 = "441602800101001"                 # the pre-1999 15-digit form
IDS = [LITERAL, IN_NAME, IN_TITLE, IN_COLUMN, OLD15]

LEAK_POLICY = r'''-- a policy that tries every way to leak a resident ID
return {
  name = "leak",
  title = "泄露测试",
  measures = { "leak_check" },
  evaluate = function(h, out, params)
    local ok, err = pcall(function() return h.members[1] and h.members[1].id_number end)
    out:flag{ measure = "leak_check",
              reason = "身份证号 %LITERAL% 旧证 %OLD15% 表 " .. tostring({}) }
    out:alert{ kind = "leak", severity = "warning",
               message = "户主身份证 %LITERAL%；视图: " .. tostring(ok) .. " " .. tostring(err) }
    if h.id == 2 then error("policy quoting %LITERAL%") end
  end,
}
'''.replace("%LITERAL%", LITERAL).replace("%OLD15%", OLD15)


def masked(i):
    return i[:6] + "*" * (len(i) - 10) + i[-4:]


def main():
    with Env(policies="fixture") as env:
        return run(env, Checks())


def run(env, check):
    for i in IDS[:4]:
        assert re.fullmatch(r"\d{17}[\dX]", i), i
    env.write(os.path.join(env.policies, "leak.lua"), LEAK_POLICY)
    env.init()
    env.seed(households=4)
    c = env.connect()
    c.executescript(f"""
        INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602001001');
        INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01');
        INSERT INTO task(id, household_id, cadre_id, title, due)
            VALUES (1, 1, 1, '核实身份证 {IN_TITLE} 的户口', '2018-05-01');
        UPDATE member SET name = '王五{IN_NAME}' WHERE id = 100;
        UPDATE member SET id_number = '{IN_COLUMN}' WHERE id = 101;
    """)
    c.commit()
    c.close()

    outputs = {}
    r = env.fupin("eval", "--all", check=False)
    outputs["fupin eval --all"] = r.stdout + r.stderr
    check(r.returncode in (0, 1), "eval --all ran: %d %s" % (r.returncode, r.stderr[-300:]))

    env.start()
    env.wait_watching()
    env.sql("UPDATE household SET head_name = '户主一' WHERE id = 1")
    env.wait_caught_up()
    check(env.stop() == 0, "the daemon stops on SIGTERM with 0")

    r = env.fupin("nightly", "--date", "2018-06-30", check=False)
    outputs["fupin nightly"] = r.stdout + r.stderr
    check(r.returncode == 0, "nightly ran: " + r.stderr[-300:])
    for args in (["explain", "1"], ["explain", "1", "--json"], ["explain", "2"],
                 ["alert", "list"], ["alert", "list", "--json"]):
        r = env.fupin(*args, check=False)
        outputs["fupin " + " ".join(args)] = r.stdout + r.stderr
        check(r.returncode == 0, "fupin %s ran: %s" % (" ".join(args), r.stderr[-300:]))

    c = env.connect()
    outputs["finding.reason"] = "\n".join(x for (x,) in c.execute("SELECT reason FROM finding"))
    outputs["alert.message"] = "\n".join(x for (x,) in c.execute("SELECT message FROM alert"))
    outputs["outbox.payload"] = "\n".join(x for (x,) in c.execute("SELECT payload FROM outbox"))
    outputs["engine_eval.errors"] = "\n".join(
        x for (x,) in c.execute("SELECT errors FROM engine_eval WHERE errors IS NOT NULL"))
    c.close()
    spool = os.path.join(env.dir, "spool")
    files = []
    for root, _, names in os.walk(spool):
        for n in names:
            with open(os.path.join(root, n), encoding="utf-8") as f:
                files.append(f.read())
    outputs["delivered files"] = "\n".join(files)
    outputs["daemon log"] = env.log_text()

    for where, text in outputs.items():
        for i in IDS:
            check(i not in text, f"{where}: no resident ID {masked(i)} in the clear")
        check(not re.search(r"0x[0-9a-f]{6,}", text), f"{where}: no heap address")

    # The texts did get through, masked: the test would pass vacuously
    # on outputs that never carried them.
    check(masked(LITERAL) in outputs["finding.reason"], "the reason is recorded, ID masked")
    check(masked(OLD15) in outputs["finding.reason"], "the old 15-digit ID is masked too")
    check("表 table" in outputs["finding.reason"], "tostring({}) is a neutral word")
    check(masked(LITERAL) in outputs["alert.message"], "the policy's alert is recorded, ID masked")
    check("居民身份证号码不提供给政策" in outputs["alert.message"], "the view refused id_number with a reason")
    check(masked(LITERAL) in outputs["fupin alert list"], "alert list shows the masked ID")
    check(masked(LITERAL) in outputs["fupin explain 1"], "explain shows the masked reason")
    check(masked(IN_NAME) in outputs["fupin explain 1"], "explain masks an ID typed into a name")
    check(masked(IN_COLUMN) in outputs["fupin explain 1 --json"], "explain --json masks id_number")
    check(masked(IN_TITLE) in outputs["outbox.payload"], "the digest carries the task, ID masked")
    check(masked(IN_TITLE) in outputs["delivered files"], "the spooled digest: ID masked")
    check(masked(LITERAL) in outputs["engine_eval.errors"], "the policy error is audited, masked")
    check(masked(LITERAL) in outputs["daemon log"] or masked(LITERAL) in outputs["fupin eval --all"],
          "the policy error quoting the ID is logged, masked")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
