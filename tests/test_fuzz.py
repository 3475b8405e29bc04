"""Property-based: whatever arrives at the API, the answer is a 2xx, or a 4xx with a JSON error.

Random bytes, mutated and truncated real images, and random JSON bodies, a few thousand cases.
"""

import base64
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from webapp import create_app
from webapp.config import TestConfig

ENDPOINTS = ["/api/predict", "/api/shares"]
FUZZ = settings(max_examples=600, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    from tests.conftest import MODELS_DIR
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app(TestConfig(MODELS_DIR=MODELS_DIR, MAX_CONTENT_LENGTH=2 * 1024 * 1024,
                                DATABASE_URL=f"sqlite:///{folder / 'shares.sqlite3'}"))
    return app.test_client()


def seeds():
    rng = np.random.default_rng(0)
    pixels = np.full((64, 64), 255, np.uint8)
    pixels[10:54, 28:36] = 0
    out = []
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "WEBP"):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format=fmt)
        out.append(buffer.getvalue())
    out.append(rng.integers(0, 256, 500, dtype=np.uint8).tobytes())
    return out


SEEDS = seeds()


@st.composite
def mutated_images(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    cut = draw(st.integers(1, len(data)))
    return bytes(data[:cut]) if draw(st.booleans()) else bytes(data)


def check(response):
    assert response.status_code < 500, response.data[:200]
    if response.status_code >= 400:
        assert response.is_json and isinstance(response.json.get("error"), str)


@FUZZ
@given(data=st.one_of(mutated_images(), st.binary(max_size=2000)),
       endpoint=st.sampled_from(ENDPOINTS),
       filename=st.sampled_from(["a.png", "a.jpg", "x", "../../etc/passwd", "a.pdf"]),
       mimetype=st.sampled_from(["image/png", "image/jpeg", "application/pdf", "text/plain"]))
def test_uploaded_files(fuzz_client, data, endpoint, filename, mimetype):
    check(fuzz_client.post(endpoint, data={"image": (io.BytesIO(data), filename, mimetype)},
                           content_type="multipart/form-data"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=10)


@FUZZ
@given(image=st.one_of(
           json_values,
           mutated_images().map(lambda d: "data:image/png;base64," + base64.b64encode(d).decode()),
           st.text(max_size=300).map(lambda t: "data:image/png;base64," + t)),
       top=st.one_of(st.none(), json_values), charset=st.one_of(st.none(), json_values),
       endpoint=st.sampled_from(ENDPOINTS))
def test_json_bodies(fuzz_client, image, top, charset, endpoint):
    body = {"image": image}
    if top is not None:
        body["top"] = top
    if charset is not None:
        body["charset"] = charset
    check(fuzz_client.post(endpoint, json=body))


@FUZZ
@given(body=st.binary(max_size=3000), content_type=st.sampled_from(
    ["application/json", "image/png", "text/plain", "multipart/form-data",
     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""]),
       endpoint=st.sampled_from(ENDPOINTS))
def test_raw_bodies(fuzz_client, body, content_type, endpoint):
    check(fuzz_client.post(endpoint, data=body, content_type=content_type))
