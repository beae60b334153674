#!/usr/bin/env python3
"""hardening_delivery: what reaches the wire, and what a failure costs.

A From carrying CR/LF (an attempt to add a Bcc through the SMTP session) is
refused by `fupin check` and by the nightly run with exit 2 and
fupin.yaml:line:col, and the local SMTP listener sees no connection at all.
With a good config, a supervisor address from the database carrying CR/LF
and a second RCPT never reaches the listener: that row, an unknown channel
and a webhook answering 404 are permanent failures, given up at once with a
single delivery_failed alert for the city; a webhook answering 503 keeps
its back-off. Loopback addresses only."""
import http.server
import os
import re
import socketserver
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sinks import ThreadedTCP, start  # noqa: E402
from fupintest import Checks, Env  # noqa: E402

INJECTED_FROM = "a@b.c>\\r\\nBcc: victim@example.com\\r\\nX: <y"


class Hook(http.server.BaseHTTPRequestHandler):
    paths = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Hook.paths.append(self.path)
        code = 404 if self.path == "/gone" else 503 if self.path == "/busy" else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


class Smtp(socketserver.StreamRequestHandler):
    """Records every protocol line it receives, answers just enough SMTP."""
    lines = []
    connections = 0

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        Smtp.connections += 1
        self.reply("220 sink ESMTP")
        in_data = False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            Smtp.lines.append(raw)
            if in_data:
                if raw == b".\r\n":
                    in_data = False
                    self.reply("250 queued")
                continue
            up = raw.decode("ascii", "replace").strip().upper()
            if up == "DATA":
                in_data = True
                self.reply("354 go on")
            elif up == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def config(hook, smtp, sender):
    return f"""database: fupin.db
policies: policies
params:
  supervision: {{no_visit_days: 90, reduction_target: 0.33, reduction_margin: 0.10}}
schedule: {{nightly_at: "02:00", timezone: Asia/Shanghai}}
channels:
  file: {{dir: spool/out}}
  webhook: {{url: "http://127.0.0.1:{hook.server_address[1]}/ok", timeout_s: 5}}
  email: {{url: "smtp://127.0.0.1:{smtp.server_address[1]}", from: "{sender}", timeout_s: 5}}
delivery: {{max_attempts: 12, backoff_s: 600}}
"""


CITY = """
INSERT INTO region(code, name, level, parent) VALUES
 ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416');
INSERT INTO supervisor(id, name, region, channel, address) VALUES
 (1, '市督查组', '4416', 'email', 'city@example.org'),
 (2, '县督查组', '441602', 'email', 'x@y.z>' || char(13, 10) || 'RCPT TO:<victim@example.com'),
 (3, '镇工作组', '441602', 'webhook', 'http://127.0.0.1:{port}/gone'),
 (4, '村工作组', '441602', 'pager', NULL),
 (5, '另一组', '441602', 'webhook', 'http://127.0.0.1:{port}/busy');
INSERT INTO outbox(supervisor_id, channel, payload, created_at) VALUES
 (1, 'email', '{{"text":"督办 1"}}', '2018-06-30 02:00:00'),
 (2, 'email', '{{"text":"督办 2"}}', '2018-06-30 02:00:00'),
 (3, 'webhook', '{{"text":"督办 3"}}', '2018-06-30 02:00:00'),
 (4, 'pager', '{{"text":"督办 4"}}', '2018-06-30 02:00:00'),
 (5, 'webhook', '{{"text":"督办 5"}}', '2018-06-30 02:00:00');
"""


def main():
    hook = start(ThreadedTCP(("127.0.0.1", 0), Hook))
    smtp = start(ThreadedTCP(("127.0.0.1", 0), Smtp))
    check = Checks()
    try:
        # The injected From: refused before any connection.
        with Env(policies="none", config_text=config(hook, smtp, INJECTED_FROM)) as env:
            env.touch_db()
            for cmd in (("check",), ("nightly", "--date", "2018-06-30")):
                r = env.fupin(*cmd, check=False)
                check(r.returncode == 2, "%s with a CR/LF From exits 2 (got %d)" % (cmd[0], r.returncode),
                      r.stdout + r.stderr)
                check(re.search(r"fupin\.yaml:\d+:\d+: channels\.email\.from", r.stderr),
                      "%s names fupin.yaml:line:col and channels.email.from" % cmd[0], r.stderr)
            check(Smtp.connections == 0, "nothing connected to the SMTP listener")
        with Env(policies="none", config_text=config(hook, smtp, "fupin@example.org")) as env:
            run(env, check, hook)
    finally:
        hook.shutdown()
        smtp.shutdown()
    return check.done()


def run(env, check, hook):
    env.touch_db()
    r = env.fupin("nightly", "--date", "2018-01-01", "--no-deliver", check=False)
    check(r.returncode == 0, "schema created", r.stderr)
    con = env.connect()
    con.executescript(CITY.format(port=hook.server_address[1]))
    con.commit()

    r = env.fupin("nightly", "--date", "2018-06-30", check=False)
    check(r.returncode == 0, "nightly delivers (exit 0)", r.stdout + r.stderr)

    def row(i):
        return con.execute("SELECT attempts, sent_at, last_error, next_attempt_at FROM outbox"
                           " WHERE supervisor_id = ?", (i,)).fetchone()

    wire = b"".join(Smtp.lines)
    check(row(1)[1] is not None, "the good address was delivered", str(row(1)))
    check(b"victim" not in wire and b"Bcc" not in wire,
          "no injected recipient or header reached the SMTP listener", wire[:600].decode("utf-8", "replace"))
    rcpts = [l for l in Smtp.lines if l.upper().startswith(b"RCPT TO:")]
    check(rcpts == [b"RCPT TO:<city@example.org>\r\n"], "exactly one RCPT, the good one", str(rcpts))
    check(all(l.endswith(b"\r\n") and b"\r" not in l[:-2] and b"\n" not in l[:-1] for l in Smtp.lines),
          "every protocol line is one line")

    for sup, what in ((2, "an address with CR/LF"), (3, "a webhook answering 404"), (4, "an unknown channel")):
        a = row(sup)
        check(a[1] is None and a[0] == 12 and (a[2] or "").startswith("permanent: ") and a[3] is None,
              "%s is given up at once (attempts = max, no retry)" % what, str(a))
    a = row(5)
    check(a[1] is None and a[0] == 1 and "503" in (a[2] or "") and a[3] is not None,
          "a webhook answering 503 keeps its back-off", str(a))
    check(Hook.paths.count("/gone") == 1, "the 404 was tried once", str(Hook.paths))

    alerts = con.execute("SELECT level, region, state, message FROM alert WHERE kind = 'delivery_failed'").fetchall()
    check(len(alerts) == 1, "one delivery_failed alert for the three permanent failures", str(alerts))
    if alerts:
        check(alerts[0][:3] == ("city", "4416", "open"), "the alert is for the city", str(alerts[0]))
        check("\r" not in alerts[0][3] and "victim" not in alerts[0][3], "the alert does not echo the address")

    # A later run retries nothing given up, and does not raise a second alert.
    before = list(Hook.paths)
    env.fupin("nightly", "--date", "2018-06-30", check=False)
    check(Hook.paths == before, "a later run sends nothing more (503 not yet due)", str(Hook.paths))
    n = con.execute("SELECT count(*) FROM alert WHERE kind = 'delivery_failed'").fetchone()[0]
    check(n == 1, "still one delivery_failed alert", str(n))
    con.close()


if __name__ == "__main__":
    sys.exit(main())
