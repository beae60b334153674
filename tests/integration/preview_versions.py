"""preview_versions: every rule version that runs is kept in rule_version
(policy text, plugin version, params set), and every finding's source is
the key of the version that produced it; a database from before the table
migrates with its findings kept and their versions listed."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402

ORPHANS = ("SELECT count(*) FROM finding f WHERE NOT EXISTS"
           " (SELECT 1 FROM rule_version v WHERE v.source = f.source)")


def main():
    check = Checks()
    with Env() as env:
        env.init()
        env.seed(households=12)
        env.fupin("eval", "--all")
        with open(os.path.join(env.policies, "fixture.lua"), encoding="utf-8") as f:
            text = f.read()
        rows = env.rows("SELECT kind, name, source, hash, text, activated_at, activated_by FROM rule_version"
                        " WHERE kind = 'policy'")
        check(len(rows) == 1 and rows[0][1] == "fixture" and rows[0][4] == text
              and rows[0][2].endswith("@" + rows[0][3]) and rows[0][5] and rows[0][6] == "eval",
              "the policy's version is kept with its text", repr(rows))
        params = env.rows("SELECT source, text FROM rule_version WHERE kind = 'params'")
        check(len(params) == 1 and "working_age_min = 16" in params[0][1],
              "the params set is kept as a version", repr(params))
        check(env.scalar("SELECT count(*) FROM finding") > 0 and env.scalar(ORPHANS) == 0,
              "every finding points at a kept version")

        # A new version of the policy: a second row, the first kept.
        env.write(os.path.join(env.policies, "fixture.lua"), text.replace("under 3000", "below 3000"))
        env.fupin("eval", "--all")
        check(env.scalar("SELECT count(*) FROM rule_version WHERE kind = 'policy'") == 2,
              "an edited policy adds a version, the old one stays")
        check(env.scalar(ORPHANS) == 0, "every finding still points at a kept version")
        again = env.scalar("SELECT count(*) FROM rule_version")
        env.fupin("eval", "--all")
        check(env.scalar("SELECT count(*) FROM rule_version") == again,
              "running the same versions again adds nothing")

        # A database of schema version 4 migrates: findings kept, their
        # versions listed (without text, which was never recorded).
        n_findings = env.scalar("SELECT count(*) FROM finding")
        env.sql("DROP TABLE rule_version; PRAGMA user_version = 4;")
        env.fupin("eval")
        check(env.scalar("PRAGMA user_version") >= 5, "the database migrated")
        check(env.scalar("SELECT count(*) FROM finding") == n_findings, "findings kept")
        check(env.scalar(ORPHANS) == 0, "migrated findings point at listed versions")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
