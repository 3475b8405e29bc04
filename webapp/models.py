"""The model folders under HCR_MODELS_DIR, each loaded at most once per worker process."""

import json
import threading
from pathlib import Path

from hcr.runtime import Recognizer

# Files of a model folder that the dashboard may serve.
PUBLIC_FILES = ("training_curves.png", "confusion_matrix.png", "misclassified.png",
                "confused_pairs.png", "realworld_examples.png", "MODEL_CARD.md",
                "metrics.json")


class ModelUnavailable(LookupError):
    """No model folder to serve from (answered 503)."""


class ModelRegistry:
    def __init__(self, models_dir, default):
        self.models_dir = Path(models_dir)
        self.default = default
        self._recognizers = {}
        self._default_loaded = None
        self._lock = threading.Lock()

    def names(self):
        if not self.models_dir.is_dir():
            return []
        return sorted(p.name for p in self.models_dir.iterdir()
                      if (p / "model.tflite").is_file() and (p / "labels.json").is_file())

    def exists(self, name):
        return name in self.names()

    def default_name(self):
        names = self.names()
        return self.default if self.default in names else (names[0] if names else None)

    def recognizer(self, name=None):
        """The loaded model (the default one for None). Once loaded, a model is served from
        memory: the models folder is listed only the first time, not on every request."""
        with self._lock:
            if name is None:
                self._default_loaded = self._default_loaded or self.default_name()
                name = self._default_loaded
            if name not in self._recognizers:
                if name is None or not self.exists(name):
                    raise ModelUnavailable(
                        f"no model is available to serve ({name or 'none found'})")
                self._recognizers[name] = Recognizer(self.models_dir / name)
            return self._recognizers[name]

    def _json(self, name, filename):
        path = self.models_dir / name / filename
        return json.loads(path.read_text()) if self.exists(name) and path.is_file() else None

    def metrics(self, name):
        return self._json(name, "metrics.json")

    def training(self, name):
        return self._json(name, "training.json")

    def public_file(self, name, filename):
        if filename not in PUBLIC_FILES or not self.exists(name):
            return None
        path = self.models_dir / name / filename
        return path if path.is_file() else None
