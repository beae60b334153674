"""web_slow_client: the console never holds up the daemon. While clients
hold connections half-sent (headers never finished, a body cut short), the
daemon goes on evaluating what changes, the console still answers a new
client, and SIGTERM stops everything cleanly. The per-address connection
limit keeps one address from taking every connection."""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks  # noqa: E402
from webtest import WebEnv  # noqa: E402


def main():
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv(http={"per_ip": 12}) as env:
        env.start_web()
        env.wait_caught_up()
        held = []
        for i in range(8):
            s = socket.create_connection(("127.0.0.1", env.port), timeout=10)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # headers never end
            held.append(s)
        for i in range(2):
            s = socket.create_connection(("127.0.0.1", env.port), timeout=10)
            s.sendall(b"POST /logout HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 1000\r\n\r\ncsrf=")  # a body cut short
            held.append(s)

        # The engine still evaluates a change while the clients hang.
        before = env.scalar("SELECT count(*) FROM finding WHERE measure = 'house_repair' AND household_id = 1")
        env.sql("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 1")
        env.wait_until("SELECT count(*) FROM finding WHERE measure = 'house_repair' AND household_id = 1"
                       " AND state = 'open'", expect=1)
        check(before == 0, "household 1 had no repair finding before", before)
        check(True, "the daemon evaluated a change while 10 clients held connections")

        # A new client is still served.
        r = env.client().get("/login")
        check(r.status == 200, "a new client gets the login page meanwhile", r.status)
        # Past the per-address limit the server refuses rather than queues:
        # 10 held, room for 2 more slow ones (fewer while the server has not
        # yet noticed the closed login connection), then resets.
        extra = []
        refused = 0
        for i in range(4):
            try:
                s = socket.create_connection(("127.0.0.1", env.port), timeout=2)
                s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
                extra.append(s)
                refused += s.recv(100) == b""
            except socket.timeout:
                pass  # held like the others
            except OSError:
                refused += 1
        check(1 <= refused <= 3, "connections past http.per_ip are refused", refused)
        for s in held + extra:
            s.close()
        check(env.stop() == 0, "SIGTERM stops the daemon with the console's clients")
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
