#!/usr/bin/env python3
"""digest_mail.py - what a supervisor's digest mail carries, through a real
SMTP exchange with a local sink: the Chinese text, digest.json, and the
supervisor's full list as xlsx (read back with openpyxl: every item they
see, escalated ones at every level from the town up, IDs masked); past
params.supervision.digest_attachment_kb no list, and the text says how to
export it at the office. Loopback addresses only."""
import email
import io
import json
import os
import sys
import xml.etree.ElementTree as ET
import zipfile

try:
    import openpyxl
except ImportError:  # Debian's python3-openpyxl is for /usr/bin/python3
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    openpyxl = None

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sinks import SmtpSink, ThreadedTCP, start  # noqa: E402
from fupintest import Checks, Env  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Task 1 is 40 days late (the city has it), task 2 10 days (the county),
# task 3 2 days (the town); task 4 is in another county.
CITY = """
INSERT INTO region(code, name, level, parent) VALUES
 ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),
 ('441602101', '埔前镇', 'town', '441602'), ('441602101001', '甲村', 'village', '441602101'),
 ('441603', '东源县', 'county', '4416'), ('441603101', '仙塘镇', 'town', '441603'),
 ('441603101001', '丙村', 'village', '441603101');
INSERT INTO supervisor(id, name, region, channel, address) VALUES
 (1, '市督查组', '4416', 'email', 'city@example.org'),
 (2, '县督查组', '441602', 'email', 'county@example.org'),
 (3, '镇工作组', '441602101', 'email', 'town@example.org'),
 (4, '东源县督查组', '441603', 'email', 'dy@example.org');
INSERT INTO cadre(id, name, phone, region) VALUES (1, '李四', '13800000001', '441602101001'),
 (2, '王五', '13800000002', '441603101001');
INSERT INTO household(id, village, head_name) VALUES (1, '441602101001', '张三'),
 (2, '441602101001', '赵六'), (3, '441602101001', '钱七'), (4, '441603101001', '孙八');
INSERT INTO member(household_id, name, id_number, relation) VALUES
 (1, '张三', '441602198001010011', '户主'), (4, '孙八', '441603197502020022', '户主');
INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2018-01-01'),
 (2, 1, '2018-01-01'), (3, 1, '2018-01-01'), (4, 2, '2018-01-01');
INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-20'), (4, 2, '2018-06-20');
INSERT INTO task(id, household_id, cadre_id, title, due) VALUES
 (1, 1, 1, '危房改造', '2018-05-21'), (2, 2, 1, '申报种养项目', '2018-06-20'),
 (3, 3, 1, '技能培训', '2018-06-28'), (4, 4, 2, '自来水入户', '2018-05-01');
"""


def config(smtp, extra=""):
    return f"""database: fupin.db
policies: policies
params:
  supervision: {{no_visit_days: 90{extra}}}
schedule: {{nightly_at: "02:00", timezone: Asia/Shanghai}}
escalation: {{county_days: 7, city_days: 30}}
channels:
  file: {{dir: spool}}
  email: {{url: "smtp://127.0.0.1:{smtp.server_address[1]}", from: "fupin@example.org", timeout_s: 5}}
delivery: {{max_attempts: 3, backoff_s: 1}}
"""


def parts_of(mail):
    msg = email.message_from_bytes(mail["data"])
    return [p for p in msg.walk() if not p.is_multipart()]


def sheet_rows(data):
    """The first worksheet's rows as lists of values: openpyxl when there
    is one, else the sheet's XML read directly."""
    if openpyxl:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}row" % ns["m"]):
        vals = []
        for c in row.findall("m:c", ns):
            t, v = c.get("t"), c.find("m:v", ns)
            if t == "inlineStr":
                vals.append("".join(x.text or "" for x in c.iter("{%s}t" % ns["m"])))
            elif t == "s":
                vals.append(shared[int(v.text)])
            else:
                vals.append(v.text if v is not None else None)
        rows.append(vals)
    return rows


def task_ids(rows):
    """The task ids of the list's rows, found by their title."""
    titles = {"危房改造": 1, "申报种养项目": 2, "技能培训": 3, "自来水入户": 4}
    return {titles[c] for row in rows[1:] for c in row if c in titles}


def main():
    smtp = start(ThreadedTCP(("127.0.0.1", 0), SmtpSink))
    try:
        with Env(policies="none", config_text=config(smtp)) as env:
            return run(env, smtp, Checks())
    finally:
        smtp.shutdown()


def run(env, smtp, check):
    env.touch_db()
    r = env.fupin("nightly", "--date", "2018-01-01", "--no-deliver", check=False)
    check(r.returncode == 0, "schema: " + r.stderr[-200:])
    con = env.connect()
    con.executescript(CITY)

    r = env.fupin("nightly", "--date", "2018-06-30", check=False)
    check(r.returncode == 0, "nightly 2018-06-30: " + r.stderr[-300:])
    by_rcpt = {m["rcpt"][0]: m for m in SmtpSink.mails}
    check(set(by_rcpt) == {"<city@example.org>", "<county@example.org>", "<town@example.org>",
                           "<dy@example.org>"}, f"a mail to each supervisor: {sorted(by_rcpt)}")

    # Every level from the town up sees what climbed: the town all three,
    # the county tasks 1 and 2, the city task 1; nobody else's.
    want = {"<town@example.org>": {1, 2, 3}, "<county@example.org>": {1, 2},
            "<city@example.org>": {1, 4}, "<dy@example.org>": {4}}
    for rcpt, tasks in want.items():
        m = by_rcpt.get(rcpt)
        if not m:
            continue
        parts = parts_of(m)
        kinds = [p.get_content_type() for p in parts]
        check(kinds == ["text/plain", "application/json", XLSX],
              f"{rcpt}: text, digest.json and the xlsx list: {kinds}")
        if len(parts) < 3:
            continue
        text = parts[0].get_payload(decode=True).decode("utf-8")
        digest = json.loads(parts[1].get_payload(decode=True))
        listed = {i["task_id"] for i in digest["new"] + digest["items"] if "task_id" in i}
        check(listed == tasks, f"{rcpt}: the digest lists tasks {sorted(tasks)}: {sorted(listed)}")
        check(parts[2].get_filename().endswith("-2018-06-30.xlsx"),
              "the list is named for the region and date: " + str(parts[2].get_filename()))
        rows = sheet_rows(parts[2].get_payload(decode=True))
        header = rows[0] if rows else []
        check("户主" in header and "帮扶干部电话" in header and "逾期天数" in header,
              f"{rcpt}: Chinese column headers: {header}")
        check(task_ids(rows) == tasks, f"{rcpt}: the xlsx holds the same tasks: {task_ids(rows)}")
        cells = [str(c) for row in rows for c in row if c is not None]
        check(not any("198001010011" in c or "197502020022" in c for c in cells),
              f"{rcpt}: no resident ID in the clear in the xlsx")
        if 1 in tasks:
            check("441602********0011" in cells, f"{rcpt}: the head's ID masked in the list")
        check("户主 张三" in text or 1 not in tasks, f"{rcpt}: the item line names the head")
        check("fupin alert ack " in text, f"{rcpt}: how to reply names the command")

    town = parts_of(by_rcpt["<town@example.org>"])[0].get_payload(decode=True).decode("utf-8")
    check("已逐级上报至市级" in town and "已逐级上报至县级" in town,
          "the town's text says where its escalated tasks are now: " + town[:600])

    # Past the cap: no list, the text says how to export it.
    small = os.path.join(env.dir, "small.yaml")
    env.write(small, config(smtp, ", digest_attachment_kb: 1"))
    SmtpSink.mails.clear()
    r = env.fupin("nightly", "--date", "2018-07-01", config=small, check=False)
    check(r.returncode == 0, "nightly 2018-07-01 with a 1 KB cap: " + r.stderr[-300:])
    by_rcpt = {m["rcpt"][0]: m for m in SmtpSink.mails}
    m = by_rcpt.get("<county@example.org>")
    check(m is not None, "the county gets the next night's digest")
    if m:
        parts = parts_of(m)
        check([p.get_content_type() for p in parts] == ["text/plain", "application/json"],
              "no xlsx past the cap")
        text = parts[0].get_payload(decode=True).decode("utf-8")
        check("超过邮件附件上限（1 KB）" in text and
              "fupin alert list --region 441602 --open --format xlsx" in text,
              "the mail says to export at the office, with the command: " + text[-400:])

    # Digest sizes out of range: refused, naming the param, exit 2.
    for extra in (", digest_items: 0", ", digest_items: 101", ", digest_attachment_kb: -1"):
        bad = os.path.join(env.dir, "bad.yaml")
        env.write(bad, config(smtp, extra))
        r = env.fupin("nightly", "--date", "2018-07-02", "--no-deliver", config=bad, check=False)
        key = extra.split(":")[0].strip(", ")
        check(r.returncode == 2 and key in r.stderr, f"nightly with{extra}: exit 2 naming it: {r.stderr.strip()}")
    con.close()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
