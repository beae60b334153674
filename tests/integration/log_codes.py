"""log_codes: every log line of the daemon's layers (daemon/, runner/,
policy/, store/, and cmd/, config/, nightly/, deliver/, web/) names its event with a stable code, and README's "Log
events" table lists exactly the codes the source uses, so an operator can
look up any line. Fails on a log call without a code, a code of the wrong
shape, a code missing from the table, or a table row no code uses."""
import os
import re
import sys

SRC = os.path.abspath(os.environ.get("FUPIN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")))
LAYERS = ("daemon", "runner", "policy", "store", "cmd", "config", "nightly", "deliver", "web")
# Other engineers' files inside store/ that log through their own layers.
NOT_ENGINE = {"store/store_alert.c", "store/store_findings.c"}
CODE = re.compile(r"^[a-z]+\.[a-z_]+$")


def sources():
    for layer in LAYERS:
        for root, _, files in os.walk(os.path.join(SRC, layer)):
            for f in sorted(files):
                if f.endswith(".c"):
                    path = os.path.join(root, f)
                    rel = os.path.relpath(path, SRC)
                    if rel not in NOT_ENGINE:
                        yield rel, open(path, encoding="utf-8").read()


def readme_codes():
    text = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## Log events.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        return None
    codes = set()
    for line in m.group(1).splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            codes.update(re.findall(r"`([^`]+)`", first))
    return codes


def main():
    problems = []
    used = {}
    for rel, text in sources():
        for m in re.finditer(r"\blog_(debug|info|warn|error|msg)\(", text):
            line = text.count("\n", 0, m.start()) + 1
            problems.append("%s:%d: log_%s without an event code: use log_event" % (rel, line, m.group(1)))
        for m in re.finditer(r"\blog_event\(", text):
            line = text.count("\n", 0, m.start()) + 1
            call = re.match(r"log_event\(\s*LOG_[A-Z]+\s*,\s*\"([^\"]*)\"", text[m.start():])
            if not call:
                problems.append("%s:%d: log_event without a literal code" % (rel, line))
                continue
            code = call.group(1)
            if not CODE.match(code):
                problems.append("%s:%d: code %r is not area.event (lower case)" % (rel, line, code))
            used.setdefault(code, "%s:%d" % (rel, line))
    documented = readme_codes()
    if documented is None:
        problems.append("README.md has no \"## Log events\" section")
        documented = set()
    for code, where in sorted(used.items()):
        if code not in documented:
            problems.append("%s: code %s is not in README's Log events table" % (where, code))
    for code in sorted(documented - set(used)):
        problems.append("README's Log events table lists %s, which no log line uses" % code)
    if not used:
        problems.append("no log_event call found under " + SRC)
    for p in problems:
        print("FAIL " + p)
    print("%d codes, %d problems" % (len(used), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
