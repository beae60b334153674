"""web_pages: the console's pages over HTTP against `fupin run` with
`http:` on a small hand-built city of two towns. A town supervisor sees
their town and nothing of the other (household, region, worklist, alert
list, exports, actions: 403); every text from the database is escaped (a
<script> planted in a head_name, a village name and an alert message never
comes back raw) and no 18-digit resident ID leaves unmasked, in pages or
downloads; accept (due date, note) makes the task, reject keeps the
reason, ack records who and why - each in the database; activate/discard
of a staged rule change works for policy staff only; bad parameters are
400 with a Chinese message."""
import io
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env, set_reload  # noqa: E402
from webclient import (Client, add_alerts, add_user, build_city, free_port,  # noqa: E402
                       http_config, start_console)

ID18 = re.compile(r"(?<!\d)[1-8]\d{5}(19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?!\d)")


def no_raw(check, what, body, html=True):
    """No planted tag unescaped (in HTML) and no resident ID unmasked (in
    anything); a download is data, where the tag is plain text."""
    text = body if isinstance(body, str) else body.decode("utf-8", "replace")
    if html:
        check("<script>alert(1)" not in text, what + ": no raw <script>")
    m = ID18.search(text)
    check(m is None, what + ": no unmasked resident ID", m and text[max(0, m.start() - 80):m.end() + 20])


def xlsx_text(data):
    """Every string of a workbook (shared strings and inline), for searching."""
    z = zipfile.ZipFile(io.BytesIO(data))
    return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def main():
    check = Checks()
    port = free_port()
    with Env(policies="fixture") as env:
        env.write_config(extra=http_config(port))
        set_reload(env, "review")
        env.init()
        build_city(env)
        add_user(env, "town1", "town", "441602001")
        add_user(env, "town2", "town", "441602002")
        add_user(env, "cadre1", "cadre", "441602001001")
        add_user(env, "policy1", "policy", "441600")
        start_console(env, port)
        env.wait_until("SELECT count(*) FROM finding WHERE household_id = 101 AND measure = 'house_repair'",
                       expect=1)
        add_alerts(env)

        def finding(hh, measure):
            return env.scalar("SELECT id FROM finding WHERE household_id = ? AND measure = ?", (hh, measure))

        t1 = Client(port)
        t1.login("town1")

        # ---- the overview and drill-down ----
        r = t1.get("/")
        check(r.status == 200 and "东埔镇" in r.text and "<svg" in r.text, "overview: the town, with charts",
              r.text[:500])
        check('id="n-households">8<' in r.text, "overview: the town's 8 households (not the other town's)")
        check('id="n-scattered">4<' in r.text, "overview: 4 of them outside the poor village")
        check("(2 / 8)" in r.text and 'id="n-visits">1<' in r.text, "overview: 2 of 8 paired, 1 visit in 90 days")
        check("31–90 天" in r.text, "overview: overdue tasks by age, in Chinese")
        check("/region/441602001001" in r.text, "overview: links down to its villages")
        no_raw(check, "overview", r.text)
        r = t1.get("/region/441602001001")
        check(r.status == 200 and "户主&lt;script&gt;" in r.text and "/household/3" in r.text,
              "village page: its households, names escaped", r.text[-3000:])
        check('href="/worklist?cadre=1"' in r.text, "village page: the cadre links to their worklist")
        no_raw(check, "village page", r.text)
        r = t1.get("/region/441602001002")
        check(r.status == 200 and "二村&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and
              "/household/2" in r.text, "the other village: its planted name escaped")
        no_raw(check, "village 2 page", r.text)
        for path in ("/region/441602002", "/region/441602002001", "/region/441602", "/region/441600"):
            r = t1.get(path)
            check(r.status == 403, "town1 cannot open " + path, str(r.status))
        check(t1.get("/region/999").status == 404, "an unknown region: 404")

        # ---- the household page ----
        r = t1.get("/household/1")
        check(r.status == 200 and "441602********0011" in r.text, "household: the member's ID masked")
        check("修房" in r.text and "走访" in r.text, "household: tasks and visits")
        no_raw(check, "household 1", r.text)
        r = t1.get("/household/3")
        check(r.status == 200 and "户主&lt;script&gt;alert(1)&lt;/script&gt;" in r.text,
              "household 3: the planted head_name escaped")
        no_raw(check, "household 3", r.text)
        check("2018-06-01 08:00:00" in r.text and "2018-06-01 00:00:00" not in r.text,
              "household 3: its alert's time in the offices' zone")
        check(t1.get("/household/101").status == 403, "town1 cannot open the other town's household")
        check(t1.get("/household/99999").status == 404, "an unknown household: 404")
        r = t1.get("/household/abc")
        check(r.status == 400 and "户编号" in r.text, "a bad household ID: 400, in Chinese", r.text[-400:])

        # ---- worklists and their exports ----
        r = t1.get("/worklist")
        check(r.status == 200 and "/household/1" in r.text and "/household/101" not in r.text,
              "worklist: the town's findings only")
        no_raw(check, "worklist", r.text)
        r = t1.get("/worklist?cadre=1")
        check(r.status == 200 and "修房" in r.text, "worklist per cadre: the cadre's tasks")
        r = t1.get("/worklist?village=441602001001")
        check(r.status == 200 and "/household/1" in r.text and "/household/2\"" not in r.text,
              "worklist per village: that village only")
        for path in ("/worklist?cadre=2", "/worklist?village=441602002001", "/worklist?region=441602002",
                     "/worklist?region=441602002&format=csv", "/worklist?cadre=2&format=xlsx",
                     "/alerts?region=441602002", "/alerts?region=441602002&format=csv"):
            r = t1.get(path)
            check(r.status == 403, "town1 refused " + path, "%d %s" % (r.status, r.text[:200]))
        r = t1.get("/worklist?format=csv")
        check(r.status == 200 and r.body.startswith(b"\xef\xbb\xbf") and "worklist" in
              (r.header("Content-Disposition") or ""), "worklist CSV: a download with a file name",
              str(r.headers))
        check("西户" not in r.text and "户主" in r.text, "worklist CSV: the town's rows only")
        no_raw(check, "worklist CSV", r.text, html=False)
        r = t1.get("/worklist?format=xlsx&state=open")
        check(r.status == 200 and r.body[:2] == b"PK", "worklist xlsx: a workbook")
        no_raw(check, "worklist xlsx", xlsx_text(r.body) if r.body[:2] == b"PK" else "", html=False)
        for path, what in (("/worklist?cadre=x", "帮扶干部编号"), ("/worklist?state=done", "状态"),
                           ("/worklist?format=pdf", "格式"), ("/worklist?measure=nope", "帮扶措施"),
                           ("/worklist?cadre=1&village=441602001001", "只能给出一项"),
                           ("/worklist?village=441602001", "不是村")):
            r = t1.get(path)
            check(r.status == 400 and what in r.text, "bad worklist parameter %s: 400 naming it" % path,
                  "%d %s" % (r.status, r.text[-300:]))
        check(t1.get("/worklist?cadre=77").status == 404, "an unknown cadre: 404")

        # ---- alerts ----
        r = t1.get("/alerts")
        check(r.status == 200 and 'id="alert-500"' in r.text and "alert-501" not in r.text,
              "alerts: the town's only")
        no_raw(check, "alerts", r.text)
        # Stored 2018-06-01 00:00:00 UTC: shown on Beijing's clock.
        check("2018-06-01 08:00:00" in r.text and "2018-06-01 00:00:00" not in r.text,
              "alerts: opened at in the offices' zone")
        check('<select name="kind">' in r.text and '<option value="no_visit">帮扶走访缺失</option>' in r.text,
              "alerts: the kind filter offers each kind in words")
        r = t1.get("/alerts?kind=no_visit")
        check(r.status == 200 and '<option value="no_visit" selected>' in r.text and 'id="alert-500"' in r.text,
              "alerts: a kind chosen stays chosen")
        r = t1.get("/alerts?state=resolved")
        check('id="alert-502"' in r.text and 'id="alert-500"' not in r.text, "alerts: the state filter")
        r = t1.get("/alerts?format=csv")
        check(r.status == 200 and "三户未走访" in r.text, "alerts CSV")
        check("2018-06-01 08:00:00" in r.text, "alerts CSV: opened at in the offices' zone")
        no_raw(check, "alerts CSV", r.text, html=False)
        for path in ("/alerts?level=province", "/alerts?state=x", "/alerts?format=doc", "/alerts?kind=nope"):
            r = t1.get(path)
            check(r.status == 400, "bad alert parameter %s: 400" % path, str(r.status))

        # ---- actions: accept, reject, ack ----
        f1 = finding(1, "house_repair") or finding(1, "income_support")
        f2 = finding(2, "house_repair")
        f101 = finding(101, "house_repair")
        t1.get("/household/1")
        r = t1.post("/finding/%d/accept" % f1, {"due": "2018-09-30", "note": "本月安排"})
        check(r.status == 303 and "/household/1" in (r.header("Location") or ""), "accept: 303 back",
              "%d %s" % (r.status, r.text[-300:]))
        row = env.row("SELECT state, decided_by, decision_note, task_id FROM finding WHERE id = ?", (f1,))
        task = env.row("SELECT household_id, due, status FROM task WHERE id = ?", (row[3],)) if row[3] else None
        check(row[:3] == ("accepted", "town1", "本月安排") and task == (1, "2018-09-30", "open"),
              "accept: the finding decided and an open task due as given", "%s %s" % (row, task))
        r = t1.post("/finding/%d/reject" % f2, {"note": ""})
        check(r.status == 400 and "理由" in r.text, "reject without a note: 400")
        r = t1.post("/finding/%d/reject" % f2, {"note": "已自行修缮"})
        check(r.status == 303 and env.row("SELECT state, decision_note FROM finding WHERE id = ?", (f2,)) ==
              ("rejected", "已自行修缮"), "reject: recorded with the reason")
        r = t1.post("/finding/%d/accept" % f2, {})
        check(r.status == 400 and "town1" in r.text, "accepting a rejected finding: 400, saying by whom")
        r = t1.post("/finding/%d/accept" % f101, {})
        check(r.status == 403 and env.scalar("SELECT state FROM finding WHERE id = ?", (f101,)) == "open",
              "town1 cannot decide the other town's finding")
        for fields, what in (({"due": "2018-13-01"}, "not a date"), ({"due": "2017-01-01"}, "past"),
                             ({"note": "a\nb"}, "two-line note")):
            f3 = finding(6, "house_repair")
            r = t1.post("/finding/%d/accept" % f3, fields)
            check(r.status == 400 and env.scalar("SELECT state FROM finding WHERE id = ?", (f3,)) == "open",
                  "accept with a bad %s: 400, nothing written" % what, str(r.status))
        r = t1.post("/finding/%d/accept" % f1, {"csrf": "forged"})
        check(r.status in (400, 403), "a forged CSRF token is refused", str(r.status))

        r = t1.post("/alert/500/ack", {"note": "已约谈帮扶干部"})
        check(r.status == 303 and env.row("SELECT state, acked_by, ack_note FROM alert WHERE id = 500") ==
              ("acked", "town1", "已约谈帮扶干部"), "ack: state, who and why", "%d %s" % (r.status, r.text[-300:]))
        r = t1.post("/alert/501/ack", {"note": "x"})
        check(r.status == 403 and env.scalar("SELECT state FROM alert WHERE id = 501") == "open",
              "town1 cannot ack the other town's alert")
        check(t1.post("/alert/502/ack", {}).status == 400, "acking a resolved alert: 400")
        check(t1.post("/alert/x/ack", {}).status == 400, "a bad alert ID: 400")
        check(t1.post("/alert/99999/ack", {}).status == 404, "an unknown alert: 404")

        # ---- the second town and the cadre see their own ----
        t2 = Client(port)
        t2.login("town2")
        check(t2.get("/household/101").status == 200 and t2.get("/household/1").status == 403,
              "town2 sees its household, not town1's")
        c1 = Client(port)
        c1.login("cadre1")
        r = c1.get("/worklist")
        check(r.status == 200 and "/household/1\"" in r.text and "/household/2\"" not in r.text,
              "a cadre's worklist: their village")
        check(c1.get("/household/2").status == 403, "a cadre cannot open another village's household")
        check(c1.post("/finding/%d/accept" % f3, {}).status == 403, "a cadre cannot decide")

        # ---- rule changes ----
        mark = env.log_mark()
        env.write(os.path.join(env.policies, "fixture.lua"), FIXTURE_POLICY.replace("3000", "4000"))
        env.wait_log("[review.staged]", after=mark)
        c_discard = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        check(t1.get("/changes").status == 403, "a town supervisor cannot see rule changes")
        check(t1.post("/change/%d/discard" % c_discard, {}).status == 403, "nor decide one")
        p = Client(port)
        p.login("policy1")
        r = p.get("/changes")
        check(r.status == 200 and 'id="change-%d"' % c_discard in r.text, "policy staff see the pending change")
        r = p.get("/changes?preview=%d" % c_discard)
        check(r.status == 200 and 'id="preview"' in r.text, "a pending change's preview")
        check(p.get("/changes?preview=x").status == 400, "a bad change ID: 400")
        r = p.post("/change/%d/discard" % c_discard, {})
        check(r.status == 303 and env.scalar("SELECT state FROM rule_change WHERE id = ?", (c_discard,)) ==
              "discarded", "discard: the change discarded")
        mark = env.log_mark()
        env.write(os.path.join(env.policies, "fixture.lua"), FIXTURE_POLICY.replace("3000", "5000"))
        env.wait_log("[review.staged]", after=mark)
        c_act = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        p.get("/changes")
        r = p.post("/change/%d/activate" % c_act, {})
        check(r.status == 303 and env.scalar("SELECT state FROM rule_change WHERE id = ?", (c_act,)) == "active",
              "activate: the change active", "%d %s" % (r.status, r.text[-300:]))
        r = p.post("/change/%d/activate" % c_act, {})
        check(r.status == 400, "activating it again: 400")
        check(p.post("/change/99999/activate", {}).status == 404, "an unknown change: 404")
        r = p.get("/changes")
        check("fixture" in r.text and "policy1" in r.text, "the history lists the versions and who decided")
        no_raw(check, "changes", r.text)
        env.stop()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
