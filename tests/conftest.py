"""Fixtures: the app and its client (as in Flask's tutorial), the shipped model, test images."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hcr.data import DEFAULT_DATA_DIR, load_test
from webapp import create_app
from webapp.config import TestConfig

ROOT = Path(__file__).resolve().parent.parent
# The shipped model; HCR_TEST_MODELS_DIR points the tests at another models folder.
MODELS_DIR = Path(os.environ.get("HCR_TEST_MODELS_DIR", ROOT / "models"))
MODEL_DIR = MODELS_DIR / "emnist-byclass"


@pytest.fixture(scope="session")
def test_split():
    """The fixed test split of ../shared/data (read-only; never trained on)."""
    if not DEFAULT_DATA_DIR.exists():
        pytest.fail(f"EMNIST data not found at {DEFAULT_DATA_DIR}")
    return load_test()


@pytest.fixture(scope="session")
def recognizer():
    from hcr.runtime import Recognizer
    return Recognizer(MODEL_DIR)


def png_bytes(pixels, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, format="PNG") if mode else \
        Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def letter_png(test_split):
    """A real test-split 'R' as a user would send it: dark ink on white paper, 112 px."""
    index = 0
    image = 255 - np.kron(test_split.images[index], np.ones((4, 4), np.uint8))
    return png_bytes(image), "R"


@pytest.fixture
def app(tmp_path):
    config = TestConfig(MODELS_DIR=MODELS_DIR,
                        DATABASE_URL=f"sqlite:///{tmp_path / 'shares.sqlite3'}")
    app = create_app(config)
    app.instance_path = str(tmp_path)
    yield app


@pytest.fixture
def client(app):
    return app.test_client()
