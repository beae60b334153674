"""webtest - what the web console's tests share: an installation whose
daemon serves the console on a free loopback port, console users made
through the real `fupin user add`, and a small HTTP client that keeps its
cookies, never follows redirects and reads the CSRF token of a page.
Stdlib only."""

import http.client
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from fupintest import DEADLINE, Env, wait_for  # noqa: E402,F401


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebEnv(Env):
    """An Env whose config has an http: block (listen on a free port, plus
    the extra keys given) and a seeded city. start_web() starts the daemon
    and waits until the console answers."""

    def __init__(self, http=None, households=20, **kw):
        super().__init__(**kw)
        self.port = free_port()
        lines = ["", "http:", "  listen: 127.0.0.1:%d" % self.port]
        for k, v in (http or {}).items():
            lines.append("  %s: %s" % (k, v))
        self.write_config(extra="\n".join(lines) + "\n")
        self.init()
        self.seed(households=households)

    def start_web(self):
        self.start()
        self.wait_log("[web.started]", after=self.start_mark)
        self.wait_watching()

    def add_user(self, name, role, region=None, password="secret-pass-1"):
        args = ["user", "add", name, "--role", role] + (["--region", region] if region else [])
        r = self.fupin_input(password + "\n", *args)
        assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
        return password

    def fupin_input(self, text, *args):
        """`fupin ARGS` with text on its standard input (not a terminal)."""
        import subprocess
        from fupintest import BIN
        return subprocess.run([BIN, "-c", self.config] + list(args), input=text, capture_output=True,
                              text=True, env=self.env(), timeout=2 * DEADLINE)

    def client(self):
        return Client(self.port)


class Response:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.getheaders()
        self.body = r.read().decode("utf-8", errors="replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookies(self):
        """Every Set-Cookie line."""
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def csrf(self):
        m = re.search(r'name="csrf" value="([0-9a-f]*)"', self.body)
        return m.group(1) if m else None


class Client:
    """One browser: a cookie jar, no redirects followed."""

    def __init__(self, port):
        self.port = port
        self.jar = {}

    def request(self, method, path, body=None, headers=None, timeout=DEADLINE):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if self.jar:
            h.setdefault("Cookie", "; ".join("%s=%s" % kv for kv in self.jar.items()))
        if body is not None and not isinstance(body, (bytes, bytearray)):
            from urllib.parse import urlencode
            body = urlencode(body).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        c.request(method, path, body=body, headers=h)
        r = Response(c.getresponse())
        c.close()
        for line in r.cookies():
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in line or value == "":
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        return self.request("POST", path, body=fields, **kw)

    def login(self, name, password):
        page = self.get("/login")
        assert page.status == 200, page.status
        r = self.post("/login", {"csrf": page.csrf(), "name": name, "password": password})
        # Say at once when a login meant to succeed did not (the status and
        # the page's message), rather than at the first page after it.
        self.last_login = (r.status, re.sub(r"<[^>]*>", " ", r.body)[-300:])
        return r

    def csrf(self):
        """The session's CSRF token, read from a page's logout form."""
        r = self.get("/")
        assert r.status == 200, (r.status, r.body[:300])
        return r.csrf()
