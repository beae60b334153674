"""web_ratelimit: failed logins are limited per user name and per address.
After http.login_failures failures a name is refused (429, Chinese) even
with its right password, while other names from the same address still
log in; after login_failures_per_address failures from one address every
name is refused. Refusals are audited and logged as web.login_refused."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks  # noqa: E402
from webtest import WebEnv  # noqa: E402


def main():
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv(http={"login_failures": 3, "login_failures_per_address": 7}) as env:
        pw_a = env.add_user("alice", "town", "441602001")
        pw_b = env.add_user("bob", "cadre", "441602001001")
        env.start_web()
        b = env.client()
        for i in range(3):
            r = b.login("alice", "wrong-%d" % i)
            check(r.status == 401, "failure %d for alice is 401" % (i + 1), r.status)
        r = b.login("alice", pw_a)
        check(r.status == 429 and "登录失败次数过多" in r.body, "alice is refused after 3 failures (429)", r.status)
        check("fupin_session" not in b.jar, "...even with the right password")
        r = env.client().login("bob", pw_b)
        check(r.status == 303, "bob still logs in from the same address", r.status)
        # Per address: 3 failures so far from here; 4 more with new names.
        for i in range(4):
            r = b.login("nobody%d" % i, "wrong")
            check(r.status == 401, "failure for nobody%d is 401" % i, r.status)
        r = env.client().login("bob", pw_b)
        check(r.status == 429, "after 7 failures from one address every name is refused", r.status)
        check(env.scalar("SELECT count(*) FROM web_audit WHERE action = 'login_refused'") == 2,
              "each refusal is audited")
        check("[web.login_refused]" in env.log_text(), "the refusal is logged with its code")
        # The window passes: the counts are of recent failures only.
        env.sql("UPDATE web_login_attempt SET at = at - 16 * 60")
        r = env.client().login("alice", pw_a)
        check(r.status == 303, "after the window alice logs in again", r.status)
        check(env.stop() == 0, "the daemon stops cleanly")
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
