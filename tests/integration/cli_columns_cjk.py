"""cli_columns_cjk: `fupin init --demo`'s printed logins and `fupin user
list` line up on a terminal with Chinese role names and user names (a
Chinese character takes two columns and three bytes; padding by bytes
would not line them up), in Chinese and in English."""
import os
import re
import subprocess
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BIN, Checks, Env  # noqa: E402
from webclient import add_user  # noqa: E402


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def last_field_columns(lines):
    """The terminal column where each line's last field starts."""
    return [width(line[:line.rstrip().rfind(" ") + 1]) for line in lines]


def main():
    check = Checks()
    with Env() as env:
        r = env.fupin("init", "--demo", "--households", "200")
        logins = [line for line in r.stdout.splitlines() if re.match(r"^  demo_\w+ ", line)]
        check(len(logins) == 6, "six demo logins printed", r.stdout[-800:])
        check(any(re.search(r"[\u4e00-\u9fff]", line) for line in logins), "their roles in Chinese",
              "\n".join(logins))
        cols = last_field_columns(logins)
        check(len(set(cols)) == 1, "the passwords start in one column", "\n".join(logins) + "\n" + repr(cols))
        # Region column too: the third field starts in one column.
        starts = [width(m.group(1)) for m in (re.match(r"^(  \S+ +\S+ +)", line) for line in logins) if m]
        check(len(set(starts)) == 1 and len(starts) == 6, "the regions start in one column", repr(starts))

        region = env.scalar("SELECT code FROM region WHERE level = 'town' ORDER BY code LIMIT 1")
        add_user(env, "王主任", "town", region)
        add_user(env, "li", "county", env.scalar("SELECT code FROM region WHERE level = 'county' LIMIT 1"))
        for lang in ("", "en"):
            out = subprocess.run([BIN, "-c", env.config, "user", "list"], capture_output=True, text=True,
                                 env=dict(env.env(), LANGUAGE=lang)).stdout
            lines = [line for line in out.splitlines() if line.strip()]
            check(len(lines) >= 8 and any("王主任" in line for line in lines),
                  "user list (%s): every user" % (lang or "zh"), out)
            cols = last_field_columns(lines)
            check(len(set(cols)) == 1, "user list (%s): the last column lines up" % (lang or "zh"),
                  out + repr(cols))
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
