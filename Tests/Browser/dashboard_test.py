"""The dashboard in a real browser (Debian's chromium, driven by selenium), against `stepflow demo --approvals --serve`.

    python Tests/Browser/dashboard_test.py BASE_URL ARTEFACTS_DIR

It opens the overview, filters the process list to waiting processes, opens a production application waiting for
its approval, sends the approval from the page's form and sees the process move on without a reload, then cancels
another application with a reason and sees its compensation (closing the pull request) appear in the timeline. A
screenshot of each page is saved in ARTEFACTS_DIR.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = sys.argv[1].rstrip("/")
ARTEFACTS = sys.argv[2]
WAIT = 180  # seconds: the demo runs at --time-scale 20, so a merge takes up to 50 seconds
# Seconds for a page or a form's answer. A CI run on the shared 2-core machine once stored a cancel's signal 10 s after the
# click, while the page live-refreshed a 237-step process; the answer itself is still required.
ACTION_WAIT = 30
# Live updates replace parts of the page while a wait reads them: an element found a moment ago may be gone.
REPLACED = (NoSuchElementException, StaleElementReferenceException)


def wait(driver, seconds):
    """A wait that tries again when the element it read was replaced by a live update."""
    return WebDriverWait(driver, seconds, ignored_exceptions=REPLACED)


def cancellation_taken(driver):
    """Whether the process page shows that a cancellation was accepted."""
    source = driver.page_source
    return "Cancellation requested" in source or "stepflow.cancel" in source or ">cancelled<" in source


def retrying(action, attempts=5):
    """Runs `action` again (at most `attempts` times) when a live update replaced an element it used."""
    for attempt in range(attempts):
        try:
            return action()
        except StaleElementReferenceException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=10) as response:
        return json.load(response)


def processes(**filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return api("/api/v1/processes?limit=500&" + query)["processes"]


def wait_for(description, predicate, timeout=WAIT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {description}")


def shot(driver, name):
    path = os.path.join(ARTEFACTS, name + ".png")
    driver.save_screenshot(path)
    print(f"screenshot: {path}", flush=True)


def main():
    os.makedirs(ARTEFACTS, exist_ok=True)
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        run(driver)
    except Exception:
        shot(driver, "failure")
        raise
    finally:
        driver.quit()


def run(driver):
    # 1. The overview.
    driver.get(BASE + "/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Overview"
    assert "deploy.v2" in driver.page_source
    shot(driver, "1-overview")

    # 2. Filter to waiting processes with the list's form; the filter is in the URL.
    driver.get(BASE + "/processes")
    Select(driver.find_element(By.NAME, "status")).select_by_value("waiting")
    driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait(driver, ACTION_WAIT).until(lambda d: "status=waiting" in d.current_url)

    # 3. A production application waiting for its approval (every fifth application is one).
    step = "deploy.v2/shouldDeployCase/steps/approvalRequiredCase/steps/approvalAwaitSignal"
    waiting = wait_for("a production application waiting for approval",
                       lambda: [p for p in processes(status="waiting") if p["step"] == step])
    app = waiting[0]["id"]
    driver.get(driver.current_url)  # the list as it is now
    shot(driver, "2-waiting-processes")
    driver.find_element(By.LINK_TEXT, app).click()
    wait(driver, ACTION_WAIT).until(lambda d: d.find_element(By.ID, "process-step").text == step)
    shot(driver, "3-waiting-for-approval")

    # 4. Send the approval from the form (filled again if a live update replaced it meanwhile).
    def send_approval():
        Select(driver.find_element(By.NAME, "name")).select_by_visible_text("approval")
        payload = driver.find_element(By.NAME, "payload")
        payload.clear()
        payload.send_keys('{"by": "selenium", "comment": "looks good"}')
        driver.find_element(By.CSS_SELECTOR, "#signal-form button").click()
    retrying(send_approval)
    wait(driver, ACTION_WAIT).until(lambda d: "Signal sent." in d.page_source)

    # 5. The process moves on while the page stays (a marker set now would vanish with a reload).
    driver.execute_script("window.stepflowMarker = 42;")
    wait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "process-step").text not in (step, "") and "recordApproval" not in d.find_element(By.ID, "process-step").text)
    assert driver.execute_script("return window.stepflowMarker;") == 42, "the page was reloaded"
    assert "selenium" in retrying(lambda: driver.find_element(By.ID, "process-live").text)
    shot(driver, "4-approved-moved-on")

    # 6. Cancel another application whose pull request is open, with a reason; its compensation closes the pull
    # request and shows in the timeline, again without a reload.
    # A process may finish between the moment it is picked and the click: then the page shows the server's error
    # ("is completed and cannot be cancelled") and the test picks another.
    tried = set()
    for _ in range(5):
        victim = wait_for("an application waiting for its merge",
                          lambda: [p for p in processes(status="waiting,running") if p["id"] not in tried and p["id"] != app
                                   and p["step"] and p["step"].endswith("acceptedDeployRequestWaitFor")])[0]["id"]
        tried.add(victim)
        driver.get(BASE + "/processes/" + victim)
        def cancel():
            driver.find_element(By.CSS_SELECTOR, "#cancel-form input[name=reason]").send_keys("selenium: release frozen")
            driver.find_element(By.CSS_SELECTOR, "#cancel-form button").click()
        retrying(cancel)
        # The confirmation is shown once: a live update after the compensation's first step replaces it, and then
        # the stored cancellation signal (or the cancelled status) shows that the cancellation was taken.
        wait(driver, ACTION_WAIT).until(lambda d: cancellation_taken(d) or d.find_elements(By.ID, "action-error"))
        if not driver.find_elements(By.ID, "action-error"):
            break
        print(f"{victim} finished before the cancellation: {driver.find_element(By.ID, 'action-error').text}", flush=True)
    else:
        raise AssertionError("no process could be cancelled before it finished")
    driver.execute_script("window.stepflowMarker = 43;")
    wait(driver, WAIT).until(lambda d: "compensated" in d.find_element(By.ID, "timeline").text
                                      and d.find_element(By.ID, "process-status").text == "cancelled")
    assert driver.execute_script("return window.stepflowMarker;") == 43, "the page was reloaded"
    assert "selenium: release frozen" in driver.page_source
    shot(driver, "5-cancelled-compensated")

    # 7. The flow map.
    driver.get(BASE + "/flows")
    assert "approvalAwaitSignal" in driver.page_source
    shot(driver, "6-flow-map")
    print("browser test: passed", flush=True)


if __name__ == "__main__":
    main()
