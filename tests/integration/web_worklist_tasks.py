"""web_worklist_tasks: the worklist's downloads hold what its page shows -
the open findings and the open help tasks, told apart by the column 事项
(item) - in CSV and xlsx, for the user's region only. And the due date an
accepted finding gets without one is the same from the console's form, the
console's accept and `fupin finding accept` (one rule, runner/task_due.c)."""
import csv
import io
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, Env, read_xlsx  # noqa: E402
from webclient import Client, add_user, build_city, free_port, http_config, start_console  # noqa: E402


def main():
    check = Checks()
    port = free_port()
    with Env(policies="fixture") as env:
        env.write_config(extra=http_config(port))
        env.init()
        build_city(env)
        add_user(env, "town1", "town", "441602001")
        start_console(env, port)
        env.wait_until("SELECT count(*) FROM finding WHERE household_id = 101 AND measure = 'house_repair'",
                       expect=1)
        t1 = Client(port)
        t1.login("town1")

        # ---- CSV: findings, then the town's open tasks (900, not the other town's 901) ----
        r = t1.get("/worklist?format=csv")
        check(r.status == 200, "worklist CSV: 200", str(r.status))
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
        head = rows[0] if rows else []
        check(head[:1] == ["事项"] and "逾期天数" in head, "CSV: an item column first, days overdue", str(head))
        items = [row[0] for row in rows[1:]]
        n_findings = env.scalar("""SELECT count(*) FROM finding f JOIN household h ON h.id = f.household_id
                                   WHERE h.village LIKE '441602001%' AND f.state <> 'withdrawn'""")
        check(items.count("认定结果") == n_findings and n_findings > 0,
              "CSV: every finding of the town (%d)" % n_findings, str(items))
        tasks = [row for row in rows[1:] if row and row[0] == "帮扶任务"]
        col = {name: i for i, name in enumerate(head)}
        check(len(tasks) == 1 and tasks[0][col["帮扶任务编号"]] == "900" and tasks[0][col["依据"]] == "修房",
              "CSV: the town's open task 900 with its title, not the other town's", str(tasks))
        if tasks:
            check(int(tasks[0][col["逾期天数"]]) > 0 and tasks[0][col["户编号"]] == "1",
                  "CSV: the task's household and how long it is overdue", str(tasks[0]))
        check("西镇修房" not in r.body.decode("utf-8"), "CSV: no task of the other town")

        # ---- xlsx: the same rows, numbers as numbers ----
        r = t1.get("/worklist?format=xlsx")
        check(r.status == 200 and r.body[:2] == b"PK", "worklist xlsx: a workbook", str(r.status))
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
            f.write(r.body)
            f.flush()
            sheets = read_xlsx(f.name)
        srows = sheets[0]["rows"] if sheets else []
        check(sheets and sheets[0]["name"] == "工作清单", "xlsx: the sheet is 工作清单",
              str([s["name"] for s in sheets]))
        check(srows and srows[0][0] == "事项", "xlsx: the item column", str(srows[:1]))
        xt = [row for row in srows[1:] if row[0] == "帮扶任务"]
        check(len(xt) == 1 and xt[0][col["帮扶任务编号"]] == 900 and isinstance(xt[0][col["逾期天数"]], (int, float)),
              "xlsx: task 900, its id and days overdue as numbers", str(xt))
        check(sum(1 for row in srows[1:] if row[0] == "认定结果") == n_findings, "xlsx: every finding")

        # ---- per cadre: the cadre's task only ----
        r = t1.get("/worklist?cadre=1&format=csv")
        text = r.body.decode("utf-8-sig")
        check(r.status == 200 and "帮扶任务" in text and "修房" in text, "cadre 1's CSV: their task", text[:300])

        # ---- the default due date: one rule for the form, the console and the CLI ----
        fa = env.scalar("SELECT id FROM finding WHERE household_id = 7 AND measure = 'house_repair'")
        fb = env.scalar("SELECT id FROM finding WHERE household_id = 6 AND measure = 'house_repair'")
        check(fa and fb, "two house_repair findings to accept", "%s %s" % (fa, fb))
        page = t1.get("/household/7").text
        m = re.search(r'name="due" value="(\d{4}-\d\d-\d\d)"', page)
        proposed = m.group(1) if m else None
        r = t1.post("/finding/%d/accept" % fa, {"note": "按期"})
        due_web = env.scalar("SELECT t.due FROM task t JOIN finding f ON f.task_id = t.id WHERE f.id = ?", (fa,))
        env.fupin("finding", "accept", str(fb), "--by", "王主任")
        due_cli = env.scalar("SELECT t.due FROM task t JOIN finding f ON f.task_id = t.id WHERE f.id = ?", (fb,))
        check(r.status == 303 and proposed and due_web == proposed == due_cli,
              "the default due date: form, console and CLI agree",
              "%s form=%s web=%s cli=%s" % (r.status, proposed, due_web, due_cli))

        # ---- a task made by accepting a finding names its policy, kind and town ----
        task_a = env.scalar("SELECT task_id FROM finding WHERE id = ?", (fa,))
        policy_a = env.scalar("SELECT policy FROM finding WHERE id = ?", (fa,))
        town = env.scalar("""SELECT tw.name FROM household h JOIN region v ON v.code = h.village
                             JOIN region tw ON tw.code = v.parent WHERE h.id = 7""")
        r = t1.get("/worklist?format=csv")
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
        col = {name: i for i, name in enumerate(rows[0])} if rows else {}
        made = [row for row in rows[1:] if row[0] == "帮扶任务" and row[col["帮扶任务编号"]] == str(task_a)]
        check(len(made) == 1 and made[0][col["政策规则"]] == policy_a and made[0][col["镇"]] == town
              and made[0][col["类别"]] != "",
              "CSV: the accepted finding's task names policy %s, its kind and town %s" % (policy_a, town),
              str(rows[0]) + " " + str(made))
        by_hand = [row for row in rows[1:] if row[0] == "帮扶任务" and row[col["帮扶任务编号"]] == "900"]
        check(len(by_hand) == 1 and by_hand[0][col["政策规则"]] == "" and by_hand[0][col["镇"]] == town,
              "CSV: task 900, entered by hand, has a town and no policy", str(by_hand))
        env.stop()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
