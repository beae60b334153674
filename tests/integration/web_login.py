"""web_login: the console's sessions through real HTTP against `fupin
run`. No session: every page is a 303 to the Chinese login page. A login
sets an HttpOnly SameSite=Strict cookie with a new id each time (only its
hash is stored); a wrong password and an unknown user get the same answer;
logout, expiry and idleness end a session; a POST without the session's
CSRF token is 403; malformed, oversized and unknown requests are 400, 413
and 404 with a Chinese page; passwords are stored as Argon2id and the
database stays private (0600); every login, failure and logout is in
web_audit."""
import os
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, log  # noqa: E402
from webtest import WebEnv  # noqa: E402


def main():
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv() as env:
        pw = env.add_user("zhang", "town", "441602001")
        env.add_user("li", "admin")
        env.start_web()
        b = env.client()

        # No session: 303 to the login page, which is Chinese and offline.
        r = b.get("/")
        check(r.status == 303 and r.header("Location") == "/login", "GET / without a session is a 303 to /login",
              (r.status, r.header("Location")))
        r = b.get("/household/1")
        check(r.status == 303, "any page without a session is a 303", r.status)
        page = b.get("/login")
        check(page.status == 200 and "登录" in page.body and "扶贫工作台" in page.body, "the login page is Chinese")
        check("http://" not in page.body and "https://" not in page.body and "<script" not in page.body,
              "the login page loads nothing from elsewhere")
        for h, v in (("Content-Security-Policy", "frame-ancestors 'none'"), ("X-Content-Type-Options", "nosniff"),
                     ("Referrer-Policy", "same-origin"), ("Cache-Control", "no-store")):
            check(v in (page.header(h) or ""), "header %s has %s" % (h, v), page.header(h))

        # Wrong password and unknown user: the same refusal, no session.
        r = b.login("zhang", "wrong-password")
        check(r.status == 401 and "用户名或密码不正确" in r.body, "a wrong password is refused", r.status)
        check("fupin_session" not in b.jar, "no session cookie after a wrong password")
        r2 = b.login("nobody", "whatever-1")
        check(r2.status == 401 and "用户名或密码不正确" in r2.body, "an unknown user gets the same refusal", r2.status)
        # A login form posted without its token is refused.
        r = b.post("/login", {"name": "zhang", "password": pw})
        check(r.status == 403 and "fupin_session" not in b.jar, "a login without the form's token is refused", r.status)

        # Two login pages open (two tabs, a reload): the first form still works.
        tabs = env.client()
        first = tabs.get("/login").csrf()
        second = tabs.get("/login").csrf()
        check(first and first == second, "a second login page keeps the browser's form token", (first, second))
        r = tabs.post("/login", {"csrf": first, "name": "zhang", "password": pw})
        check(r.status == 303, "the first tab's form signs in after a second page was opened", r.status)
        tabs.post("/logout", {"csrf": tabs.csrf()})
        # A forged form cookie is not echoed back: the page makes its own token.
        forged = env.client()
        forged.jar["fupin_login"] = "<x>"
        t = forged.get("/login").csrf()
        check(t and len(t) == 64, "a malformed form cookie gets a fresh token", t)

        # Login: cookie flags, new id each time, only a hash stored.
        r = b.login("zhang", pw)
        check(r.status == 303 and r.header("Location") == "/", "login redirects to the overview", r.status)
        line = [c for c in r.cookies() if c.startswith("fupin_session=")]
        check(len(line) == 1, "login sets the session cookie", r.cookies())
        flags = line[0] if line else ""
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"):
            check(flag in flags, "the session cookie has " + flag, flags)
        check("Secure" not in flags, "no Secure flag on plain HTTP without secure_cookies", flags)
        sid1 = b.jar.get("fupin_session", "")
        check(len(sid1) == 64, "the session id is 32 random bytes in hex", sid1)
        check(env.scalar("SELECT count(*) FROM web_session WHERE id_hash = ?", (sid1,)) == 0,
              "the session id itself is not stored")
        r = b.get("/")
        check(r.status == 200 and "zhang" in r.body and "镇督查责任人" in r.body and "东埔镇" in r.body,
              "the overview shows the user, role and region", r.body[-600:])
        check("退出" in r.body, "the page has a logout button")
        b2 = env.client()
        b2.login("zhang", pw)
        check(b2.jar.get("fupin_session") not in (None, sid1), "a second login gets a new session id")
        # A planted session id (fixation) is replaced at login.
        b3 = env.client()
        form = b3.get("/login")
        b3.jar["fupin_session"] = sid1
        b3.post("/login", {"csrf": form.csrf(), "name": "zhang", "password": pw})
        check(b3.jar.get("fupin_session") != sid1, "login never keeps the id the browser brought")
        check(env.scalar("SELECT count(*) FROM web_session") == 2,
              "the planted (old) session was ended at the new login",
              env.scalar("SELECT count(*) FROM web_session"))

        # Stored secrets: Argon2id, a private database.
        h = env.scalar("SELECT pass_hash FROM web_user WHERE name = 'zhang'")
        check(h.startswith("$argon2id$"), "the password is stored as an Argon2id hash", h[:20])
        check(pw not in h, "the password itself is not stored")
        mode = stat.S_IMODE(os.stat(env.db).st_mode)
        check(mode == 0o600, "the database file is still 0600", oct(mode))

        # CSRF: a POST without or with a wrong token is 403 and does nothing.
        c = b2.csrf()
        check(c and len(c) == 64, "pages carry the session's CSRF token", c)
        r = b2.post("/logout", {})
        check(r.status == 403 and "表单" in r.body, "logout without the token is 403", r.status)
        r = b2.post("/logout", {"csrf": "0" * 64})
        check(r.status == 403, "logout with a wrong token is 403", r.status)
        r = b2.post("/logout", {"csrf": b3.csrf()})
        check(r.status == 403, "another session's token is refused", r.status)
        check(b2.get("/").status == 200, "the refused logout ended nothing")
        check(env.scalar("SELECT count(*) FROM web_audit WHERE action = 'csrf_refused'") >= 3,
              "the refusals are in the audit log")

        # Logout ends the session on the server, not just the cookie.
        old = dict(b2.jar)
        r = b2.post("/logout", {"csrf": c})
        check(r.status == 303 and r.header("Location") == "/login", "logout redirects to the login page", r.status)
        check("fupin_session" not in b2.jar, "logout clears the cookie")
        b2.jar.update(old)
        check(b2.get("/").status == 303, "the old session id no longer works after logout")

        # Expiry: a session past its end, and one idle too long, are gone.
        b.jar["fupin_session"] = sid1
        check(b.get("/").status == 303, "the session ended at the fixation login is gone")
        bx = env.client()
        bx.login("zhang", pw)
        check(bx.get("/").status == 200, "a fresh session works")
        env.sql("UPDATE web_session SET expires_at = strftime('%s','now') - 1")
        check(bx.get("/").status == 303, "an expired session is a 303 to /login")
        by = env.client()
        by.login("zhang", pw)
        env.sql("UPDATE web_session SET last_seen = strftime('%s','now') - 3601")
        check(by.get("/").status == 303, "a session idle longer than idle_minutes is over")

        # Bad requests: Chinese 400/404/405/413, never a crash.
        bz = env.client()
        r = bz.login("zhang", pw)
        check(r.status == 303, "a fresh login for the bad-request checks", bz.last_login)
        r = bz.get("/nope")
        check(r.status == 404 and "没有这个页面" in r.body, "an unknown path is 404 in Chinese", r.status)
        r = bz.get("/?q=%zz")
        check(r.status == 400 and "格式有误" in r.body, "a malformed percent-encoding is 400", r.status)
        r = bz.get("/?q=%00")
        check(r.status == 400, "an encoded NUL is 400", r.status)
        r = bz.get("/?q=%C0%AF")
        check(r.status == 400, "an overlong UTF-8 sequence is 400", r.status)
        r = bz.request("DELETE", "/")
        check(r.status == 405, "DELETE is 405", r.status)
        r = bz.post("/logout", {"csrf": bz.csrf(), "pad": "x" * (70 * 1024)})
        check(r.status == 413, "a body over 64 KiB is 413", r.status)
        r = bz.request("GET", "/", headers={"X-Big": "y" * (40 * 1024)})
        check(r.status in (400, 413, 431), "headers over the limit are refused", r.status)
        r = bz.post("/logout", b"csrf=" + bz.csrf().encode(), headers={"Content-Type": "text/plain"})
        check(r.status == 400, "a body that is not a form is 400", r.status)
        check(bz.get("/").status == 200, "the server still answers after the bad requests")
        check(env.alive(), "the daemon is still running")

        # The audit log: who, what, from where.
        rows = env.rows("SELECT action, subject, remote FROM web_audit ORDER BY id")
        actions = [a for a, _, _ in rows]
        log("audit actions:", actions)
        check("login" in actions and "login_failed" in actions and "logout" in actions,
              "logins, failures and logouts are audited", actions)
        check(all(rem == "127.0.0.1" for a, _, rem in rows if not a.startswith("user_")),
              "the audit log names the address of each request", rows)
        check(all(rem == "cli" for a, _, rem in rows if a.startswith("user_")),
              "fupin user's changes are audited as from the command line")
        check(env.scalar("SELECT count(*) FROM web_audit WHERE action = 'login_failed' AND subject = 'nobody'") == 1,
              "a failure for an unknown name is audited with the name tried")
        check(env.stop() == 0, "the daemon stops cleanly with the console running")
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
