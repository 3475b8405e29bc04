"""hcr: handwritten character recognition (digits, A-Z, a-z) from one image."""

from hcr.imageio import ImageError
from hcr.runtime import Prediction, Recognizer

__all__ = ["ImageError", "Prediction", "Recognizer"]
__version__ = "0.1.0"
