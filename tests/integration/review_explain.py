"""review_explain: with `reload: review`, `fupin explain` and the console's
why-not (`/household/ID?why=1`) run the live (activated) rules, as the
daemon and `fupin eval` do: a pending edit on disk changes neither until it
is activated, and both follow the activation."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import FIXTURE_POLICY, Checks, Env, set_reload  # noqa: E402
from webclient import Client, add_user, free_port, http_config, wait_listening  # noqa: E402

INCOME_SUPPORT = ("SELECT round(amount) FROM finding WHERE household_id = 1 AND measure = 'income_support'"
                  " AND state = 'open'")
EDITED = FIXTURE_POLICY.replace("3000", "4000").replace('"engine test fixture"', '"edited fixture title"')


def main():
    check = Checks()
    port = free_port()
    with Env() as env:
        env.write_config(extra=http_config(port))
        set_reload(env, "review")
        env.init()
        env.seed(households=8)
        env.sql("""DELETE FROM income WHERE household_id = 1;
                   INSERT INTO income(household_id, year, wage) VALUES (1, 2017, 0);""")
        add_user(env, "town1", "town", "441602001")
        env.start()
        wait_listening(port, env)
        env.wait_caught_up()
        env.wait_until(INCOME_SUPPORT, (), 3000.0)
        web = Client(port)
        web.login("town1")

        def explain():
            return env.fupin("explain", "1", "--json").stdout

        def why():
            r = web.get("/household/1?why=1")
            check(r.status == 200, "why-not page: 200", str(r.status))
            return r.text

        before = explain()
        check('"amount":3000' in before.replace(" ", ""), "explain: the live rule's amount (3000)", before[-800:])
        page = why()
        check("engine test fixture" in page and "edited fixture title" not in page,
              "why-not: the live rule's title")

        # A pending edit on disk: staged, not live.
        mark = env.log_mark()
        path = os.path.join(env.policies, "fixture.lua")
        env.write(path + ".tmp", EDITED)
        os.rename(path + ".tmp", path)
        env.wait_log("[review.staged]", after=mark)
        cid = env.scalar("SELECT id FROM rule_change WHERE state = 'pending'")
        check(cid is not None, "the edit is staged as a pending change")
        staged = explain()
        check(staged == before, "explain: a pending edit does not change its output",
              "before:\n%s\nafter:\n%s" % (before[-600:], staged[-600:]))
        page = why()
        check("engine test fixture" in page and "edited fixture title" not in page,
              "why-not: a pending edit does not change it", page[-1500:])
        check(env.scalar("SELECT count(*) FROM rule_change WHERE state = 'pending'") == 1,
              "explain and why-not wrote nothing (still one pending change)")

        # Activated: both follow.
        env.fupin("change", "activate", str(cid), "--by", "李明")
        env.wait_until(INCOME_SUPPORT, (), 4000.0)
        after = explain()
        check('"amount":4000' in after.replace(" ", ""), "explain: the activated rule's amount (4000)",
              after[-800:])
        page = why()
        check("edited fixture title" in page, "why-not: the activated rule's title")
        env.stop()
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
