"""A real browser: Playwright drives Debian's chromium against the app on 127.0.0.1.

Draws a character with the mouse, uploads a photo, shares the result and opens the link in a
fresh browser context; keeps screenshots of each page in docs/screenshots/.
"""

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Chromium may not reach anything but this machine: keep it from trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from webapp import create_app
    from webapp.config import TestConfig

    folder = tmp_path_factory.mktemp("live")
    from tests.conftest import MODELS_DIR
    app = create_app(TestConfig(MODELS_DIR=MODELS_DIR,
                                DATABASE_URL=f"sqlite:///{folder / 'shares.sqlite3'}"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (./test.sh does)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def draw_letter_l(page):
    """An 'L', drawn the way a person does: a stroke down, then a stroke right."""
    box = page.get_by_test_id("draw-canvas").bounding_box()
    x, y, side = box["x"], box["y"], box["width"]
    page.mouse.move(x + 0.35 * side, y + 0.2 * side)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x + 0.35 * side, y + (0.2 + 0.6 * i / 20) * side)
    for i in range(1, 21):
        page.mouse.move(x + (0.35 + 0.35 * i / 20) * side, y + 0.8 * side)
    page.mouse.up()


def test_draw_upload_share_and_open_the_link(browser, live_server, letter_png, tmp_path):
    expect = playwright_api.expect
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 820},
                                  device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Draw: the prediction appears by itself shortly after the stroke ends.
    page.goto(live_server + "/")
    draw_letter_l(page)
    prediction = page.get_by_test_id("prediction")
    expect(prediction).not_to_be_empty(timeout=10_000)
    expect(page.get_by_test_id("top-k").locator("li")).to_have_count(5)
    assert page.get_by_test_id("model-input").get_attribute("src").startswith("data:image/png")
    drawn = prediction.text_content()
    assert drawn in ("L", "l", "1", "I", "i", "t", "r"), drawn  # an L, or a near reading
    page.screenshot(path=SCREENSHOTS / "draw.png")

    # Undo empties the pad and hides the result; drawing again brings it back.
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("result")).to_be_hidden()
    draw_letter_l(page)
    expect(prediction).not_to_be_empty(timeout=10_000)

    # Share from the canvas and open the link in a fresh browser context.
    page.get_by_test_id("share-button").click()
    share_url = page.get_by_test_id("share-url")
    expect(share_url).to_have_value(re.compile(r"/s/[\w-]{22}$"))
    url = share_url.input_value()
    other = browser.new_context(viewport={"width": 1100, "height": 820})
    shared = other.new_page()
    shared.goto(url)
    expect(shared.get_by_test_id("prediction")).to_have_text(prediction.text_content())
    expect(shared.get_by_test_id("qr")).to_be_visible()
    assert shared.locator('meta[property="og:image"]').get_attribute("content").endswith(
        "/image.png")
    shared.screenshot(path=SCREENSHOTS / "share.png")
    other.close()

    # Upload a photo: the result appears in place.
    photo = tmp_path / "r.png"
    photo.write_bytes(letter_png[0])
    page.goto(live_server + "/upload")
    page.get_by_test_id("upload-input").set_input_files(str(photo))
    expect(page.get_by_test_id("prediction")).to_have_text(letter_png[1], timeout=10_000)
    page.screenshot(path=SCREENSHOTS / "upload.png")

    page.goto(live_server + "/dashboard")
    expect(page.get_by_test_id("headline")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "dashboard.png")
    context.close()
    assert not errors, errors


def test_upload_form_works_without_javascript(browser, live_server, letter_png, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    photo = tmp_path / "r.png"
    photo.write_bytes(letter_png[0])
    page.goto(live_server + "/upload")
    page.get_by_test_id("upload-input").set_input_files(str(photo))
    page.get_by_role("button", name="Recognise").click()
    playwright_api.expect(page.get_by_test_id("prediction")).to_have_text(letter_png[1])
    context.close()
