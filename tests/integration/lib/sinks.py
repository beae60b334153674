"""sinks.py - local listeners the delivery tests send to: a threaded TCP
server on loopback and an SMTP sink that keeps each mail it accepts."""
import socketserver
import threading


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(server):
    """Serves server on a daemon thread; returns it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP: EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed), QUIT.
    Each accepted mail is {"from", "rcpt": [...], "data": bytes} in mails."""
    mails = []

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink ESMTP")
        env = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.reply("250 sink")
            elif up.startswith("MAIL FROM:"):
                env["from"] = cmd[10:].strip()
                self.reply("250 ok")
            elif up.startswith("RCPT TO:"):
                env["rcpt"].append(cmd[8:].strip())
                self.reply("250 ok")
            elif up == "DATA":
                self.reply("354 go on")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    data += l[1:] if l.startswith(b"..") else l
                env["data"] = data
                SmtpSink.mails.append(dict(env))
                env = {"rcpt": []}
                self.reply("250 queued")
            elif up == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")
