"""daemon_disk_full: the database on a small tmpfs that fills up. A change
the daemon cannot write gets one clean error in the log, the cursor does not
move, the daemon keeps running; once space returns the change is processed.
Needs root and tmpfs (mount -t tmpfs); otherwise prints SKIP and passes."""
import errno
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, log, skip, wait_for  # noqa: E402

REPAIR = "SELECT state FROM finding WHERE household_id = 4 AND measure = 'house_repair'"


def fill(path):
    """Writes until the file system says ENOSPC."""
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 16, 4096, 512, 1):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break


def checkpoint(conn):
    """Empties the WAL (the daemon is frozen, so only a reader of ours can
    be in the way); true once done."""
    return conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0


def main():
    mnt = tempfile.mkdtemp(prefix="fupin-full-")
    if os.geteuid() != 0:
        os.rmdir(mnt)
        skip("not root: cannot mount a small tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(mnt)
        skip("cannot mount tmpfs: " + (r.stderr.strip() or "mount failed"))
    filler = os.path.join(mnt, "filler")
    try:
        with Env(db_dir=mnt) as env:
            env.init()
            env.seed(households=10)
            env.start()
            env.wait_caught_up()
            keep = env.connect()  # keeps -wal/-shm in place while the disk is full
            keep.execute("SELECT 1").fetchone()

            # Queue a change the daemon has not seen, empty the WAL so writing
            # needs new space, and fill the disk.
            env.freeze(keep)
            keep.execute("UPDATE household SET housing_grade = 'D', housing_renovated = 0 WHERE id = 4")
            keep.execute("PRAGMA busy_timeout = 200")
            wait_for(lambda: checkpoint(keep), "the WAL emptied with the daemon frozen")
            keep.execute("PRAGMA busy_timeout = 30000")
            before = env.cursor()
            fill(filler)
            mark = env.log_mark()
            env.signal(signal.SIGCONT)
            env.wait_log("[batch.write_failed]", after=mark)
            # The daemon retries the batch; whatever number of retries this
            # machine manages meanwhile, the error is logged once. (A slow
            # machine retries less here; it can only make the check easier.)
            time.sleep(1.5)
            text = env.log_text()[mark:]
            errors = [l for l in text.splitlines() if "batch not written" in l]
            log("error logged: " + errors[0])
            assert "磁盘已满" in errors[0], errors[0]
            assert len(errors) == 1, "the same error logged %d times" % len(errors)
            assert env.alive(), "daemon died on a full disk"
            assert env.cursor() == before, "cursor moved without its findings"
            assert env.scalar("SELECT count(*) FROM finding WHERE household_id = 4 AND measure = 'house_repair'"
                              " AND state = 'open'") == 0

            # Space returns: the change is processed.
            os.unlink(filler)
            env.wait_until(REPAIR, (), "open")
            env.wait_log("[batch.write_resumed]", after=mark)
            assert env.cursor() > before
            keep.close()
            assert env.stop() == 0
            log("ok")
    finally:
        subprocess.run(["umount", "-l", mnt])
        try:
            os.rmdir(mnt)
        except OSError:
            pass


if __name__ == "__main__":
    main()
