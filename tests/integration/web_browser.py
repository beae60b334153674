"""web_browser: the console in a real browser - headless Chromium from
Debian driven by selenium through chromedriver. A town supervisor logs in,
opens the overview, drills into a village, opens a household, accepts a
finding, acknowledges an alert and downloads a worklist; each step asserts
on what the page shows (and the database on what the action did), and a
screenshot of each page is kept in the build folder (web-screens/, and
web-screens/small/ the top of each at 60 %, as in the README). Skipped,
saying why, when chromium, chromedriver or selenium is missing
(scripts/deps installs them)."""
import glob
import os
import shutil
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:  # Debian's python3-selenium is for /usr/bin/python3
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    webdriver = None

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from fupintest import BUILD_DIR, DEADLINE, Checks, Env, skip, wait_for  # noqa: E402
from webclient import (PASSWORD, add_alerts, add_user, build_city, free_port,  # noqa: E402
                       http_config, start_console)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def browser(downloads):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--window-size=1280,1600", "--lang=zh-CN"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                           "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(DEADLINE)
    # Headless Chromium saves downloads only when told where.
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return d


def shoot(d, out, name):
    """The whole page: the window grows to the document's height first."""
    d.execute_script("window.scrollTo(0, 0)")
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1280, min(max(height, 800), 6000))
    d.save_screenshot(os.path.join(out, name + ".png"))
    d.set_window_size(1280, 1600)
    # And the top of it at 60 %: small enough for the README (docs/console/).
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": 1100, "deviceScaleFactor": 0.6, "mobile": False})
    d.execute_script("window.scrollTo(0, 0)")
    os.makedirs(os.path.join(out, "small"), exist_ok=True)
    d.save_screenshot(os.path.join(out, "small", name + ".png"))
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def main():
    if webdriver is None:
        skip("selenium is not installed (Debian: python3-selenium)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            skip("%s is missing (Debian: chromium, chromium-driver)" % path)
    check = Checks()
    out = os.path.join(BUILD_DIR, "web-screens")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    # The real policies and plugins: the pictures show what an office sees.
    with Env(policies="real", plugins=("education", "medical", "housing", "credit")) as env:
        env.write_config(extra=http_config(port))
        env.init()
        build_city(env)
        add_user(env, "town1", "town", "441602001")
        start_console(env, port)
        env.wait_until("SELECT count(*) > 0 FROM finding WHERE household_id = 1 AND state = 'open'"
                       " AND kind = 'recommend'", expect=1)
        add_alerts(env)
        downloads = os.path.join(env.dir, "downloads")
        os.makedirs(downloads)
        d = browser(downloads)
        try:
            # ---- log in ----
            d.get(base + "/")
            check("/login" in d.current_url and d.find_elements(By.NAME, "password"),
                  "without a session: the login page", d.current_url)
            shoot(d, out, "1-login")
            d.find_element(By.NAME, "name").send_keys("town1")
            d.find_element(By.NAME, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
            wait_for(lambda: d.find_elements(By.ID, "n-households"), "the overview after login",
                     detail=lambda: d.page_source[-2000:])

            # ---- the overview ----
            h1 = d.find_element(By.TAG_NAME, "h1").text
            check("东埔镇" in h1, "overview: the town's name", h1)
            check(d.find_element(By.ID, "n-households").text == "8", "overview: its 8 households")
            check(len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 3, "overview: the SVG charts")
            check(d.execute_script("return document.querySelectorAll('script').length") == 0,
                  "overview: no script at all (the planted one stays text)")
            shoot(d, out, "2-overview")

            # ---- drill into a village ----
            d.find_element(By.CSS_SELECTOR, "a[href='/region/441602001001']").click()
            wait_for(lambda: "/region/441602001001" in d.current_url, "the village page")
            links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a[href^='/household/']")]
            check(any(x.endswith("/household/1") for x in links) and
                  not any(x.endswith("/household/2") for x in links), "village: its own households", str(links))
            shoot(d, out, "3-village")

            # ---- a household ----
            d.find_element(By.CSS_SELECTOR, "a[href='/household/1']").click()
            wait_for(lambda: d.find_elements(By.ID, "findings"), "the household page")
            page = d.find_element(By.TAG_NAME, "main").text
            check("441602********0011" in page and "441602198001010011" not in page,
                  "household: the member's resident ID masked")
            shoot(d, out, "4-household")

            # ---- accept a finding ----
            row = d.find_element(By.CSS_SELECTOR, "tr.finding[data-state='open'] details.decide")
            fid = int(row.find_element(By.XPATH, "./ancestor::tr").get_attribute("id").split("-")[1])
            row.find_element(By.TAG_NAME, "summary").click()
            form = row.find_element(By.CSS_SELECTOR, "form[action$='/accept']")
            due = form.find_element(By.NAME, "due")
            d.execute_script("arguments[0].value = '2018-09-30'", due)
            form.find_element(By.NAME, "note").send_keys("浏览器采纳")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr#finding-%d[data-state='accepted']" % fid),
                     "the finding shown as accepted", detail=lambda: d.page_source[-2000:])
            state = d.find_element(By.CSS_SELECTOR, "tr#finding-%d td.state" % fid).text
            check("已采纳" in state, "accept: the page says 已采纳", state)
            row = env.row("SELECT f.state, f.decided_by, f.decision_note, t.due FROM finding f"
                          " JOIN task t ON t.id = f.task_id WHERE f.id = ?", (fid,))
            check(row == ("accepted", "town1", "浏览器采纳", "2018-09-30"), "accept: recorded with its task",
                  str(row))
            shoot(d, out, "5-accepted")

            # ---- acknowledge an alert ----
            d.get(base + "/alerts")
            tr = d.find_element(By.ID, "alert-500")
            tr.find_element(By.NAME, "note").send_keys("已约谈")
            tr.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr#alert-500[data-state='acked']"),
                     "the alert shown as acknowledged", detail=lambda: d.page_source[-2000:])
            check("已确认" in d.find_element(By.CSS_SELECTOR, "tr#alert-500 td.state").text,
                  "ack: the page says 已确认")
            check(env.row("SELECT state, acked_by, ack_note FROM alert WHERE id = 500") ==
                  ("acked", "town1", "已约谈"), "ack: recorded")
            shoot(d, out, "6-alerts")

            # ---- export a worklist ----
            d.get(base + "/worklist")
            check("工作清单" in d.find_element(By.TAG_NAME, "h1").text, "worklist page")
            shoot(d, out, "7-worklist")
            d.find_element(By.CSS_SELECTOR, "a.export[href*='format=csv']").click()
            got = wait_for(lambda: [p for p in glob.glob(os.path.join(downloads, "*.csv"))
                                    if os.path.getsize(p) > 0], "the CSV download")
            time.sleep(0.5)  # Chromium renames the partial file when done
            with open(got[0], encoding="utf-8-sig") as f:
                csv = f.read()
            check("浏览器采纳" in csv and "西户" not in csv, "the download: the town's worklist", csv[:300])
        finally:
            d.quit()
        env.stop()
    print("screenshots in " + out)
    return check.done()


if __name__ == "__main__":
    sys.exit(main())
