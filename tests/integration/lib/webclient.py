"""webclient - what the console's HTTP tests share: a free port, the
`http:` config block, `fupin user add` with the password on standard input,
and a logged-in client that keeps its cookies and reads the CSRF token off
the pages, as a browser would. Stdlib only."""

import http.client
import re
import socket
import time
import urllib.parse

from fupintest import DEADLINE, wait_for

PASSWORD = "correct horse battery staple 17"
SCRIPT = "<script>alert(1)</script>"
RESIDENT_ID = "441602198001010011"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_config(port):
    return "\nhttp:\n  listen: 127.0.0.1:%d\n" % port


def add_user(env, name, role, region=None):
    """`fupin user add NAME --role ROLE [--region CODE]`, password on stdin."""
    import subprocess
    from fupintest import BIN
    args = [BIN, "-c", env.config, "user", "add", name, "--role", role]
    if region:
        args += ["--region", region]
    r = subprocess.run(args, input=PASSWORD + "\n", capture_output=True, text=True, env=env.env(),
                       timeout=2 * DEADLINE)
    if r.returncode != 0:
        raise AssertionError("fupin user add %s -> %d\n%s%s" % (name, r.returncode, r.stdout, r.stderr))


def wait_listening(port, env=None):
    def probe():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(probe, "the console listening on port %d" % port,
             detail=(lambda: env.log_tail()) if env else None)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Client:
    """One browser: cookies kept by name, sent on every request."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, fields=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        hs = r.getheaders()
        conn.close()
        for k, v in hs:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v or not value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        resp = Response(r.status, hs, data)
        m = re.search(r'name="csrf" value="([^"]+)"', resp.text) if b"csrf" in data else None
        if m:
            self.csrf = m.group(1)
        return resp

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields=None):
        f = dict(fields or {})
        f.setdefault("csrf", self.csrf or "")
        return self.request("POST", path, f)

    def login(self, name, password=PASSWORD):
        self.get("/login")
        r = self.post("/login", {"name": name, "password": password})
        if r.status != 303:
            raise AssertionError("login as %s -> %d\n%s" % (name, r.status, r.text[:2000]))
        # A page with a form carries the session's CSRF token.
        self.get("/")
        return r


def start_console(env, port):
    env.start()
    wait_listening(port, env)
    # The daemon evaluates what changed first; the pages read findings.
    env.wait_caught_up()
    time.sleep(0)


def build_city(env):
    """Env.seed's town 441602001 (two villages, households 1-8) and a second
    town 441602002 with households 101 and 102; cadres, tasks, visits, alerts."""
    env.seed(households=8)
    env.sql(f"""
        INSERT INTO region(code, name, level, parent) VALUES ('441602002', '西镇', 'town', '441602');
        INSERT INTO region(code, name, level, parent) VALUES ('441602002001', '西村', 'village', '441602002');
        UPDATE region SET name = '二村{SCRIPT}' WHERE code = '441602001002';
        UPDATE household SET head_name = '户主{SCRIPT}' WHERE id = 3;
        INSERT INTO household(id, village, head_name, housing_grade) VALUES (101, '441602002001', '西户一', 'D');
        INSERT INTO household(id, village, head_name, housing_grade) VALUES (102, '441602002001', '西户二', 'C');
        INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (10101, 101, '西成员', '1970-01-01', 'none');
        INSERT INTO member(id, household_id, name, birth_date, labor) VALUES (10201, 102, '西成员二', '1971-01-01', 'full');
        UPDATE member SET id_number = '{RESIDENT_ID}' WHERE id = 100;
        INSERT INTO cadre(id, name, region) VALUES (1, '张干部', '441602001001'), (2, '李干部', '441602002001');
        INSERT INTO pairing(household_id, cadre_id) VALUES (1, 1), (3, 1), (101, 2);
        INSERT INTO task(id, household_id, cadre_id, measure, title, due, status)
          VALUES (900, 1, 1, 'house_repair', '修房', '2018-05-01', 'open'),
                 (901, 101, 2, 'house_repair', '西镇修房', '2018-05-01', 'open');
        INSERT INTO visit(household_id, cadre_id, date, note) VALUES (1, 1, '2018-06-01', '走访 {RESIDENT_ID}');
    """)


def add_alerts(env):
    """Written as the nightly job would route them: one per town."""
    env.sql(f"""
        INSERT INTO alert(id, kind, severity, household_id, region, level, message, state, opened_at,
                          last_seen_at, subject, origin_region, origin_level)
          VALUES (500, 'no_visit', 'warning', 3, '441602001', 'town', '三户未走访{SCRIPT} {RESIDENT_ID}', 'open',
                  '2018-06-01 00:00:00', '2018-06-01 00:00:00', 'household:3', '441602001', 'town'),
                 (501, 'no_visit', 'warning', 101, '441602002', 'town', '西镇未走访', 'open',
                  '2018-06-01 00:00:00', '2018-06-01 00:00:00', 'household:101', '441602002', 'town'),
                 (502, 'no_visit', 'warning', 5, '441602001', 'town', '已解决', 'resolved',
                  '2018-06-01 00:00:00', '2018-06-01 00:00:00', 'household:5', '441602001', 'town');
    """)
