"""soak_kill: the daemon_kill test at length — many more SIGKILLs and a
bigger city. Not part of CTest. Run by hand after a build:
  FUPIN_BIN=build/fupin FUPIN_PLUGIN_DIR=build/plugins python3 tests/soak/soak_kill.py [KILLS] [HOUSEHOLDS]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import daemon_kill  # noqa: E402

if __name__ == "__main__":
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    households = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    daemon_kill.run(kills=kills, households=households)
