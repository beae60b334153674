"""web_tls: with http.tls_cert and tls_key the console speaks HTTPS itself
(libmicrohttpd with GnuTLS) and its cookies carry Secure; plain HTTP on that
port gets no page. secure_cookies: true (behind a TLS proxy) sets Secure on
plain HTTP. Needs the openssl command for a throwaway certificate."""
import http.client
import os
import shutil
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Checks, skip  # noqa: E402
from webtest import Client, WebEnv  # noqa: E402


class TlsClient(Client):
    def request(self, method, path, body=None, headers=None, timeout=30):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        orig = http.client.HTTPConnection
        http.client.HTTPConnection = lambda host, port, timeout: http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ctx)
        try:
            return super().request(method, path, body, headers, timeout)
        finally:
            http.client.HTTPConnection = orig


def main():
    if not shutil.which("openssl"):
        skip("no openssl command to make a certificate")
    checks = Checks()

    def check(cond, what, detail=None):
        return checks(cond, what, None if detail is None else str(detail))

    with WebEnv(http={"tls_cert": "cert.pem", "tls_key": "key.pem"}) as env:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", os.path.join(env.dir, "key.pem"),
                        "-out", os.path.join(env.dir, "cert.pem")], check=True, capture_output=True)
        pw = env.add_user("zhou", "city", "441600")
        env.start_web()
        check("https://" in env.log_text(), "the start-up line names https")
        b = TlsClient(env.port)
        r = b.login("zhou", pw)
        check(r.status == 303, "login over HTTPS", r.status)
        line = [c for c in r.cookies() if c.startswith("fupin_session=")]
        check(line and "Secure" in line[0], "the session cookie is Secure over TLS", line)
        check(b.get("/").status == 200, "pages over HTTPS")
        try:
            plain = env.client().get("/login", timeout=10)
            check(plain.status != 200, "plain HTTP on the TLS port gets no page", plain.status)
        except (OSError, http.client.HTTPException):
            check(True, "plain HTTP on the TLS port gets no page")
        check(env.stop() == 0, "the daemon stops cleanly")

    with WebEnv(http={"secure_cookies": "true"}) as env:
        pw = env.add_user("zhou", "city", "441600")
        env.start_web()
        r = env.client().login("zhou", pw)
        line = [c for c in r.cookies() if c.startswith("fupin_session=")]
        check(r.status == 303 and line and "Secure" in line[0], "secure_cookies: true sets Secure behind a proxy",
              line)
        check(env.stop() == 0, "the daemon stops cleanly")
    return checks.done()


if __name__ == "__main__":
    sys.exit(main())
