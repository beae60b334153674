#!/usr/bin/env python3
"""Writes the binary seeds of the database harnesses (snapshot, digest) in
the row encoding of fuzz_db.h, so the seeds start from rows that join up
and the fuzzer mutates from there; then the worker harness's frames and
the findings digest blobs. Run from anywhere; it writes
corpus/<harness>/seed_*.bin beside it.
Crash inputs the fuzzer found are kept apart (crash_*) and never rewritten.
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# Column order of the schema (PRAGMA table_info), store/store_schema.c.
COLUMNS = {
    "household": "id village head_name status poverty_cause housing_grade housing_renovated "
                 "tap_water wants_relocation wants_industry has_project credit_rating dibao "
                 "has_land registered_at exited_at",
    "region": "code name level parent poor_village livable",
    "pairing": "household_id cadre_id since",
    "member": "id household_id name id_number relation birth_date labor health school_stage "
              "medical_insured critical_insured pension_insured employed wants_job skills",
    "income": "household_id year wage production property transfer",
    "loan": "id household_id amount term_months start_date collateral guarantor "
            "interest_subsidised",
    "enterprise_link": "household_id kind name",
    "asset_share": "household_id project amount since",
    "visit": "id household_id cadre_id date note",
    "task": "id household_id cadre_id measure title due status done_at",
    "fund_application": "id household_id cadre_id project amount expected_return status "
                        "notice_from notice_to objections approved_at",
    "cadre": "id name unit phone region",
    "supervisor": "id name region channel address",
    "alert": "id kind severity household_id task_id region supervisor_id level message state "
             "opened_at last_seen_at escalations subject source acked_at resolved_at "
             "notified_level",
}
COLUMNS = {t: c.split() for t, c in COLUMNS.items()}

# The harnesses' table lists, in their order.
SNAPSHOT = ["household", "region", "pairing", "member", "income", "loan", "enterprise_link",
            "asset_share", "visit", "task", "fund_application"]
DIGEST = ["supervisor", "alert", "task", "household", "region", "cadre", "pairing"]

src = open(os.path.join(HERE, "fuzz_db.c"), encoding="utf-8").read()
block = src[src.index("dictionary[] = {"):]
block = block[:block.index("};")]
WORDS = [bytes(w, "utf-8").decode("unicode_escape").encode("latin-1")
         if "\\x" in w else w.encode("utf-8")
         for w in re.findall(r'"((?:[^"\\]|\\.)*)"', block)]


def value(v):
    """One value in the encoding: None, int, float, or bytes/str text."""
    if v is None:
        return bytes([1])
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        if -4 <= v <= 27:
            return bytes([((v + 4) << 3) | 2])
        return bytes([3]) + struct.pack("<q", v)
    if isinstance(v, float):
        return bytes([4]) + struct.pack("<d", v)
    if isinstance(v, str):
        v = v.encode("utf-8")
    if v in WORDS:
        return bytes([5, WORDS.index(v)])
    assert len(v) < 256
    return bytes([7, len(v)]) + v


def row(tables, table, **cols):
    names = COLUMNS[table]
    mask = 0
    out = b""
    for i, name in enumerate(names):
        if name in cols:
            mask |= 1 << i
            out += value(cols[name])
    return bytes([tables.index(table)]) + struct.pack("<I", mask) + out


def regions(t):
    return (row(t, "region", code="4416", name="河源市", level="city") +
            row(t, "region", code="441602", name="源城区", level="county", parent="4416") +
            row(t, "region", code="441602001", name="埔前镇", level="town", parent="441602") +
            row(t, "region", code="441602001001", name="梅坪村", level="village",
                parent="441602001", poor_village=0, livable=1))


def write(folder, name, data):
    path = os.path.join(HERE, "corpus", folder, name)
    with open(path, "wb") as f:
        f.write(data)


T = SNAPSHOT
base = regions(T) + row(T, "household", id=1, village="441602001001", head_name="张三",
                        status="registered", housing_grade="C", wants_industry=1,
                        registered_at="2016-02-29")
write("snapshot", "seed_full.bin", base +
      row(T, "pairing", household_id=1, cadre_id=3, since="2016-03-01") +
      row(T, "member", id=11, household_id=1, name="张三", id_number="440000198005010011",
          birth_date="1980-05-01", labor="full", health="healthy") +
      row(T, "member", id=12, household_id=1, birth_date="2012-02-29", labor="none",
          health="chronic", school_stage="primary") +
      row(T, "income", household_id=1, year=2017, wage=3000.0, production=1000.5) +
      row(T, "income", household_id=1, year=2016, wage=2000.0) +
      row(T, "loan", id=5, household_id=1, amount=50000.0, term_months=36,
          start_date="2018-06-01") +
      row(T, "enterprise_link", household_id=1, kind="cooperative", name="茶叶合作社") +
      row(T, "asset_share", household_id=1, project="光伏", amount=3000.0, since="2017-01-01") +
      row(T, "visit", id=7, household_id=1, cadre_id=3, date="2018-06-01") +
      row(T, "task", id=9, household_id=1, cadre_id=3, title="实施危房改造", due="2018-06-01",
          status="open") +
      row(T, "fund_application", id=4, household_id=1, cadre_id=3, project="养猪", amount=5000.0,
          status="noticed", notice_from="2018-06-01", notice_to="2018-06-08", objections=0))
write("snapshot", "seed_bad_dates.bin", base +
      row(T, "member", id=11, household_id=1, birth_date="1980-13-01") +
      row(T, "household", id=2, village="441602001001", exited_at="2147483647-01-01") +
      row(T, "visit", id=7, household_id=2, date="2018-00-10") +
      row(T, "household", id=3, village="nowhere", registered_at="2018-6-1"))
write("snapshot", "seed_bad_values.bin", base +
      row(T, "member", id=11, household_id=1, skills=2**40, labor="full") +
      row(T, "income", household_id=1, year=2018, wage=float("inf"), production=-1e308) +
      row(T, "loan", id=5, household_id=1, amount=1e308, term_months=2**31) +
      row(T, "fund_application", id=4, household_id=1, project="x", amount=0.0,
          expected_return=float("nan"), objections=2**62) +
      row(T, "task", id=9, household_id=1, title=b"\xff\xfe", due="2018-06-01",
          measure=b"a\x00b") +
      row(T, "household", id=2, village="441602001001", status=7, housing_grade=3.5,
          dibao=2))
write("snapshot", "seed_orphans.bin",
      row(T, "member", id=11, household_id=1, birth_date="1980-05-01") +
      row(T, "household", id=1, village="441602001001") +
      row(T, "pairing", household_id=1, cadre_id=-1, since="9999-12-31") +
      row(T, "income", household_id=3, year=1949) +
      row(T, "household", id=3, village="441602001001"))

T = DIGEST
people = (regions(T) +
          row(T, "supervisor", id=1, name="谢文福", region="441602", channel="file") +
          row(T, "supervisor", id=2, name=b"\"quoted\\\x01\xff", region="4416",
              channel="webhook") +
          row(T, "cadre", id=3, name="丘丽", region="441602001001") +
          row(T, "household", id=1, village="441602001001") +
          row(T, "pairing", household_id=1, cadre_id=3) +
          row(T, "task", id=9, household_id=1, cadre_id=3, title="实施危房改造",
              due="2018-06-01", status="open"))
write("digest", "seed_overdue.bin", bytes([0x01]) + people +
      row(T, "alert", id=1, kind="task_overdue", severity="warning", household_id=1, task_id=9,
          region="441602", supervisor_id=1, level="county", message="任务逾期", state="open",
          opened_at="2018-06-02", last_seen_at="2018-06-30", escalations=1, subject="task:9") +
      row(T, "alert", id=2, kind="no_cadre", severity="critical", household_id=1,
          region="4416", supervisor_id=2, level="city", message=b"\x00\"\\\n\t\x7f",
          state="acked", opened_at="2018-06-01", last_seen_at="2018-06-30", escalations=2,
          subject="household:1", notified_level="county"))
write("digest", "seed_strange.bin", bytes([0xff]) + people +
      row(T, "alert", id=3, kind="task_overdue", severity="info", task_id=404,
          supervisor_id=1, level="village", message="", state="open", opened_at="x",
          last_seen_at="y", escalations=-5, subject="task:404") +
      row(T, "alert", id=4, kind=b"\xe6\xa2", severity="warning", supervisor_id=1,
          message="%s%n", state="open", opened_at="2018-06-30", last_seen_at="2018-06-30",
          subject="s") +
      row(T, "task", id=10, household_id=1, title="t", due="2147483647-01-01") +
      row(T, "alert", id=5, kind="task_overdue", severity="critical", task_id=10,
          supervisor_id=1, level="city", message="m", state="open", opened_at="0",
          last_seen_at="0", subject="task:10"))


# The worker harness: what a worker process sends the daemon (daemon/worker.h),
# frames of base/frame.h: a u32 length (tag included), a u8 tag, the payload;
# strings as a u32 length, the bytes and a NUL.
def u8(v):
    return struct.pack("<B", v)


def u32(v):
    return struct.pack("<I", v)


def i64(v):
    return struct.pack("<q", v)


def f64(v):
    return struct.pack("<d", v)


def s(text):
    b = text.encode("utf-8") if isinstance(text, str) else text
    return u32(len(b)) + b + b"\0"


def frame(tag, payload):
    return u32(len(payload) + 1) + u8(tag) + payload


RESULT = 3


def result(outcome=0, msg="", findings=(), alerts=(), errors=()):
    p = u8(outcome) + s(msg) + u32(len(findings))
    for k, member, measure, kind, amount, reason in findings:
        p += u32(k) + i64(member) + s(measure) + u8(kind)
        p += u8(amount is not None) + f64(amount or 0.0) + s(reason)
    p += u32(len(alerts))
    for k, kind, sev, message in alerts:
        p += u32(k) + s(kind) + u8(sev) + s(message)
    p += u32(len(errors))
    for k, message in errors:
        p += u32(k) + s(message)
    return frame(RESULT, p)


# Worker index 1 is industry, 0 education, 2 a policy the daemon lacks.
ok = result(findings=[(1, 0, "project", 0, 3000.0, "有劳动力，愿意发展产业"),
                      (0, 41, "living_allowance", 0, 1000.0, "成员 41 在读初中")],
            alerts=[(1, "no_income", 1, "本年无收入记录")],
            errors=[(0, "插件出错")])
write("worker", "seed_burst.bin", ok + result(outcome=1) + result(outcome=2, msg="member 4: birth_date") + ok)
write("worker", "seed_id_in_reason.bin",
      result(findings=[(1, 0, "project", 1, None, "身份证 440000198005010011 的户主")],
             alerts=[(0, "dropout", 2, "440000198005010011 辍学")]))
write("worker", "seed_refused.bin",
      result(findings=[(2, 0, "project", 0, 1.0, "unknown policy")]) +
      result(findings=[(1, 0, "house_repair", 0, 1.0, "not industry's")]) +
      result(findings=[(1, 0, "project", 9, 1.0, "bad kind")]) +
      result(findings=[(1, 0, "project", 0, float("nan"), "nan")]) +
      result(outcome=7) + frame(1, u32(0)) + result(findings=[(1, 0, "project", 0, 1.0, "")]))
write("worker", "seed_broken.bin", ok + u32(50) + u8(RESULT) + b"\x01\x02")
write("worker", "seed_split_length.bin", ok + ok[:2])
write("worker", "seed_huge_count.bin", frame(RESULT, u8(0) + s("") + u32(0xffffffff)))


# The findings digest blob (store/store_digest.h): version 2, entries of
# three native 64-bit words (policy, content, sources), unknown policies.
def fdigest(entries=(), unknown=(), version=2):
    out = bytes([version, len(entries), len(unknown)])
    for e in entries:
        out += struct.pack("=QQQ", *e)
    for u in unknown:
        out += struct.pack("=Q", u)
    return out


write("finding_digest", "seed_empty.bin", fdigest())
write("finding_digest", "seed_two.bin", fdigest([(1, 2, 3), (5, 6, 7)], [9]))
write("finding_digest", "seed_duplicates.bin", fdigest([(1, 2, 3), (1, 4, 5)], [9, 9]))
write("finding_digest", "seed_unsorted.bin", fdigest([(5, 2, 3), (1, 4, 5)]))
write("finding_digest", "seed_unknown_known.bin", fdigest([(1, 2, 3)], [1]))
write("finding_digest", "seed_v13.bin", bytes(16))
write("finding_digest", "seed_short.bin", fdigest([(1, 2, 3)])[:-1])
write("finding_digest", "seed_full.bin", fdigest([(i, i, i) for i in range(64)], range(64, 128)))
