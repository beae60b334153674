"""web_users: the console's accounts through `fupin user` and over HTTP.
A real database starts with no users; `init --demo` makes one per role
and prints each login once. Passwords come from standard input (or the
terminal), never from argv; bad names, roles and regions exit 2. disable
ends the user's sessions at once; the last active admin cannot be
disabled; passwd ends the sessions too. A bad http.listen is refused with
file:line."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, log  # noqa: E402
from webtest import WebEnv  # noqa: E402


def main():
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv() as env:
        check(env.scalar("SELECT count(*) FROM web_user") == 0, "a new database has no console users")

        # Passwords never from argv.
        r = env.fupin_input("", "user", "add", "wang", "--role", "town", "--region", "441602001", "hunter22-pass")
        check(r.returncode == 2 and "命令行" in r.stderr, "a password on the command line is refused (exit 2)",
              (r.returncode, r.stderr))
        r = env.fupin_input("", "user", "add", "wang", "--role", "town", "--region", "441602001",
                            "--password", "hunter22-pass")
        check(r.returncode == 2, "--password is no option (exit 2)", r.returncode)
        r = env.fupin_input("", "user", "passwd", "wang", "hunter22-pass")
        check(r.returncode == 2 and "命令行" in r.stderr, "passwd takes no password argument", r.stderr)
        check(env.scalar("SELECT count(*) FROM web_user") == 0, "nothing was added by the refused commands")

        # Bad input: exit 2 naming what is wrong.
        for args, needle, what in (
                (["--role", "boss", "--region", "441602001"], "boss", "an unknown role"),
                (["--role", "town"], "--region", "a town user without a region"),
                (["--role", "town", "--region", "999"], "999", "an unknown region"),
        ):
            r = env.fupin_input("long-enough-pw\n", "user", "add", "wang", *args)
            check(r.returncode == 2 and needle in r.stderr, what + " is exit 2", (r.returncode, r.stderr))
        r = env.fupin_input("short\n", "user", "add", "wang", "--role", "town", "--region", "441602001")
        check(r.returncode == 2 and "8" in r.stderr, "a password under 8 characters is refused", r.stderr)
        r = env.fupin_input("", "user", "add", "wang", "--role", "town", "--region", "441602001")
        check(r.returncode == 2, "no password on standard input is refused", r.returncode)
        r = env.fupin_input("long-enough-pw\n", "user", "add", "a b", "--role", "admin")
        check(r.returncode == 2, "a name with a space is refused", r.returncode)

        pw = env.add_user("wang", "town", "441602001", password="town-pass-1")
        r = env.fupin_input("long-enough-pw\n", "user", "add", "wang", "--role", "admin")
        check(r.returncode == 2 and "已存在" in r.stderr, "a taken name is exit 2", (r.returncode, r.stderr))
        admin_pw = env.add_user("root", "admin")
        r = env.fupin("user", "list")
        check("wang" in r.stdout and "镇督查责任人" in r.stdout and "root" in r.stdout and "系统管理员" in r.stdout,
              "user list shows names and roles in Chinese", r.stdout)
        check(pw not in r.stdout and "argon2" not in r.stdout, "user list shows no password or hash")

        # The last admin stays.
        r = env.fupin("user", "disable", "root", check=False)
        check(r.returncode == 2 and "最后" in r.stderr, "the last active admin cannot be disabled", (r.returncode, r.stderr))
        check(env.scalar("SELECT disabled FROM web_user WHERE name = 'root'") == 0, "root is still active")
        env.add_user("root2", "admin")
        r = env.fupin("user", "disable", "root", check=False)
        check(r.returncode == 0, "an admin can be disabled while another remains", r.stderr)
        r = env.fupin("user", "disable", "root2", check=False)
        check(r.returncode == 2, "...but not the one left", r.returncode)
        r = env.fupin("user", "disable", "ghost", check=False)
        check(r.returncode == 2, "disabling an unknown user is exit 2", r.returncode)

        env.add_user("<i>evil</i>", "cadre", "441602001001")
        env.start_web()
        # The users page: administrators only, every name escaped.
        ba = env.client()
        check(ba.login("root2", "secret-pass-1").status == 303, "the admin logs in")
        r = ba.get("/users")
        check(r.status == 200 and "wang" in r.body and "系统管理员" in r.body and "已停用" in r.body,
              "the admin's users page lists the users with Chinese roles and states", r.status)
        check("<i>evil</i>" not in r.body and "&lt;i&gt;evil&lt;/i&gt;" in r.body,
              "a name with markup is escaped on the page")
        check("argon2" not in r.body, "the page shows no password hash")
        check('href="/users"' in ba.get("/").body, "the admin's menu has the users page")
        bt = env.client()
        bt.login("wang", pw)
        r = bt.get("/users")
        check(r.status == 403, "a town supervisor may not open the users page", r.status)
        check('href="/users"' not in bt.get("/").body, "...nor sees it in the menu")
        # Disable ends the sessions at once; the user cannot log in again.
        b = env.client()
        check(b.login("wang", pw).status == 303 and b.get("/").status == 200, "wang logs in")
        r = env.fupin("user", "disable", "wang", check=False)
        check(r.returncode == 0, "wang is disabled", r.stderr)
        check(env.scalar("SELECT count(*) FROM web_session s JOIN web_user u ON u.id = s.user_id"
                         " WHERE u.name = 'wang'") == 0, "disable deleted wang's sessions")
        check(b.get("/").status == 303, "a disabled user's open session ends at once")
        r = b.login("wang", pw)
        check(r.status == 401, "a disabled user cannot log in", r.status)
        check(b.login("root", admin_pw).status == 401, "a disabled admin cannot log in either")

        # passwd: the new password works, the old one and old sessions do not.
        env.add_user("zhao", "county", "441602", password="county-pass-1")
        b2 = env.client()
        b2.login("zhao", "county-pass-1")
        check(b2.get("/").status == 200, "zhao logs in")
        r = env.fupin_input("county-pass-2\n", "user", "passwd", "zhao")
        check(r.returncode == 0, "passwd reads the new password from standard input", r.stderr)
        check(b2.get("/").status == 303, "a changed password ends the open sessions")
        check(env.client().login("zhao", "county-pass-1").status == 401, "the old password no longer works")
        check(env.client().login("zhao", "county-pass-2").status == 303, "the new one does")
        check(env.scalar("SELECT count(*) FROM web_audit WHERE action IN ('user_add','user_disable','user_passwd')") >= 6,
              "the command line's changes are in the audit log")
        check(env.stop() == 0, "the daemon stops cleanly")

    # init --demo: one user per role, printed once; the logins work.
    with Env() as env:
        r = env.fupin("init", "--demo", "--households", "200")
        logins = re.findall(r"^  (demo_\w+)\s+.*?\s(\S{12})$", r.stdout, re.M)
        log("demo logins:", [n for n, _ in logins])
        check(sorted(n for n, _ in logins) ==
              sorted(["demo_admin", "demo_policy", "demo_city", "demo_county", "demo_town", "demo_cadre"]),
              "init --demo prints one login per role", r.stdout[-800:])
        roles = dict(env.rows("SELECT name, role FROM web_user"))
        check(sorted(roles.values()) == sorted(["admin", "policy", "city", "county", "town", "cadre"]),
              "init --demo creates one user per role", roles)
        check(all(h.startswith("$argon2id$") for (h,) in env.rows("SELECT pass_hash FROM web_user")),
              "the demo passwords are Argon2id hashes")
        r2 = env.fupin("user", "list")
        check(all(p not in r2.stdout for _, p in logins), "the demo passwords are not shown again")

    # A bad listen address is refused with file:line, exit 2.
    with Env() as env:
        env.write_config(extra="\nhttp:\n  listen: 999.1.1.1:80\n")
        r = env.fupin("check", check=False)
        check(r.returncode == 2 and re.search(r"fupin\.yaml:\d+:\d+", r.stderr) and "999.1.1.1" in r.stderr,
              "a bad http.listen is exit 2 naming file:line", (r.returncode, r.stderr))
        env.write_config(extra="\nhttp:\n  listen: 127.0.0.1:99999\n")
        r = env.fupin("check", check=False)
        check(r.returncode == 2 and "99999" in r.stderr, "a port over 65535 is refused", r.stderr)
        env.write_config(extra="\nhttp:\n  listen: 127.0.0.1:8080\n  tls_cert: cert.pem\n")
        r = env.fupin("check", check=False)
        check(r.returncode == 2 and "tls_key" in r.stderr, "a certificate without its key is refused", r.stderr)
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
