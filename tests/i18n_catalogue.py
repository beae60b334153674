#!/usr/bin/env python3
"""Every string a person reads has its Chinese: extracts each _() and N_()
msgid from the C sources (xgettext), and fails naming each one that
po/zh_CN.po lacks, leaves empty or marks fuzzy, each msgid written twice,
and each translation whose printf formats do not match its msgid (msgfmt
--check after the source's c-format flags are merged in).

usage: i18n_catalogue.py SOURCE_DIR"""
import os
import subprocess
import sys
import tempfile

# Folders whose C is not fupin's own process text: tests and the benchmark
# print for developers; plugins/ are shared objects with their own ABI.
SKIP_TOP = {"tests", "bench", "plugins", "lua", "po", "docs", "scripts"}


def sources(root):
    out = []
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if top.startswith(".") or top in SKIP_TOP or not os.path.isdir(path):
            continue
        for d, dirs, files in os.walk(path):
            # A build tree inside the source tree holds generated C.
            if any(os.path.exists(os.path.join(d, m)) for m in ("CMakeCache.txt", "CMakeFiles")):
                dirs[:] = []
                continue
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            out += [os.path.join(d, f) for f in sorted(files) if f.endswith((".c", ".h"))]
    return out


def unquote(s):
    """The C-escaped text of a PO string literal, kept escaped: comparing
    escaped forms is enough to match entries."""
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    return s[1:-1]


def parse_po(path):
    """[(msgid, msgstr, is_fuzzy, line)] of a PO file (plural forms: the
    msgstr[0] is taken for msgstr and msgid for the key)."""
    entries = []
    cur = None
    field = None
    fuzzy = False

    def flush():
        nonlocal cur
        if cur is not None and "msgid" in cur:
            entries.append((cur["msgid"], cur.get("msgstr", ""), cur["fuzzy"], cur["line"]))
        cur = None

    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                flush()
                fuzzy = False
                continue
            if line.startswith("#,"):
                if cur is not None and "msgstr" in cur:
                    flush()
                fuzzy = fuzzy or "fuzzy" in line
                continue
            if line.startswith("#"):
                if cur is not None and "msgstr" in cur:
                    flush()
                continue
            key, _, rest = line.partition(" ")
            if key in ("msgctxt", "msgid"):
                if cur is not None and ("msgstr" in cur or key in cur):
                    flush()
                if cur is None:
                    cur = {"fuzzy": fuzzy, "line": no}
                    fuzzy = False
                field = key
                cur[field] = unquote(rest)
            elif key == "msgid_plural":
                field = None
            elif key in ("msgstr", "msgstr[0]"):
                field = "msgstr"
                cur[field] = unquote(rest)
            elif key.startswith("msgstr["):
                field = None
            elif line.startswith('"'):
                if field and cur is not None:
                    cur[field] += unquote(line)
            else:
                raise SystemExit("%s:%d: cannot read this line" % (path, no))
    flush()
    return entries


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    po = os.path.join(root, "po", "zh_CN.po")
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "fupin.pot")
        files = [os.path.relpath(p, root) for p in sources(root)]
        subprocess.run(["xgettext", "--keyword=_", "--keyword=N_", "--from-code=UTF-8", "-C",
                        "--sort-by-file", "--force-po", "-o", pot] + files, cwd=root, check=True)
        wanted = {}
        for msgid, _, _, _ in parse_po(pot):
            if msgid:
                wanted.setdefault(msgid, True)
        where = {}
        with open(pot, encoding="utf-8") as f:
            last = []
            for line in f:
                if line.startswith("#: "):
                    last += line[3:].split()
                elif line.startswith("msgid "):
                    where[unquote(line[6:])] = last
                    last = []

        have = {}
        for msgid, msgstr, fuzzy, line in parse_po(po):
            if not msgid:
                continue
            if msgid in have:
                problems.append('po/zh_CN.po:%d: "%s" is already translated at line %d'
                                % (line, msgid, have[msgid][2]))
                continue
            have[msgid] = (msgstr, fuzzy, line)

        for msgid in wanted:
            at = " ".join(where.get(msgid, [])[:3]) or "?"
            if msgid not in have:
                problems.append('%s: no Chinese for "%s"' % (at, msgid))
            elif not have[msgid][0]:
                problems.append('po/zh_CN.po:%d: "%s" has an empty msgstr (used at %s)'
                                % (have[msgid][2], msgid, at))
            elif have[msgid][1]:
                problems.append('po/zh_CN.po:%d: "%s" is marked fuzzy (used at %s)'
                                % (have[msgid][2], msgid, at))

        # The catalogue's own entries carry no c-format flag, so msgfmt
        # would not compare formats; merging with the template adds them.
        uniq = os.path.join(tmp, "uniq.po")
        merged = os.path.join(tmp, "merged.po")
        subprocess.run(["msguniq", "--use-first", "-o", uniq, po], check=True)
        subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--no-wrap", "-o", merged,
                        uniq, pot], check=True)
        r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, merged],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("msgfmt --check (formats as in the sources):\n" + r.stderr.strip())
        r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, po],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("msgfmt --check po/zh_CN.po:\n" + r.stderr.strip())

    if problems:
        print("po/zh_CN.po does not cover the sources (%d problem%s); add each msgid with its "
              "Chinese (see README, \"How to add a message\"):" % (len(problems),
                                                                   "" if len(problems) == 1 else "s"))
        for p in problems:
            print("  " + p)
        return 1
    print("i18n_catalogue: %d msgids from %d files, each translated" % (len(wanted), len(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
