"""Serving: a model folder in, predictions out. Never imports TensorFlow.

LiteRT loads in milliseconds, uses a fraction of TensorFlow's memory and is safe to use after
a fork (gunicorn workers), which TensorFlow is not.
"""

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from hcr.charset import LABELS, charset_mask
from hcr.imageio import decode
from hcr.preprocess import to_model


class LiteRTModel:
    """One model.tflite: (n, 28, 28) float32 in [0, 1] -> (n, 62) probabilities."""

    def __init__(self, path, num_threads=1):
        self.path = Path(path)
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._batch = None
        # One interpreter runs one inference at a time; threads of one worker take turns.
        self._lock = threading.Lock()

    def probabilities(self, images, batch_size=256):
        images = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28, 1)
        out = []
        for start in range(0, len(images), batch_size):
            out.append(self._run(images[start:start + batch_size]))
        return np.concatenate(out) if out else np.zeros((0, len(LABELS)), np.float32)

    def _run(self, batch):
        with self._lock:
            if self._batch != len(batch):
                self._interpreter.resize_tensor_input(self._input, batch.shape)
                self._interpreter.allocate_tensors()
                self._batch = len(batch)
            self._interpreter.set_tensor(self._input, np.ascontiguousarray(batch))
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output).copy()


@dataclass
class Prediction:
    char: str
    confidence: float
    top: list  # [{"char": "A", "p": 0.97}, ...], most likely first
    model_input: np.ndarray = field(repr=False)  # the (28, 28) float32 image the model read

    def as_dict(self):
        return {"char": self.char, "confidence": self.confidence, "top": self.top}


def rank(probabilities, top=5, charset="any"):
    """Top-k characters of one probability vector, restricted to a charset and renormalised."""
    mask = charset_mask(charset)
    p = np.where(mask, probabilities, 0.0)
    total = p.sum()
    p = p / total if total > 0 else mask / mask.sum()
    order = np.argsort(-p, kind="stable")[:max(1, min(int(top), int(mask.sum())))]
    return [{"char": LABELS[i], "p": round(float(p[i]), 4)} for i in order]


class Recognizer:
    """A model folder (model.tflite + labels.json) ready to read characters.

    >>> Recognizer("models/emnist-byclass").predict_bytes(open("a.png", "rb").read()).char
    """

    def __init__(self, model_dir, num_threads=1):
        self.model_dir = Path(model_dir)
        self.name = self.model_dir.name
        labels = json.loads((self.model_dir / "labels.json").read_text())
        if "".join(labels) != LABELS:
            raise ValueError(f"{self.model_dir}: labels.json does not hold the 62 EMNIST labels")
        self.model = LiteRTModel(self.model_dir / "model.tflite", num_threads=num_threads)

    def predict_model_inputs(self, images, top=5, charset="any"):
        """(n, 28, 28) model inputs -> n Predictions."""
        probabilities = self.model.probabilities(images)
        out = []
        for image, p in zip(np.asarray(images, dtype=np.float32).reshape(-1, 28, 28),
                            probabilities):
            ranked = rank(p, top, charset)
            out.append(Prediction(ranked[0]["char"], ranked[0]["p"], ranked, image))
        return out

    def predict_pixels(self, rgba, top=5, charset="any"):
        return self.predict_model_inputs(to_model(rgba)[None], top, charset)[0]

    def predict_bytes(self, data, top=5, charset="any"):
        """Image file bytes -> Prediction. Raises hcr.imageio.ImageError subclasses."""
        return self.predict_pixels(decode(data), top, charset)
