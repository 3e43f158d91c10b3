"""The app served for real on 127.0.0.1 (an ephemeral port, a thread), for browser tests."""
import threading
from contextlib import contextmanager

# A live app runs as in production (not TESTING), so its key must be long enough to be accepted.
SECRET_KEY = "browser-tests-" + "k" * 32


@contextmanager
def serving(app, *, dispose=True):
    """Yield the base URL of app served in a background thread; stop it (and close the app's
    database connections, unless dispose=False: the app belongs to another fixture) afterwards."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        if dispose:
            app.extensions["planner.engine"].dispose()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium():
    """Headless Debian Chromium driven by Playwright (PLANNER_CHROMIUM, else /usr/bin/chromium)."""
    import os

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("PLANNER_CHROMIUM") or "/usr/bin/chromium",
                                    args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
