"""change_migrate: a database of schema version 8 (before staged changes)
migrates with its findings kept, and `fupin change` works on it; a bad
change ID or option exits 2 with a message."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402


def main():
    check = Checks()
    with Env() as env:
        env.init()
        env.seed(households=6)
        env.fupin("eval", "--all")
        n = env.scalar("SELECT count(*) FROM finding")
        env.sql("DROP TABLE rule_change_file; DROP TABLE rule_change; DROP TABLE rule_live;"
                " PRAGMA user_version = 8;")
        env.fupin("eval")
        check(env.scalar("PRAGMA user_version") >= 9, "the database migrated")
        check(env.scalar("SELECT count(*) FROM finding") == n and n > 0, "findings kept")
        r = env.fupin("change", "list")
        check(r.returncode == 0 and r.stdout.strip(), "change list on the migrated database", r.stdout)
        for args in (("change",), ("change", "show"), ("change", "show", "-3"),
                     ("change", "discard", "1"), ("change", "discard", "1", "--by", "a\nb"),
                     ("change", "list", "extra")):
            r = env.fupin(*args, check=False)
            check(r.returncode == 2 and r.stderr.strip(), "refused: %r" % (args,), r.stderr)
        r = env.fupin("change", "discard", "1", "--by", "李明", check=False)
        check(r.returncode == 2 and "1" in r.stderr, "an unknown change ID exits 2", r.stderr)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
