"""contain_config_edit: workers evaluate with the config the daemon holds,
not the file on disk. With relative paths in the config, an operator saves
first a broken config and then a valid one with another grant, neither
signalled; each time every worker is killed and restarted on the next
batch. The daemon keeps running, the restarts succeed, and new findings
keep the accepted grant; the workers' copy of the config is 0600 and holds
the accepted text. SIGHUP with the valid edit then brings the new grant,
also after another worker restart."""
import glob
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import Env, children, log, wait_for  # noqa: E402

GRANT = "    project_grant: 5000\n"



def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def add_household(env, hid):
    """A household that wants a project and has a full-labour member of working age."""
    c = env.connect()
    c.execute("INSERT INTO household(id, village, head_name, wants_industry, has_project)"
              " VALUES (?, '441602001001', ?, 1, 0)", (hid, "户主%d" % hid))
    c.execute("INSERT INTO member(household_id, name, birth_date, labor) VALUES (?, ?, '1985-01-01', 'full')",
              (hid, "劳力%d" % hid))
    c.close()


def grant_of(hid):
    return ("SELECT round(amount) FROM finding WHERE household_id = %d AND measure = 'project'"
            " AND state = 'open'" % hid)


def kill_workers(env):
    """SIGKILLs every worker the daemon has; returns their pids."""
    pids = {pid for pid in children(env.proc.pid) if alive(pid)}
    assert pids, "the daemon has no worker to kill"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in pids), "the killed workers gone")
    return pids


def check_copy(env, text):
    """The workers' copy of the config: private, and the accepted text."""
    copies = glob.glob(os.path.join(env.db + ".workers", str(env.proc.pid), "set-*", "config.yaml"))
    assert len(copies) == 1, copies
    mode = stat.S_IMODE(os.stat(copies[0]).st_mode)
    assert mode == 0o600, oct(mode)
    with open(copies[0], encoding="utf-8") as f:
        assert f.read() == text, "the workers' copy is not the accepted config"


def restart_and_expect(env, hid, grant, what):
    """Kills the workers, makes a batch that needs them and waits for the
    new household's grant from the restarted ones."""
    old = kill_workers(env)
    mark = len(env.log_text())
    add_household(env, hid)
    env.wait_until(grant_of(hid), (), grant, timeout=30)
    assert env.proc.poll() is None, "the daemon died: " + what
    # A killed worker the batch did not need may wait unreaped: it is a
    # zombie then, not counted.
    now = {pid for pid in children(env.proc.pid) if alive(pid)}
    assert now and not now & old, ("the workers were not restarted", old, now)
    tail = env.log_text()[mark:]
    assert "could not start" not in tail, (what, tail)
    log("ok   %s: restarted workers %s evaluate with grant %d" % (what, sorted(now), grant))


def main():
    env = Env(policies="real", workers=2)
    try:
        # Relative paths, resolved against the config's folder: the
        # workers' copy lives elsewhere and must resolve them the same.
        text = open(env.config, encoding="utf-8").read()
        for abs_path, rel in ((env.db, "fupin.db"), (env.policies, "policies")):
            assert ": " + abs_path + "\n" in text, abs_path
            text = text.replace(": " + abs_path + "\n", ": " + rel + "\n")
        env.write(env.config, text)
        good = text
        assert GRANT in good
        env.init()
        env.seed(households=4)
        add_household(env, 100)
        env.start()
        env.wait_caught_up()
        env.wait_until(grant_of(100), (), 5000.0, timeout=30)
        check_copy(env, good)

        # A broken config saved, not signalled: a restarted worker does not
        # read it (before, the restart failed and the daemon exited 1).
        env.write(env.config, good.replace(GRANT, "    project_grant: [5000\n"))
        for i in range(3):
            restart_and_expect(env, 101 + i, 5000.0, "broken config on disk, try %d" % (i + 1))
        check_copy(env, good)

        # A valid but different config saved, not signalled: the workers
        # keep the grant the daemon accepted.
        edited = good.replace(GRANT, "    project_grant: 6000\n")
        env.write(env.config, edited)
        restart_and_expect(env, 110, 5000.0, "unsignalled edit on disk")
        check_copy(env, good)

        # SIGHUP takes the edit: every household re-evaluated with it, and
        # restarted workers keep it.
        mark = len(env.log_text())
        env.signal(signal.SIGHUP)
        env.wait_log("[reload.config_done]", after=mark, timeout=30)
        env.wait_until(grant_of(100), (), 6000.0, timeout=30)
        env.wait_until(grant_of(110), (), 6000.0, timeout=30)
        wait_for(lambda: any(alive(pid) for pid in children(env.proc.pid)), "workers on the new config")
        check_copy(env, edited)
        restart_and_expect(env, 120, 6000.0, "after SIGHUP")
        assert env.stop() == 0
        log("ok")
    finally:
        env.cleanup()


if __name__ == "__main__":
    main()
