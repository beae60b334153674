"""fupintest - what the integration tests share: a temporary installation
(config, database, policies), a small seeded city, the real `fupin` binary
run as a command or started and stopped like a service, waiting for a state
of the database or the log, and soft checks. Stdlib only. Not a test itself
(CTest runs tests/integration/*.py, not this folder).

Waiting is always for a state, with a generous deadline: these tests run on
loaded two-core machines and under ASan, and never judge speed (that is the
benchmark's job). FUPIN_TEST_DEADLINE (seconds) changes the default."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(os.environ.get("FUPIN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..")))
BIN = os.environ.get("FUPIN_BIN", os.path.join(SRC, "build", "fupin"))
PLUGIN_DIR = os.environ.get("FUPIN_PLUGIN_DIR", os.path.join(SRC, "build", "plugins"))
BUILD_DIR = os.environ.get("FUPIN_BUILD_DIR", os.path.join(SRC, "build"))
TEST_PLUGIN_DIR = os.path.join(BUILD_DIR, "test-plugins")

# How long a test waits for a state before it calls it missing. Generous on
# purpose: a correct daemon gets there in well under a second; the deadline
# only bounds how long a broken one keeps the suite waiting.
DEADLINE = float(os.environ.get("FUPIN_TEST_DEADLINE", "60"))

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


def wait_for(probe, what, timeout=DEADLINE, interval=0.05, detail=None):
    """Calls probe() until it returns something true and returns that; after
    timeout seconds fails naming what (and detail(), if given)."""
    end = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() >= end:
            raise AssertionError("%s: not within %ss%s" % (what, timeout, "\n" + detail() if detail else ""))
        time.sleep(interval)


class Checks:
    """Soft checks for tests that walk through many behaviours: each check
    prints ok or FAIL and the test goes on, so one run names everything that
    broke. done() prints the count and is the exit status."""

    def __init__(self):
        self.failures = 0

    def __call__(self, cond, what, detail=None):
        """Counts cond; detail (text, printed on failure only) says what
        was found instead."""
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            self.failures += 1
            if detail:
                print("  " + detail.replace("\n", "\n  "), flush=True)
        return cond

    def done(self):
        print("%d failed" % self.failures, flush=True)
        return 1 if self.failures else 0


class Env:
    """A temporary installation: config, database, policies, case files,
    and at most one daemon. Use as a context manager (or call cleanup()):
    the daemon is killed and the folder removed (kept when KEEP is set).

    policies: "fixture" (FIXTURE_POLICY and its cases), "none" (an empty
    folder) or "real" (a copy of the shipped policies and their cases).
    plugins: plugin names for plugins.load (those built in plugin_dir).
    config_text: the whole config instead of the shipped one with this
    installation's paths; its relative paths resolve against env.dir, and
    it must name the database fupin.db."""

    def __init__(self, policies="fixture", plugins=(), workers=2, batch_size=64, db_dir=None,
                 poll_ms=200, plugin_dir=None, config_text=None):
        self.dir = tempfile.mkdtemp(prefix="fupin-it-")
        self.db = os.path.join(db_dir or self.dir, "fupin.db")
        self.policies = os.path.join(self.dir, "policies")
        self.cases = os.path.join(self.dir, "cases")
        self.plugin_dir = plugin_dir or PLUGIN_DIR
        self.logfile = os.path.join(self.dir, "daemon.log")
        self.proc = None
        self.logf = None
        os.makedirs(self.cases)
        if policies == "none":
            os.makedirs(self.policies)
        elif policies == "fixture":
            os.makedirs(self.policies)
            self.write(os.path.join(self.policies, "fixture.lua"), FIXTURE_POLICY)
            self.write(os.path.join(self.cases, "fixture.yaml"), FIXTURE_CASES)
        elif policies == "real":
            shutil.copytree(os.path.join(SRC, "policies"), self.policies)
            shutil.rmtree(self.cases)
            shutil.copytree(os.path.join(SRC, "tests", "policies"), self.cases)
        else:
            raise ValueError("policies: fixture, none or real, not %r" % policies)
        self.plugins = [p for p in plugins if os.path.exists(os.path.join(self.plugin_dir, p + ".so"))]
        self.config = os.path.join(self.dir, "fupin.yaml")
        if config_text is not None:
            assert re.search(r"(?m)^database: fupin\.db$", config_text), "config_text: database must be fupin.db"
            self.write(self.config, config_text)
        else:
            self.write_config(workers=workers, batch_size=batch_size, poll_ms=poll_ms)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    @staticmethod
    def write(path, text):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def write_config(self, workers=2, batch_size=64, poll_ms=200, extra=""):
        """The shipped config with this installation's paths: the params
        stay those of the source tree; engine.as_of is 2018-06-30."""
        with open(os.path.join(SRC, "configs", "fupin.yaml"), encoding="utf-8") as f:
            text = f.read()
        subs = [
            (r"(?m)^database:.*$", "database: " + self.db),
            (r"(?m)^policies:.*$", "policies: " + self.policies),
            (r"(?m)^lua:.*$", "lua: " + os.path.join(SRC, "lua")),
            (r"(?m)^policy_tests:.*$", "policy_tests: " + self.cases),
            (r"(?m)^  dir: \.\./build/plugins$", "  dir: " + self.plugin_dir),
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
        e["FUPIN_PLUGIN_DIR"] = self.plugin_dir
        e.pop("FUPIN_CONFIG", None)
        return e

    # ---- the command line ----

    def fupin(self, *args, check=True, config=None, timeout=None):
        """Runs `fupin -c CONFIG ARGS...` to its end; with check, a nonzero
        exit fails the test with the output."""
        r = subprocess.run([BIN, "-c", config or self.config] + list(args), capture_output=True, text=True,
                           env=self.env(), timeout=timeout or 2 * DEADLINE)
        if check and r.returncode != 0:
            raise AssertionError("fupin %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def init(self):
        """Creates the database with its schema (`fupin init`)."""
        self.fupin("init")

    def touch_db(self):
        """An empty private database file: the first command that opens it
        for writing creates the schema."""
        os.close(os.open(self.db, os.O_CREAT | os.O_WRONLY, 0o600))

    # ---- the database, as another program sees it ----

    def connect(self):
        """A connection of our own in autocommit mode (each statement commits
        unless the test says BEGIN), waiting out the daemon's locks."""
        c = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        c.execute("PRAGMA foreign_keys = ON")
        c.execute("PRAGMA busy_timeout = 30000")
        return c

    def sql(self, script):
        """Runs statements on a connection of their own, each committing by
        itself unless the script says BEGIN ... COMMIT."""
        c = self.connect()
        try:
            c.executescript(script)
        finally:
            c.close()

    def rows(self, query, params=()):
        """Every row of query."""
        c = self.connect()
        try:
            return c.execute(query, params).fetchall()
        finally:
            c.close()

    def row(self, query, params=()):
        """The first row of query, or None."""
        rows = self.rows(query, params)
        return rows[0] if rows else None

    def scalar(self, query, params=()):
        """The first column of the first row of query, or None."""
        r = self.row(query, params)
        return r[0] if r else None

    def cursor(self):
        """The engine's journal cursor."""
        return int(self.scalar("SELECT value FROM engine_meta WHERE key = 'journal_cursor'"))

    def seed(self, households=20):
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

    def findings(self, db=None):
        """The finding table as a comparable list."""
        c = sqlite3.connect(db or self.db)
        rows = c.execute("SELECT household_id, ifnull(member_id, 0), policy, measure, state,"
                         " round(ifnull(amount, -1), 2), reason FROM finding").fetchall()
        c.close()
        return rows

    # ---- the daemon ----

    def start(self):
        """Starts `fupin run` with its output appended to the log file."""
        assert self.proc is None, "a daemon is already running"
        self.start_mark = self.log_mark()
        self.logf = open(self.logfile, "ab")
        self.proc = subprocess.Popen([BIN, "-c", self.config, "run"], stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=self.env())
        return self.proc

    def wait_watching(self, timeout=DEADLINE):
        """Until the daemon started last says it is watching the database."""
        self.wait_log("[daemon.started]", after=self.start_mark, timeout=timeout)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def freeze(self, conn, timeout=DEADLINE):
        """SIGSTOPs the daemon at a moment it holds no lock at all (checked
        with `conn`): frozen inside a write it would keep the write lock
        forever, frozen inside a read it would keep every checkpoint from
        resetting the WAL, and the test's own writes or checkpoints would
        wait out their timeouts."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.proc.send_signal(signal.SIGSTOP)
            # kill() returns before the signal is acted on: on a loaded
            # machine a thread can still run (and write) for a while.
            wait_for(self.stopped, "the daemon stopped by SIGSTOP", timeout, interval=0.005)
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
        raise AssertionError("the daemon never let go of the database within %ss" % timeout)

    def stopped(self):
        """True when every thread of the daemon is stopped (SIGSTOP)."""
        task = "/proc/%d/task" % self.proc.pid
        try:
            states = []
            for tid in os.listdir(task):
                with open(os.path.join(task, tid, "stat"), encoding="ascii", errors="replace") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
        except FileNotFoundError:
            return False
        return bool(states) and all(st in ("T", "t") for st in states)

    def stop(self, sig=None, timeout=DEADLINE):
        """Sends sig (default SIGTERM; SIGINT works the same) and returns the
        exit status."""
        sig = sig or signal.SIGTERM
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("daemon did not stop on %s within %ss" % (signal.Signals(sig).name, timeout))
        finally:
            self.logf.close()
            self.proc = None
        if rc != 0:
            log("daemon exited %s; log tail:\n%s" % (rc, self.log_text()[-3000:]))
        return rc

    def kill(self):
        """SIGKILL: no chance to clean up."""
        self.proc.kill()
        self.proc.wait()
        self.logf.close()
        self.proc = None

    # ---- waiting for a state ----

    def log_text(self):
        with open(self.logfile, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_mark(self):
        """Where the log ends now: pass as after= to wait for what follows."""
        return len(self.log_text()) if os.path.exists(self.logfile) else 0

    def log_tail(self, n=4000):
        return self.log_text()[-n:] if os.path.exists(self.logfile) else "(no daemon log)"

    def wait_log(self, needle, after=0, timeout=DEADLINE):
        """Until a log line after offset `after` contains needle; fails at
        once if the daemon exits first."""
        def probe():
            if needle in self.log_text()[after:]:
                return True
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError("daemon exited %s before logging %r; log:\n%s"
                                     % (self.proc.returncode, needle, self.log_tail()))
            return False
        return wait_for(probe, "no log line with %r" % needle, timeout, detail=self.log_tail)

    def wait_caught_up(self, timeout=2 * DEADLINE):
        """Until the daemon's loop runs (a restart with nothing to do looks
        caught up before it watches the folder or owns the signals) and the
        journal after the cursor and the pending marks are empty."""
        if self.alive():
            self.wait_watching(timeout)
        def probe():
            c = self.connect()
            try:
                cursor = int(c.execute("SELECT value FROM engine_meta WHERE key = 'journal_cursor'").fetchone()[0])
                left = c.execute("SELECT count(*) FROM engine_journal WHERE seq > ?", (cursor,)).fetchone()[0]
                # A view over the pending range and single marks: asking
                # whether any is left does not walk the range.
                pending = c.execute("SELECT EXISTS (SELECT 1 FROM engine_pending)").fetchone()[0]
            finally:
                c.close()
            return left == 0 and pending == 0
        wait_for(probe, "daemon did not catch up", timeout, detail=self.log_tail)

    def wait_until(self, query, params=(), expect=None, timeout=DEADLINE):
        """Polls query until its first column equals expect (or, without
        expect, is true); returns the seconds it took, for the log only."""
        t0 = time.monotonic()
        last = [None]

        def probe():
            last[0] = self.scalar(query, params)
            return (expect is None and last[0]) or (expect is not None and last[0] == expect)
        wait_for(probe, "%s %r: expected %r" % (query, params, expect), timeout,
                 interval=0.02, detail=lambda: "last got %r; log:\n%s" % (last[0], self.log_tail(3000)))
        return time.monotonic() - t0

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()
        if self.logf:
            self.logf.close()
        if os.environ.get("KEEP"):
            log("kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---- worklists: reading what the list commands write ----

_XLSX_DUMP = r'''
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in wb.worksheets:
    out.append({
        "name": ws.title,
        "freeze": ws.freeze_panes,
        "widths": {k: v.width for k, v in ws.column_dimensions.items()},
        "rows": [[c.value for c in row] for row in ws.iter_rows()],
        "types": [[c.data_type for c in row] for row in ws.iter_rows()],
    })
print(json.dumps(out, ensure_ascii=False))
'''


def set_reload(env, value):
    """Sets the config's top-level `reload:` (auto or review)."""
    with open(env.config, encoding="utf-8") as f:
        text = f.read()
    text, n = re.subn(r"(?m)^reload: .*$", "reload: " + value, text)
    assert n == 1, "the config has no reload: line"
    env.write(env.config, text)


def read_xlsx(path):
    """Every sheet of the workbook at path as read by openpyxl (Debian's
    python3-openpyxl): [{name, freeze, widths, rows, types}], rows as lists
    of cell values. Runs the system python3 when this one lacks openpyxl
    (a virtualenv); skips the test when neither has it."""
    import json
    for py in (sys.executable, "/usr/bin/python3"):
        if not os.path.exists(py):
            continue
        r = subprocess.run([py, "-c", _XLSX_DUMP, path], capture_output=True, text=True)
        if r.returncode == 0:
            return json.loads(r.stdout)
        if "No module named 'openpyxl'" not in r.stderr:
            raise AssertionError("reading %s: %s" % (path, r.stderr[-2000:]))
    skip("openpyxl is not installed (Debian: python3-openpyxl)")


def run_on_tty(argv, env=None, timeout=DEADLINE):
    """Runs argv with its standard output on a pseudo-terminal, as a person
    at a terminal would; returns (exit status, stdout text, stderr text)."""
    import pty
    master, slave = pty.openpty()
    try:
        r = subprocess.run(argv, stdout=slave, stderr=subprocess.PIPE, env=env, timeout=timeout)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
        if len(data) < 65536:
            break
    os.close(master)
    return r.returncode, b"".join(chunks).decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def children(pid):
    """The child processes of pid (the daemon's workers). The daemon's
    threads come and go while this reads them: a thread gone meanwhile has
    no children to report."""
    kids = set()
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids |= {int(k) for k in f.read().split()}
        except (FileNotFoundError, ProcessLookupError):
            pass
    return kids
