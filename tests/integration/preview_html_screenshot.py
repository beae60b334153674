"""preview_html_screenshot: the HTML report of `fupin preview` renders in a
real browser (headless Chromium) from the file alone, with no network: a
screenshot is taken and kept in the build folder (preview-screenshots/) for
a person to look at. Skipped, saying so, when chromium is not installed
(scripts/deps installs it as an optional tool)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BUILD_DIR, Checks, Env, FIXTURE_POLICY, skip  # noqa: E402


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        skip("chromium is not installed: no screenshot of the preview's HTML report")
    check = Checks()
    out = os.path.join(BUILD_DIR, "preview-screenshots")
    os.makedirs(out, exist_ok=True)
    with Env() as env:
        env.init()
        env.seed(households=30)
        env.sql("UPDATE household SET head_name = '<img src=x onerror=alert(1)>张三' WHERE id = 3")
        env.fupin("eval", "--all")
        cand = os.path.join(env.dir, "cand")
        os.makedirs(cand)
        env.write(os.path.join(cand, "fixture.lua"),
                  FIXTURE_POLICY.replace("pc < 3000", "pc < 2500").replace('"C" or', '"B" or'))
        html = os.path.join(out, "preview.html")
        env.fupin("preview", "--policies", cand, "--format", "html", "--output", html)
        png = os.path.join(out, "preview.png")
        if os.path.exists(png):
            os.remove(png)
        profile = os.path.join(env.dir, "chromium-profile")
        r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                            "--window-size=1280,1600", "--screenshot=" + png, "file://" + html],
                           capture_output=True, text=True, timeout=180)
        check(r.returncode == 0, "chromium rendered the page", r.stderr[-2000:])
        data = b""
        if os.path.exists(png):
            with open(png, "rb") as f:
                data = f.read()
        check(data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000,
              "a screenshot was taken: %s (%d bytes)" % (png, len(data)))
        with open(html, encoding="utf-8") as f:
            page = f.read()
        check("<img" not in page, "the planted tag stays text")
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
