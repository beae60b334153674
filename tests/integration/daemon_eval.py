"""daemon_eval: `fupin eval` and `fupin explain` through the engine without
the watcher. --all evaluates everything and covers the journal so far (the
daemon does not redo it); --household writes one household and prints it as
JSON; explain writes nothing, masks ID numbers, shows params; unknown
households and bad arguments exit 2."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log  # noqa: E402


def main():
    with Env() as env:
        env.init()
        env.seed(households=10)
        env.sql("UPDATE member SET id_number = '441602198001010011' WHERE id = 300")

        r = env.fupin("eval", "--all")
        log(r.stdout.strip())
        assert "评估 10 户" in r.stdout, r.stdout
        end = env.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'engine_journal'")
        assert env.cursor() == end
        assert env.scalar("SELECT count(*) FROM engine_pending") == 0
        live = env.scalar("SELECT count(*) FROM finding WHERE state = 'open'")
        assert live > 0
        # Again: nothing changes.
        r = env.fupin("eval", "--all", "--json")
        summary = json.loads(r.stdout)
        assert summary["households"] == 10 and summary["inserted"] == 0 and summary["updated"] == 0, summary
        assert summary["unchanged"] == live, (summary, live)
        # Nothing after the cursor: plain `eval` has nothing to do.
        r = env.fupin("eval")
        assert "评估 0 户" in r.stdout, r.stdout

        # One household, written, as JSON.
        env.sql("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
        r = env.fupin("eval", "--household", "4", "--json")
        d = json.loads(r.stdout)
        assert d["household"] == 4
        f = [x for x in d["findings"] if x["measure"] == "house_repair"]
        assert f and f[0]["policy"] == "fixture" and f[0]["member"] is None and "fixture.lua@" in f[0]["source"], d
        assert set(d) == {"household", "findings", "alerts", "errors"}, d.keys()
        assert env.scalar("SELECT state FROM finding WHERE household_id = 4 AND measure = 'house_repair'") == "open"

        # explain: nothing written, facts with a masked ID, per policy.
        env.sql("UPDATE household SET housing_renovated = 1 WHERE id = 4")
        before = env.findings()
        r = env.fupin("explain", "3")
        assert "441602198001010011" not in r.stdout and "441602********0011" in r.stdout, r.stdout
        assert "fixture" in r.stdout
        r = env.fupin("explain", "4", "--json")
        d = json.loads(r.stdout)
        assert d["household"]["id"] == 4 and d["policies"][0]["policy"] == "fixture"
        assert all(x["measure"] != "house_repair" for x in d["policies"][0]["findings"])
        assert env.findings() == before, "explain wrote findings"

        # Bad input.
        for args in (["eval", "--household", "999"], ["explain", "999"], ["eval", "--household", "x"],
                     ["eval", "--all", "--household", "1"], ["explain"], ["eval", "--bogus"]):
            r = env.fupin(*args, check=False)
            assert r.returncode == 2, (args, r.returncode, r.stderr)
            assert r.stderr.strip(), args
            if "999" in args:
                assert "no household 999" in r.stderr, (args, r.stderr)
        log("ok")


if __name__ == "__main__":
    main()
