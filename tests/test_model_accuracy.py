"""Regression guard: the shipped model on a fixed 2,000-image slice of the test split.

Floors sit a little under what the shipped model measured on this slice, so a change that
loses accuracy fails here. (Full-split figures: models/emnist-byclass/metrics.json.)
"""

import numpy as np
import pytest

from hcr import imageio, preprocess
from hcr.charset import FOLDED

SLICE = slice(0, 2000)
# Measured on this slice: exact 85.15%, merged 89.20%, top-3 98.95%, through bytes 85.05%.
FLOORS = {"exact": 0.84, "merged": 0.88, "top3": 0.985, "through_bytes": 0.84}


@pytest.fixture(scope="module")
def slice_(test_split):
    return test_split.images[SLICE], test_split.labels[SLICE]


def test_litert_model_accuracy_floor(recognizer, slice_):
    images, labels = slice_
    probabilities = recognizer.model.probabilities(images.astype(np.float32) / 255)
    predicted = probabilities.argmax(axis=1)
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    assert (predicted == labels).mean() >= FLOORS["exact"]
    assert (FOLDED[predicted] == FOLDED[labels]).mean() >= FLOORS["merged"]
    assert (top3 == labels[:, None]).any(axis=1).mean() >= FLOORS["top3"]


def test_accuracy_through_the_serving_path(recognizer, slice_):
    """The same images as PNG files of dark ink on white: decode -> preprocess -> LiteRT."""
    images, labels = slice_
    inputs = [preprocess.to_model(imageio.decode(imageio.encode_png(255 - image)))
              for image in images]
    predicted = recognizer.model.probabilities(np.array(inputs)).argmax(axis=1)
    assert (predicted == labels).mean() >= FLOORS["through_bytes"]
