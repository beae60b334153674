#!/usr/bin/env python3
"""hardening_inputs: hostile and careless input, as an attacker or a tired
operator would give it, through the real binary.

- A FIFO, a directory, a missing file or a symlink loop as the config or a
  case file: exit 2 naming the path, never a hang.
- Case files held to the config's loader and to the record's bounds (ids,
  years, money, integers beyond 64 bits, aliases, tags, a second document,
  duplicate keys, NUL, huge values and deep nesting): exit 2 naming
  file:line:col; several files: every bad one reported, the good ones run.
- Non-finite and comma-decimal numbers refused in a case file's params.
- 200,000 keys load within the deadline (the duplicate-key check is linear).
- Control characters in a case name or a household's names never reach the
  terminal raw (`fupin test`, `fupin explain`).
- Money beyond a billion yuan is refused by the schema; a row written past
  the schema is refused by the reader, never shown as inf.
- A database of mode 0644 is warned about, and its -wal/-shm are 0600."""
import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import DEADLINE, Checks, Env  # noqa: E402

HEAD = "policy: fixture\nas_of: 2018-06-30\ncases:\n"


def case(household, name="x"):
    return HEAD + "  - name: %s\n    household: %s\n    expect: []\n" % (name, household)


# (file name, text, what the message must say); each must exit 2 naming
# file:line:col.
BAD_CASES = [
    ("id_max.yaml", case("{id: 9223372036854775807, members: [{}]}"), "id is out of range"),
    ("id_zero.yaml", case("{id: 0}"), "id is out of range"),
    ("id_huge.yaml", case("{id: 99999999999999999999999}"), "id is out of range"),
    ("years.yaml", case("{income: [{year: 2147483647}, {year: -2147483647}]}"), "year is out of range"),
    ("year_1800.yaml", case("{income: [{year: 1800}]}"), "year is out of range"),
    ("money.yaml", case("{income: [{year: 2017, wage: 1e308, production: 1e308}]}"), "wage is out of range"),
    ("money_neg.yaml", case("{loans: [{id: 1, amount: -2e9}]}"), "amount is out of range"),
    ("nan.yaml", case("{income: [{year: 2017, wage: .nan}]}"), "wage must be a number"),
    ("alias.yaml", HEAD + "  - &a {name: x, household: {}, expect: []}\n  - *a\n", "aliases are not allowed"),
    ("tag.yaml", case("!!map {id: 3}"), "tags are not allowed"),
    ("two_docs.yaml", case("{}") + "---\n" + case("{}"), "more than one YAML document"),
    ("dup.yaml", HEAD + "  - name: x\n    name: y\n    household: {}\n    expect: []\n", "duplicate key"),
    ("nul.yaml", case('{head_name: "full\\0xx"}'), "NUL"),
    ("big_value.yaml", case("{head_name: \"%s\"}" % ("x" * (1 << 20))), "over the 64 KiB limit"),
    ("deep.yaml", "[" * 100000, "nesting deeper than"),
    ("params_nan.yaml", HEAD.replace("cases:", "params: {income_ratio: nan}\ncases:") +
     "  - {name: x, household: {}, expect: []}\n", "must be a number"),
    ("params_inf.yaml", HEAD.replace("cases:", "params: {income_ratio: .inf}\ncases:") +
     "  - {name: x, household: {}, expect: []}\n", "must be a number"),
    ("params_comma.yaml", HEAD.replace("cases:", "params: {income_ratio: \"0,45\"}\ncases:") +
     "  - {name: x, household: {}, expect: []}\n", "must be a number"),
]

GOOD = HEAD + """  - name: a member without labour is flagged
    household: {members: [{id: 11, labor: none}]}
    expect: [{measure: no_labour, member: 11}]
"""

EVIL_NAME = '"evil\\r\\nok   forged: \\e[31mred\\a\\x9b"'


def controls(text):
    """Control characters other than newline and tab in text."""
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]


def main():
    # What is refused and where, not its wording: the English messages.
    os.environ["LANGUAGE"] = "en"
    check = Checks()
    with Env() as env:
        special_files(env, check)
        bad_cases(env, check)
        terminal(env, check)
        database(env, check)
    return check.done()


def special_files(env, check):
    d = env.dir
    fifo = os.path.join(d, "fifo.yaml")
    os.mkfifo(fifo)
    os.mkdir(os.path.join(d, "dir.yaml"))
    os.symlink("loop_b.yaml", os.path.join(d, "loop_a.yaml"))
    os.symlink("loop_a.yaml", os.path.join(d, "loop_b.yaml"))
    for name, what in (("fifo.yaml", "not a regular file (a FIFO)"),
                       ("dir.yaml", "not a regular file (a directory)"),
                       ("missing.yaml", "no such file"),
                       ("loop_a.yaml", "too many levels of symbolic links")):
        path = os.path.join(d, name)
        r = env.fupin("check", config=path, check=False, timeout=DEADLINE)
        check(r.returncode == 2 and (path + ": " + what) in r.stderr,
              "config %s: exit 2, %s" % (name, what), "%d %s" % (r.returncode, r.stderr))
        if name == "dir.yaml":
            continue  # a folder is a valid PATH for `fupin test`: its case files
        r = env.fupin("test", path, check=False, timeout=DEADLINE)
        check(r.returncode == 2 and (path + ": " + what) in r.stderr,
              "case file %s: exit 2, %s" % (name, what), "%d %s" % (r.returncode, r.stderr))


def bad_cases(env, check):
    paths = []
    for name, text, what in BAD_CASES:
        path = os.path.join(env.dir, name)
        env.write(path, text)
        paths.append((path, what))
        r = env.fupin("test", path, check=False)
        check(r.returncode == 2 and re.search(re.escape(path) + r":\d+:\d+: .*" + re.escape(what), r.stderr),
              "%s: exit 2, file:line:col, %s" % (name, what), "%d %s" % (r.returncode, r.stderr[-400:]))
    good = os.path.join(env.dir, "good.yaml")
    env.write(good, GOOD)
    args = [paths[0][0], good, paths[3][0], paths[8][0]]
    r = env.fupin("test", *args, check=False)
    check(r.returncode == 2, "several files with bad ones: exit 2", str(r.returncode))
    check(all(p + ":" in r.stderr for p in (paths[0][0], paths[3][0], paths[8][0])),
          "every bad file is reported", r.stderr)
    check(("ok   %s: a member without labour is flagged" % good) in r.stdout and "1 passed, 0 failed" in r.stdout,
          "the good file still runs", r.stdout)

    # Linear loading: quadratic duplicate-key checking took minutes here.
    many = os.path.join(env.dir, "many.yaml")
    env.write(many, HEAD.replace("cases:", "params:\n" + "".join("  k%d: 1\n" % i for i in range(200000)) +
                                 "cases:") + "  - {name: x, household: {}, expect: []}\n")
    r = env.fupin("test", many, check=False, timeout=DEADLINE)
    check(r.returncode == 2 and "many.yaml:" in r.stderr, "200,000 keys parse within the deadline", r.stderr[-300:])


def terminal(env, check):
    path = os.path.join(env.dir, "evil.yaml")
    env.write(path, HEAD + "  - name: %s\n    household: {members: [{id: 11, labor: none}]}\n"
                           "    expect: [{measure: no_labour}]\n" % EVIL_NAME)
    r = env.fupin("test", path, check=False)
    check(r.returncode == 0, "the case with control characters in its name runs", r.stdout + r.stderr)
    check(not controls(r.stdout), "no raw control character in the test report", repr(r.stdout))
    check(len([l for l in r.stdout.splitlines() if l.startswith("ok ")]) == 1,
          "no forged ok line", r.stdout)
    check("\\x1b[31m" in r.stdout, "ESC shown as \\x1b", r.stdout)

    # A bad case file whose name holds ESC and BEL, in a folder: the log
    # line and the message name it escaped.
    folder = os.path.join(env.dir, "evil_dir")
    os.mkdir(folder)
    env.write(os.path.join(folder, "bad\x1b[2J\x07.yaml"), case("{id: 0}"))
    r = env.fupin("test", folder, check=False)
    check(r.returncode == 2 and "bad\\x1b[2J\\x07.yaml" in r.stderr, "a bad file in a folder: exit 2, named",
          "%d %r" % (r.returncode, r.stderr[-300:]))
    check(not controls(r.stderr), "no raw control character in the messages or the log", repr(r.stderr[-300:]))

    env.init()
    env.seed(households=2)
    con = env.connect()
    con.execute("UPDATE household SET head_name = 'A' || char(27) || '[2J' || char(13) || 'B' || char(7)"
                " WHERE id = 1")
    con.execute("UPDATE member SET name = 'M' || char(10) || 'x' || char(155) WHERE household_id = 1")
    con.commit()
    con.close()
    r = env.fupin("explain", "1", check=False)
    check(r.returncode == 0, "explain runs", r.stderr)
    check(not controls(r.stdout), "no raw control character in explain", repr(r.stdout[:600]))
    check("A\\x1b[2J\\x0dB\\x07" in r.stdout, "the head's name is shown escaped", r.stdout[:600])


def database(env, check):
    con = env.connect()
    for sql in ("UPDATE income SET wage = 1e308 WHERE rowid = (SELECT min(rowid) FROM income)",
                "INSERT INTO income(household_id, year, wage) VALUES (1, 2001, -1e10)",
                "INSERT INTO loan(household_id, amount) VALUES (1, 1e999)"):
        try:
            con.execute(sql)
            con.commit()
            check(False, "the schema refuses: " + sql)
        except Exception as e:  # sqlite3.IntegrityError from the trigger
            check("beyond 1000000000 yuan" in str(e), "the schema refuses: " + sql, str(e))
            con.rollback()
    # Past the schema (as a row from before the migration): the reader refuses.
    con.execute("DROP TRIGGER income_money_bounds_insert")
    con.execute("INSERT INTO income(household_id, year, wage, production) VALUES (1, 2002, 1e308, 1e308)")
    con.commit()
    con.close()
    r = env.fupin("explain", "1", check=False)
    check(r.returncode != 0 and "beyond 1000000000 yuan" in r.stderr and "inf" not in r.stdout,
          "explain refuses money beyond a billion, never shows inf", r.stdout[-300:] + r.stderr[-300:])

    # Permissions: a 0644 database is warned about; its companions are 0600.
    for suffix in ("-wal", "-shm"):
        if os.path.exists(env.db + suffix):
            os.unlink(env.db + suffix)
    os.chmod(env.db, 0o644)
    r = env.fupin("check", check=False)
    check("mode 0644" in r.stdout and env.db in r.stdout, "fupin check warns about a 0644 database", r.stdout[-400:])
    r = env.fupin("eval", "--all", check=False)
    check("[store.insecure]" in r.stderr and "mode 0644" in r.stderr, "opening it for work warns too", r.stderr[-400:])
    for suffix in ("-wal", "-shm"):
        p = env.db + suffix
        mode = stat.S_IMODE(os.stat(p).st_mode) if os.path.exists(p) else None
        check(mode in (None, 0o600), "%s is 0600 (got %s)" % (suffix, oct(mode) if mode else None))
    os.chmod(env.db, 0o600)


if __name__ == "__main__":
    sys.exit(main())
