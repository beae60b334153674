#!/usr/bin/env python3
"""The layer rules of the README's Layout section, checked on the sources.

The build enforces which project headers a folder can see (each folder is a
static library that sees only what it links). System headers live in
/usr/include, visible to everyone, so the library owners are checked here:
only store/ includes sqlite3.h, only policy/lua/ the Lua headers, only
daemon/ uv.h, only config/ yaml.h, only deliver/ curl.h, only export/
xlsxwriter.h, only web/ microhttpd.h and sodium.h. And the folders
must form no circle through their #include "..." lines.

Tests and the benchmark are outside the layers: they may open the database
the way an outside program does.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
FOLDERS = ["base", "config", "store", "policy", "policy/lua", "policy/plugin", "runner",
           "nightly", "deliver", "export", "web", "daemon", "cmd", "demo", "plugins"]
OWNERS = {
    "sqlite3.h": "store",
    "lua.h": "policy/lua",
    "lauxlib.h": "policy/lua",
    "lualib.h": "policy/lua",
    "uv.h": "daemon",
    "yaml.h": "config",
    "curl/curl.h": "deliver",
    "xlsxwriter.h": "export",
    "microhttpd.h": "web",
    "sodium.h": "web",
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

failures = []
header_home = {}
sources = {}
for folder in FOLDERS:
    path = os.path.join(ROOT, folder)
    for name in sorted(os.listdir(path)):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(path, name), encoding="utf-8") as f:
            sources[(folder, name)] = f.read()
        if name.endswith(".h"):
            if name in header_home:
                failures.append(f"{folder}/{name}: header name also in {header_home[name]}/")
            header_home[name] = folder

edges = {}
for (folder, name), text in sources.items():
    for kind, inc in INCLUDE.findall(text):
        if kind == "<":
            owner = OWNERS.get(inc)
            if owner and owner != folder:
                failures.append(f"{folder}/{name}: includes <{inc}>, which only {owner}/ may")
            continue
        home = header_home.get(os.path.basename(inc))
        if home and home != folder:
            edges.setdefault(folder, set()).add(home)

# A circle between folders: depth-first search for a back edge.
state = {}


def visit(node, path):
    state[node] = 1
    for nxt in sorted(edges.get(node, ())):
        if state.get(nxt) == 1:
            cycle = path[path.index(nxt):] + [nxt]
            failures.append("folders include each other: " + " -> ".join(cycle))
        elif nxt not in state:
            visit(nxt, path + [nxt])
    state[node] = 2


for folder in FOLDERS:
    if folder not in state:
        visit(folder, [folder])

if failures:
    for line in failures:
        print("layers: " + line)
    sys.exit(1)
for folder in FOLDERS:
    print(f"layers: {folder}/ -> {', '.join(sorted(edges.get(folder, ()))) or '(nothing)'}")
