"""measures_v4: schema version 4 (issue #18's facts) on a version-3 database
keeps every row, gives the new columns what an old row means (0 for a wish
or a farm nobody recorded, NULL for contribution years and a village's
信用村 rating nobody recorded), refuses values out of range, re-evaluates a
village's households when its 信用村 rating is recorded, and the new
measures reach `fupin explain` with their facts; a case file with a bad
value for a new field is refused naming the field (exit 2)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402

# What version 4 added, taken away again: a database written by version 3.
DOWNGRADE = """
ALTER TABLE household DROP COLUMN wants_land_transfer;
ALTER TABLE household DROP COLUMN land_transferred_in;
ALTER TABLE household DROP COLUMN family_farm;
ALTER TABLE member DROP COLUMN wants_business;
ALTER TABLE member DROP COLUMN business_trained;
ALTER TABLE member DROP COLUMN pension_years;
ALTER TABLE region DROP COLUMN credit_village;
PRAGMA user_version = 3;
"""

ROWS = """
INSERT INTO region(code, name, level) VALUES ('441602', '源城区', 'county'),
 ('441602001', '某镇', 'town'), ('441602001001', '上莞村', 'village');
UPDATE region SET parent = '441602' WHERE code = '441602001';
UPDATE region SET parent = '441602001' WHERE code = '441602001001';
INSERT INTO household(id, village, head_name, wants_industry, credit_rating)
 VALUES (1, '441602001001', '张三', 1, 'A');
INSERT INTO member(id, household_id, name, birth_date, labor, pension_insured, employed)
 VALUES (11, 1, '张三', '1960-03-01', 'full', 1, 1),
        (12, 1, '李四', '1990-03-01', 'full', 1, 0);
"""


def main():
    with Env(policies="real", plugins=("credit",)) as env:
        env.init()
        assert env.scalar("PRAGMA user_version") >= 7
        env.sql(DOWNGRADE)
        env.sql(ROWS)
        assert env.scalar("PRAGMA user_version") == 3

        env.fupin("init")  # upgrades in place
        assert env.scalar("PRAGMA user_version") >= 7
        assert env.rows("SELECT id, head_name, wants_industry, credit_rating, wants_land_transfer,"
                        " land_transferred_in, family_farm FROM household") == [(1, "张三", 1, "A", 0, 0, 0)]
        assert env.rows("SELECT id, name, labor, wants_business, business_trained, pension_years"
                        " FROM member ORDER BY id") == [(11, "张三", "full", 0, 0, None),
                                                        (12, "李四", "full", 0, 0, None)]
        assert env.scalar("SELECT count(*) FROM region WHERE credit_village IS NOT NULL") == 0

        # The schema refuses what the description refuses.
        for bad in ("UPDATE member SET pension_years = 81 WHERE id = 11",
                    "UPDATE member SET wants_business = 2 WHERE id = 11",
                    "UPDATE region SET credit_village = 2 WHERE code = '441602001001'",
                    "UPDATE household SET family_farm = -1 WHERE id = 1"):
            try:
                env.sql(bad)
            except Exception as e:  # sqlite3.IntegrityError
                assert "CHECK constraint failed" in str(e), (bad, e)
            else:
                raise AssertionError("accepted: " + bad)

        # Nothing recorded yet: none of the new measures, nothing assumed.
        d = json.loads(env.fupin("explain", "1", "--json").stdout)
        measures = {f["measure"] for p in d["policies"] for f in p["findings"]}
        assert not measures & {"land_transfer", "family_farm", "business_training", "pension_lump_sum",
                               "credit_village", "one_job_per_household"}, measures
        assert d["household"]["credit_village"] is None and d["household"]["wants_land_transfer"] is False
        assert [m["pension_years"] for m in d["household"]["members"]] == [None, None]

        # A village's 信用村 rating is a fact of its households: recording it
        # journals them.
        mark = env.scalar("SELECT max(seq) FROM engine_journal")
        env.sql("UPDATE region SET credit_village = 1 WHERE code = '441602001001'")
        assert env.rows("SELECT tbl, household_id FROM engine_journal WHERE seq > ?", (mark,)) == [("region", 1)]
        env.sql("UPDATE member SET pension_years = 3 WHERE id = 11;"
                "UPDATE member SET wants_business = 1 WHERE id = 12;"
                "UPDATE household SET wants_land_transfer = 1 WHERE id = 1")
        r = env.fupin("explain", "1")
        log(r.stdout)
        for want in ("愿意承接流转土地 是", "所在村为信用村 是", "成员 11：", "城乡居民养老保险已缴费年数 3",
                     "创业意愿 是", "二(三) 社会保障到户：张三（成员 11），58岁，已缴纳城乡居民养老保险 3 年",
                     "本户所在村上莞村已评为信用村", "；所在村为信用村，优先受理", "愿意承接流转土地，尚未承接"):
            assert want in r.stdout, (want, r.stdout)
        d = json.loads(env.fupin("explain", "1", "--json").stdout)
        found = {(p["policy"], f["measure"], f["kind"], f["member"]) for p in d["policies"] for f in p["findings"]}
        for want in (("social_security", "pension_lump_sum", "recommend", 11),
                     ("employment", "business_training", "recommend", 12),
                     ("industry", "land_transfer", "recommend", None),
                     ("credit", "credit_village", "flag", None)):
            assert want in found, (want, found)
        assert not any(m == "one_job_per_household" for _, m, _, _ in found), found  # 张三 is employed
        assert env.scalar("SELECT count(*) FROM finding") == 0  # explain writes nothing

        # fupin eval writes them; every policy ran.
        env.fupin("eval", "--all")
        assert env.scalar("SELECT count(*) FROM finding WHERE measure IN ('pension_lump_sum',"
                          " 'business_training', 'land_transfer', 'credit_village')") == 4

        # A case file with a value out of a new field's range: exit 2, named.
        case = os.path.join(env.dir, "bad.yaml")
        env.write(case, 'policy: social_security\nas_of: "2018-06-30"\ncases:\n'
                        '  - name: bad years\n    household:\n'
                        '      members: [{id: 11, pension_years: 99}]\n    expect: []\n')
        r = env.fupin("test", case, check=False)
        assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
        assert "pension_years" in r.stderr + r.stdout, (r.stdout, r.stderr)
        env.write(case, 'policy: credit\nas_of: "2018-06-30"\ncases:\n'
                        '  - name: bad village rating\n    household:\n      credit_village: yes\n'
                        '      members: [{id: 11}]\n    expect: []\n')
        r = env.fupin("test", case, check=False)
        assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
        assert "credit_village" in r.stderr + r.stdout, (r.stdout, r.stderr)


if __name__ == "__main__":
    main()
