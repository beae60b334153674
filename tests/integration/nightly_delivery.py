#!/usr/bin/env python3
"""nightly_delivery.py - the outbox reaching people through the real
channels: a local HTTP receiver that fails the first two attempts (the
message arrives exactly once, after retries, across separate processes), a
local SMTP sink that must receive a proper UTF-8 mail, and the file spool
(one fsync'd JSON line per message, mode 0600). Loopback addresses only."""
import email
import email.header
import http.server
import json
import os
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sinks import SmtpSink, ThreadedTCP, start  # noqa: E402
from fupintest import Checks, Env, wait_for  # noqa: E402


class Hook(http.server.BaseHTTPRequestHandler):
    bodies = []
    requests = 0
    fail_first = 2

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        Hook.requests += 1
        if Hook.requests <= Hook.fail_first:
            self.send_response(500)
            self.end_headers()
            return
        Hook.bodies.append((self.headers.get("Content-Type"), body))
        out = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


CITY = """
INSERT INTO region(code, name, level, parent) VALUES
 ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),
 ('441602101', '埔前镇', 'town', '441602'), ('441602101001', '甲村', 'village', '441602101');
INSERT INTO supervisor(id, name, region, channel, address) VALUES
 (1, '市督查组', '4416', 'email', 'city@example.org'),
 (2, '县督查组', '441602', 'file', NULL),
 (3, '镇工作组', '441602101', 'webhook', NULL);
INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602101001');
INSERT INTO household(id, village) VALUES (1, '441602101001'), (2, '441602101001'), (3, '441602101001');
INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01'), (2, 1, '2018-01-01'), (3, 1, '2018-01-01');
INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-20');
INSERT INTO task(id, household_id, cadre_id, title, due) VALUES
 (1, 1, 1, '技能培训 "quoted"', '2018-06-29'),
 (2, 2, 1, '申报项目', '2018-06-20'),
 (3, 3, 1, '危房改造', '2018-05-01');
"""


def config(hook, smtp):
    return f"""database: fupin.db
policies: policies
params:
  supervision: {{no_visit_days: 90, reduction_target: 0.33, reduction_margin: 0.10}}
schedule: {{nightly_at: "02:00", timezone: Asia/Shanghai}}
escalation: {{county_days: 7, city_days: 30}}
channels:
  file: {{dir: spool/out}}
  webhook: {{url: "http://127.0.0.1:{hook.server_address[1]}/robot", timeout_s: 5}}
  email: {{url: "smtp://127.0.0.1:{smtp.server_address[1]}", from: "fupin@example.org", timeout_s: 5}}
delivery: {{max_attempts: 5, backoff_s: 1}}
"""


def main():
    hook = start(ThreadedTCP(("127.0.0.1", 0), Hook))
    smtp = start(ThreadedTCP(("127.0.0.1", 0), SmtpSink))
    try:
        with Env(policies="none", config_text=config(hook, smtp)) as env:
            return run(env, Checks())
    finally:
        hook.shutdown()
        smtp.shutdown()


def run(env, check):
    env.touch_db()

    def fupin(*args):
        return env.fupin(*args, check=False)

    # The schema comes from the first write open; then the test city.
    r = fupin("nightly", "--date", "2018-01-01", "--no-deliver")
    check(r.returncode == 0, "nightly on an empty database: " + r.stderr.strip()[-200:])
    con = env.connect()
    con.executescript(CITY)

    def row(sup):
        return con.execute("SELECT attempts, sent_at, last_error, next_attempt_at FROM outbox"
                           " WHERE supervisor_id = ?", (sup,)).fetchone()

    r = fupin("nightly", "--date", "2018-06-30")
    check(r.returncode == 0, "nightly 2018-06-30 runs: " + r.stderr.strip()[-300:])
    check("汇总 3 份" in r.stdout, "one digest for each of the 3 supervisors: " + r.stdout.strip())
    a = row(3)
    check(a is not None and a[0] == 1 and a[1] is None and "500" in (a[2] or ""),
          f"webhook first attempt failed and was recorded: {a}")
    check(row(1)[1] is not None, "email accepted and marked sent")
    check(row(2)[1] is not None, "file spooled and marked sent")

    # A new process before the retry is due sends nothing.
    r = fupin("nightly", "--date", "2018-06-30")
    check("汇总 0 份" in r.stdout, "same night again: no new digest")
    check(Hook.requests == 1 or row(3)[0] == Hook.requests,
          f"no attempt before the backoff is due (requests {Hook.requests}, row {row(3)})")
    # Each retry is a fresh process: what one left pending the next resumes.
    # The backoff is real time (1 s, then 2 s); a fresh run every half
    # second until the row is sent, however long this machine takes.
    def retried():
        fupin("nightly", "--date", "2018-06-30")
        return row(3)[1] is not None
    try:
        wait_for(retried, "the webhook row sent by later runs", interval=0.5)
    except AssertionError as e:
        check(False, str(e))
    a = row(3)
    check(a[1] is not None and a[0] == 3 and a[2] is None,
          f"webhook delivered on the 3rd attempt after two 500s: {a}")
    check(Hook.requests == 3 and len(Hook.bodies) == 1, f"exactly one accepted POST ({Hook.requests} requests)")
    fupin("nightly", "--date", "2018-06-30")
    fupin("nightly", "--date", "2018-07-01")
    town = [b for b in Hook.bodies]
    check(Hook.requests == 4, f"a sent message is never sent again; the next night's digest is new ({Hook.requests})")
    if town:
        ctype, body = town[0]
        check(ctype.startswith("application/json"), "webhook content type is JSON")
        msg = json.loads(body)
        ids = [i["alert_id"] for i in msg["fupin"]["new"] + msg["fupin"]["items"]]
        check(msg["msgtype"] == "text" and ids and all(f"#{i} " in msg["text"]["content"] for i in ids),
              "robot body: msgtype text with the digest's items by alert number")
        check(msg["fupin"]["supervisor"]["id"] == 3 and msg["fupin"]["date"] == "2018-06-30",
              "robot body carries the digest JSON")
        check('技能培训 "quoted"' in msg["text"]["content"], "quotes survive escaping")

    # Email: a proper RFC 5322 message with an encoded UTF-8 subject.
    check(len(SmtpSink.mails) >= 1, "the SMTP sink received mail")
    if SmtpSink.mails:
        m = SmtpSink.mails[0]
        check(m["rcpt"] == ["<city@example.org>"] and m["from"] == "<fupin@example.org>",
              f"envelope from/to: {m.get('from')} {m['rcpt']}")
        raw = m["data"]
        check(b"Subject: =?UTF-8?B?" in raw and b"Message-ID: <fupin-outbox-" in raw,
              "encoded Subject and a stable Message-ID")
        parsed = email.message_from_bytes(raw)
        subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
        check(subject == "【扶贫督查日报】2018-06-30 河源市（4416） 市督查组（市级）",
              "subject decodes (Chinese by default), the region by name and code: " + subject)
        parts = [p for p in parsed.walk() if not p.is_multipart()]
        text = parts[0].get_payload(decode=True).decode("utf-8")
        check("危房改造" in text and "李四" in text, "body decodes to the digest text")
        check("户主" in text and "逾期" in text and "fupin alert ack " in text and "--by 姓名" in text,
              "the text is Chinese and says how to reply with the command: " + text[-300:])
        check(json.loads(parts[1].get_payload(decode=True))["supervisor"]["id"] == 1,
              "the JSON digest is attached")

    # File spool: private, one JSON line per message, the outbox id in it.
    spool = os.path.join(env.dir, "spool", "out")
    files = os.listdir(spool) if os.path.isdir(spool) else []
    check(len(files) == 1 and files[0].startswith("outbox-") and files[0].endswith(".jsonl"),
          f"one spool file outbox-YYYY-MM-DD.jsonl: {files}")
    if files:
        path = os.path.join(spool, files[0])
        check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, "spool file is 0600")
        check(stat.S_IMODE(os.stat(spool).st_mode) == 0o700, "spool directory is 0700")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        recs = [json.loads(l) for l in lines]
        check(len(recs) == 2 and all(r["supervisor_id"] == 2 for r in recs),
              f"one line per message for the file supervisor (2 nights): {len(recs)}")
        check(recs[0]["payload"]["supervisor"]["level"] == "county", "the line carries the digest")

    # Give-up: a receiver that always fails stops after max_attempts.
    Hook.fail_first = 10 ** 6
    con.execute("UPDATE outbox SET sent_at = NULL, attempts = 3, next_attempt_at = NULL,"
                " last_error = NULL WHERE supervisor_id = 3 AND dedup_key LIKE '%2018-07-01'")
    before = Hook.requests
    for _ in range(4):
        fupin("nightly", "--date", "2018-07-01")
        # skip the (growing) backoff instead of sleeping through it
        con.execute("UPDATE outbox SET next_attempt_at = NULL WHERE sent_at IS NULL")
    a = con.execute("SELECT attempts, sent_at, last_error FROM outbox WHERE supervisor_id = 3"
                    " AND dedup_key LIKE '%2018-07-01'").fetchone()
    check(a[0] == 5 and a[1] is None and "500" in a[2] and Hook.requests - before == 2,
          f"gives up after max_attempts, row left unsent with its error: {a}")
    con.close()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
