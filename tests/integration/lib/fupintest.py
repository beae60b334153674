"""fupintest - what the daemon's integration tests share: a temporary
installation (config, database, policies), a small seeded city, the real
`fupin` binary started and stopped like a service, and waiting on the
database. Stdlib only. Not a test itself (CTest runs tests/integration/*.py
only, not this folder)."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(os.environ.get("FUPIN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))))
BIN = os.environ.get("FUPIN_BIN", os.path.join(SRC, "build", "fupin"))
PLUGIN_DIR = os.environ.get("FUPIN_PLUGIN_DIR", os.path.join(SRC, "build", "plugins"))

# A policy of its own, so these tests check the engine, not the rules of the
# real policies (those have their own cases): one finding per kind of fact.
FIXTURE_POLICY = '''-- fixture policy for the daemon tests
return {
  name = "fixture",
  title = "engine test fixture",
  measures = { "no_labour", "income_support", "house_repair" },
  -- The tests keep the shipped config, params and all: the fixture declares
  -- its shared params as the real policies do (a policy must declare what
  -- the config gives it); the areas' own sections are only warned about.
  params = {
    provincial_income = { type = "number", unit = "yuan", by_year = true, min = 0, max = 1e6 },
    income_ratio = { type = "number", unit = "ratio", by_year = true, min = 0, max = 1,
                     required = true, default = 0.45 },
    working_age_min = { type = "integer", unit = "years", min = 0, max = 120, required = true, default = 16 },
    working_age_max = { type = "integer", unit = "years", min = 0, max = 120, required = true, default = 60 },
    school_age_min = { type = "integer", unit = "years", min = 0, max = 30, required = true, default = 6 },
    school_age_max = { type = "integer", unit = "years", min = 0, max = 30, required = true, default = 15 },
  },
  evaluate = function(household, out, params)
    for _, m in ipairs(household.members) do
      if m.labor == "none" then
        out:flag{ measure = "no_labour", member = m.id, reason = "member has no labour ability" }
      end
    end
    local year = fp.latest_income_year(household)
    if year then
      local pc = fp.per_capita_income(household, year)
      if pc and pc < 3000 then
        out:recommend{ measure = "income_support", amount = 3000 - pc,
                       reason = "per-capita income " .. year .. " under 3000" }
      end
    end
    if (household.housing_grade == "C" or household.housing_grade == "D")
       and not household.housing_renovated then
      out:recommend{ measure = "house_repair", reason = "house graded " .. household.housing_grade }
    end
  end,
}
'''

FIXTURE_CASES = '''policy: fixture
as_of: 2018-06-30
cases:
  - name: a member without labour is flagged
    household:
      members:
        - {id: 11, labor: none}
    expect:
      - {measure: no_labour, member: 11}
  - name: a renovated house needs no repair
    household:
      housing_grade: D
      housing_renovated: 1
    expect_not:
      - {measure: house_repair}
'''


def log(*args):
    print(*args, flush=True)


def skip(reason):
    """CTest has no skip status here: say SKIP and pass."""
    print("SKIP: " + reason, flush=True)
    sys.exit(0)


class Env:
    """A temporary installation: config, database, policies, case files."""

    def __init__(self, policies="fixture", plugins=(), workers=2, batch_size=64, db_dir=None,
                 poll_ms=200):
        self.dir = tempfile.mkdtemp(prefix="fupin-it-")
        self.db = os.path.join(db_dir or self.dir, "fupin.db")
        self.policies = os.path.join(self.dir, "policies")
        self.cases = os.path.join(self.dir, "cases")
        os.makedirs(self.cases)
        if policies == "none":
            os.makedirs(self.policies)
        elif policies == "fixture":
            os.makedirs(self.policies)
            self.write(os.path.join(self.policies, "fixture.lua"), FIXTURE_POLICY)
            self.write(os.path.join(self.cases, "fixture.yaml"), FIXTURE_CASES)
        else:
            shutil.copytree(os.path.join(SRC, "policies"), self.policies)
            src_cases = os.path.join(SRC, "tests", "policies")
            if os.path.isdir(src_cases):
                shutil.rmtree(self.cases)
                shutil.copytree(src_cases, self.cases)
        self.plugins = [p for p in plugins if os.path.exists(os.path.join(PLUGIN_DIR, p + ".so"))]
        self.config = os.path.join(self.dir, "fupin.yaml")
        self.write_config(workers=workers, batch_size=batch_size, poll_ms=poll_ms)
        self.proc = None
        self.logfile = os.path.join(self.dir, "daemon.log")

    @staticmethod
    def write(path, text):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def write_config(self, workers=2, batch_size=64, poll_ms=200, extra=""):
        """The shipped config with this installation's paths: the params
        stay those of the source tree."""
        with open(os.path.join(SRC, "configs", "fupin.yaml"), encoding="utf-8") as f:
            text = f.read()
        subs = [
            (r"(?m)^database:.*$", "database: " + self.db),
            (r"(?m)^policies:.*$", "policies: " + self.policies),
            (r"(?m)^lua:.*$", "lua: " + os.path.join(SRC, "lua")),
            (r"(?m)^policy_tests:.*$", "policy_tests: " + self.cases),
            (r"(?m)^  dir: \.\./build/plugins$", "  dir: " + PLUGIN_DIR),
            (r"(?m)^  load: .*$", "  load: [" + ", ".join(self.plugins) + "]"),
            (r"(?m)^    dir: \.\./var/spool$", "    dir: " + os.path.join(self.dir, "spool")),
            (r"(?m)^  workers: .*$", "  workers: %d" % workers),
            (r"(?m)^  batch_size: .*$", "  batch_size: %d" % batch_size),
            (r"(?m)^  poll_ms: .*$", "  poll_ms: %d" % poll_ms),
            (r"(?m)^  as_of: .*$", '  as_of: "2018-06-30"'),
        ]
        for pattern, repl in subs:
            text, n = re.subn(pattern, lambda m, r=repl: r, text)
            assert n == 1, "config template has no line for " + pattern
        self.write(self.config, text + extra)

    def config_for(self, db):
        """A copy of the config pointing at another database file."""
        with open(self.config, encoding="utf-8") as f:
            text = f.read()
        path = db + ".yaml"
        self.write(path, re.sub(r"(?m)^database:.*$", lambda m: "database: " + db, text))
        return path

    def copy_db(self, dest):
        """A consistent copy through SQLite's backup API."""
        src = sqlite3.connect(self.db)
        dst = sqlite3.connect(dest)
        src.backup(dst)
        dst.close()
        src.close()
        os.chmod(dest, 0o600)

    def env(self):
        e = dict(os.environ)
        e["FUPIN_PLUGIN_DIR"] = PLUGIN_DIR
        e.pop("FUPIN_CONFIG", None)
        return e

    def fupin(self, *args, check=True, timeout=120):
        r = subprocess.run([BIN, "-c", self.config] + list(args), capture_output=True, text=True,
                           env=self.env(), timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("fupin %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def init(self):
        """Creates the database with its schema (through `fupin init` when it
        exists, else by letting the engine create the schema)."""
        r = self.fupin("init", check=False)
        if r.returncode != 0:
            fd = os.open(self.db, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
            self.fupin("eval")

    def connect(self):
        c = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA busy_timeout = 30000")
        return c

    def seed(self, households=20, seed_rows=True):
        """A city, a county, a town, two villages and `households` households
        with members and income."""
        c = self.connect()
        c.executescript("""
            INSERT INTO region(code, name, level, parent) VALUES ('441600', '河源市', 'city', NULL);
            INSERT INTO region(code, name, level, parent) VALUES ('441602', '源城区', 'county', '441600');
            INSERT INTO region(code, name, level, parent) VALUES ('441602001', '东埔镇', 'town', '441602');
            INSERT INTO region(code, name, level, parent, poor_village) VALUES ('441602001001', '一村', 'village', '441602001', 1);
            INSERT INTO region(code, name, level, parent, poor_village) VALUES ('441602001002', '二村', 'village', '441602001', 0);
            INSERT INTO supervisor(id, name, region) VALUES (1, '市督查', '441600');
            INSERT INTO supervisor(id, name, region) VALUES (2, '镇督查', '441602001');
        """)
        c.execute("BEGIN IMMEDIATE")
        for h in range(1, households + 1):
            village = "441602001001" if h % 2 else "441602001002"
            grade = "ABCD"[h % 4]
            c.execute("INSERT INTO household(id, village, head_name, housing_grade) VALUES (?, ?, ?, ?)",
                      (h, village, "户主%d" % h, grade))
            for k in range(1 + h % 3):
                c.execute("INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (?, ?, ?, ?, ?)",
                          (h * 100 + k, h, "成员%d-%d" % (h, k), "19%02d-03-01" % (50 + (h + k) % 50),
                           ["full", "partial", "none"][(h + k) % 3]))
            c.execute("INSERT INTO income(household_id, year, wage) VALUES (?, 2017, ?)", (h, 1500 * (h % 5)))
        c.execute("COMMIT")
        c.close()

    # ---- the daemon ----

    def start(self):
        self.logf = open(self.logfile, "ab")
        self.proc = subprocess.Popen([BIN, "-c", self.config, "run"], stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=self.env())
        return self.proc

    def signal(self, sig):
        self.proc.send_signal(sig)

    def freeze(self, conn):
        """SIGSTOPs the daemon at a moment it holds no lock at all (checked
        with `conn`): frozen inside a write it would keep the write lock
        forever, frozen inside a read it would keep every checkpoint from
        resetting the WAL, and the test's own writes or checkpoints would
        wait out their timeouts."""
        for _ in range(100):
            self.proc.send_signal(signal.SIGSTOP)
            conn.execute("PRAGMA busy_timeout = 200")
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("COMMIT")
                if conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0:
                    return
            except sqlite3.OperationalError:
                pass
            finally:
                conn.execute("PRAGMA busy_timeout = 30000")
            self.proc.send_signal(signal.SIGCONT)
            time.sleep(0.1)
        raise AssertionError("the daemon never let go of the database")

    def stop(self, timeout=30):
        """SIGTERM and the exit status."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise AssertionError("daemon did not stop on SIGTERM within %ds" % timeout)
        self.logf.close()
        self.proc = None
        if rc != 0:
            log("daemon exited %s; log tail:\n%s" % (rc, self.log_text()[-3000:]))
        return rc

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.logf.close()
        self.proc = None

    def log_text(self):
        with open(self.logfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout=10, after=0):
        """Waits for a log line containing needle (at byte offset >= after)."""
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.log_text()[after:]:
                return True
            if self.proc and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no log line with %r within %ss; log:\n%s" % (needle, timeout, self.log_text()[-4000:]))

    def wait_caught_up(self, timeout=30):
        """Until the journal after the cursor and the pending marks are empty."""
        end = time.time() + timeout
        while time.time() < end:
            c = self.connect()
            cursor = int(c.execute("SELECT value FROM engine_meta WHERE key = 'journal_cursor'").fetchone()[0])
            left = c.execute("SELECT count(*) FROM engine_journal WHERE seq > ?", (cursor,)).fetchone()[0]
            pending = c.execute("SELECT count(*) FROM engine_pending").fetchone()[0]
            c.close()
            if left == 0 and pending == 0:
                return
            time.sleep(0.05)
        raise AssertionError("daemon did not catch up within %ss; log:\n%s" % (timeout, self.log_text()[-4000:]))

    def wait_until(self, query, params=(), expect=None, timeout=5):
        """Polls query until its first column equals expect (or is truthy);
        returns the seconds it took."""
        t0 = time.time()
        last = None
        while time.time() - t0 < timeout:
            c = self.connect()
            row = c.execute(query, params).fetchone()
            c.close()
            last = row[0] if row else None
            if (expect is None and last) or (expect is not None and last == expect):
                return time.time() - t0
            time.sleep(0.02)
        raise AssertionError("%s %r: got %r, expected %r within %ss; log:\n%s"
                             % (query, params, last, expect, timeout, self.log_text()[-3000:]))

    def findings(self, db=None):
        """The finding table as a comparable set."""
        c = sqlite3.connect(db or self.db)
        rows = c.execute("SELECT household_id, ifnull(member_id, 0), policy, measure, state,"
                         " round(ifnull(amount, -1), 2), reason FROM finding").fetchall()
        c.close()
        return rows

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
