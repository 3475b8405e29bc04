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
