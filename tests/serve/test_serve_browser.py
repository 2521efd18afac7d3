"""A real browser against `--serve http:... --api-gateway` (jdcloud profile) on the real 2.7, 3.6 and 3.7 interpreters:
Debian's headless chromium, driven by selenium through chromedriver, loads a page served by the real
`jdcloud_wsgi_wrapper.wsgi_run`, once from a Flask app and once from a Django project, fills in and submits its form,
and the rendered result page is checked (twice, so the warm instance's state shows too).

Needs `chromium` and `chromium-driver` (Debian) and `selenium` (dev dependencies); without them the test is skipped
locally and fails under CI.
"""
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--disable-quic",
                  "--disable-default-apps", "--disable-extensions")


def missing(reason):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def browser(tmp_path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed: pip install selenium (it is in the dev dependencies)")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            missing("%s not found: apt-get install chromium chromium-driver (%s)" % (path, package))
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + ("--user-data-dir=%s" % (tmp_path / "chromium-profile"),):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("app", ["flask_form", "django_form"])
def test_browser_loads_a_page_and_submits_its_form(serve, python, hostlibs, browser, app):
    """The same page and form as a Flask app and as a Django project (tests/functions/flask_form, django_form)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    served = serve("http", app, args=["--api-gateway", "--provider", "jdcloud"], handler="index.handler",
                   env={"PYTHONPATH": hostlibs})
    browser.get("http://%s:%d/" % served.host_port)
    assert browser.title == "Greeter", browser.page_source[:500]
    for round_number, (name, colour) in enumerate([(u"Wörld", "blue"), (u"Ada & <Bob>", "green")], 1):
        field = browser.find_element(By.ID, "name")
        field.clear()
        field.send_keys(name)
        Select(browser.find_element(By.ID, "colour")).select_by_value(colour)
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "greeting")))
        assert browser.title == "Greeting"
        assert browser.find_element(By.ID, "greeting").text == u"Hello, %s!" % name
        assert browser.find_element(By.ID, "colour").text == "Your colour: %s" % colour
        assert browser.find_element(By.ID, "served").text == "Greetings served: %d" % round_number
        browser.find_element(By.ID, "back").click()
        WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "greet")))
    log = served.stderr()
    assert '"POST /greet HTTP/1.1" 200' in log and '"GET / HTTP/1.1" 200' in log, log[-2000:]
