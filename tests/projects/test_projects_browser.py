"""A real browser against `fnruntime local start-api`: Debian's headless chromium, driven by selenium, loads the page
of the jd-sca example's Flask app (behind JD's preinstalled jdcloud_wsgi_wrapper, on runtime:py37-jdcloud, Flask
installed into the function's folder as users do), submits its form and reads the result page.

Needs `chromium` and `chromium-driver` (Debian) and `selenium`: skipped locally without them, failed under CI."""
import fcntl
import os
import shutil
import sys

import pytest

from projectkit import StartedApi, require_images

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve"))
import servekit  # noqa: E402

pytestmark = pytest.mark.docker
FLASK_PACKAGES = ("flask", "werkzeug", "jinja2", "itsdangerous", "click", "markupsafe", "importlib_metadata", "zipp",
                  "typing_extensions.py")


@pytest.fixture(scope="module")
def flask37(request):
    """Flask for Python 3.7, from the suites' shared library cache (the `hostlibs` pins; pyenv's 3.7 installs it)."""
    root = servekit._ROOT
    interpreter = root.discover_pythons(os.environ)["3.7"]
    if interpreter.path is None:
        message = root.missing_python_message("3.7", interpreter.looked_at)
        pytest.fail(message) if root.pythons_required(os.environ) else pytest.skip(message)
    target = os.path.join(root.HOSTLIBS, interpreter.tag)
    os.makedirs(root.HOSTLIBS, exist_ok=True)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = os.path.join(target, ".pins")
        if not os.path.exists(stamp) or open(stamp).read().strip() != root._pins_digest("3.7"):
            root._install_hostlibs(interpreter, target)
    return target


# The headless chromium of the serve suite's browser test, one fixture for both (imported: pytest uses it here).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve"))
from test_serve_browser import browser  # noqa: E402,F401


def test_a_flask_page_served_by_start_api_submits_its_form(project_copy, flask37, browser, docker_engine, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    require_images(docker_engine, "runtime:py37-jdcloud")
    project = project_copy("jd-sca")
    for name in FLASK_PACKAGES:  # what `pip install -r requirements.txt -t web/` puts there
        source = os.path.join(flask37, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, str(project / "web" / name))
    for folder, dirs, files in os.walk(str(project)):
        os.chmod(folder, 0o755)
        for entry in files:
            os.chmod(os.path.join(folder, entry), 0o644)
    api = StartedApi(project / "template.yaml", log_path=str(tmp_path / "start-api.log"))
    try:
        browser.get(api.url + "/")
        assert browser.title == "Greeter", browser.page_source[:1000] + api.stderr()[-3000:]
        browser.find_element(By.ID, "name").send_keys(u"Zoë & <Ann>")
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "greeting")))
        assert browser.title == "Greeting"
        assert browser.find_element(By.ID, "greeting").text == u"Hello, Zoë & <Ann>!"
        log = api.stderr()
        assert '"POST /invoke HTTP/1.1" 200' in log and "[web]" in log
    finally:
        assert api.stop() == 0
