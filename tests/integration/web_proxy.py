"""web_proxy: behind a reverse proxy named in http.trusted_proxies the
visitor is the last X-Forwarded-For entry (the one the proxy appended), so
the per-address login limit and the audit see visitors, not the proxy; an
entry a visitor forged in front of it counts for nothing, and without the
setting the header is ignored. A bad address in the setting is refused
with the file, line and column."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env  # noqa: E402
from webtest import WebEnv  # noqa: E402


def fail_login(client, addr_header):
    page = client.get("/login")
    return client.post("/login", {"csrf": page.csrf(), "name": "nobody", "password": "wrong"},
                       headers={"X-Forwarded-For": addr_header} if addr_header else None)


def main():
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv(http={"trusted_proxies": '"127.0.0.1, ::1"', "login_failures_per_address": 3}) as env:
        pw = env.add_user("alice", "town", "441602001")
        env.start_web()
        c = env.client()
        # A visitor's forged entry first, then what the proxy appended.
        for i in range(3):
            r = fail_login(c, "6.6.6.6, 10.0.0.1")
            check(r.status == 401, "failure %d from 10.0.0.1 is 401" % (i + 1), r.status)
        late = env.client()
        page = late.get("/login", headers={"X-Forwarded-For": "10.0.0.1"})
        r = late.post("/login", {"csrf": page.csrf(), "name": "alice", "password": pw},
                      headers={"X-Forwarded-For": "10.0.0.1"})
        check(r.status == 429, "10.0.0.1 is refused after 3 failures", r.status)
        other = env.client()
        page = other.get("/login", headers={"X-Forwarded-For": "10.0.0.2"})
        r = other.post("/login", {"csrf": page.csrf(), "name": "alice", "password": pw},
                       headers={"X-Forwarded-For": "6.6.6.6, 10.0.0.2"})
        check(r.status == 303, "another visitor behind the same proxy still logs in", r.status)
        remotes = {row[0] for row in env.rows("SELECT remote FROM web_audit")}
        check("10.0.0.1" in remotes and "10.0.0.2" in remotes, "the audit names the visitors", remotes)
        check("6.6.6.6" not in remotes, "a forged entry before the proxy's is never taken", remotes)
        # Not an address: the proxy's own stands.
        fail_login(env.client(), "<script>")
        check(env.scalar("SELECT remote FROM web_audit ORDER BY id DESC LIMIT 1") == "127.0.0.1",
              "a header that is no address leaves the proxy's",
              env.scalar("SELECT remote FROM web_audit ORDER BY id DESC LIMIT 1"))
        check(env.stop() == 0, "the daemon stops cleanly")

    with WebEnv() as env:
        env.start_web()
        fail_login(env.client(), "10.0.0.9")
        remote = env.scalar("SELECT remote FROM web_audit ORDER BY id DESC LIMIT 1")
        check(remote == "127.0.0.1", "without trusted_proxies the header is ignored", remote)
        check(env.stop() == 0, "the daemon stops cleanly")

    with Env(policies="none") as env:
        env.write_config(extra="\nhttp:\n  listen: 127.0.0.1:8089\n  trusted_proxies: \"127.0.0.1, proxy.local\"\n")
        r = env.fupin("check", check=False)
        check(r.returncode == 2, "a name in trusted_proxies: check exits 2", r.returncode)
        check(re.search(r"fupin\.yaml:\d+:\d+: http\.trusted_proxies", r.stderr) and "proxy.local" in r.stderr,
              "the message names fupin.yaml:line:col, the key and the bad entry", r.stderr)
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
