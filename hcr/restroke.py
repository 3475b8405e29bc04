"""Canvas re-strokes of training images (NumPy/OpenCV; no TensorFlow).

A character drawn on a canvas reaches the model as a pen-width line along the path the hand
took, then cropped and framed by hcr.preprocess. Re-stroking a training image — its centre
line drawn with a random pen, hairline to marker, then the serving path's framing — shows the
model that form of each training character. Made from train-pool images only; the test split's
canvas renderings (hcr.realworld) are made the same way from test images.
"""

from multiprocessing import Pool

import numpy as np

from hcr import imageio, preprocess
from hcr.realworld import draw_with_pen

SIZE = 112                  # the re-stroked character's box, pixels
MARGIN = 16


def restroke(image, rng):
    """One 28x28 uint8 training image -> its canvas re-stroke, as the model would see it."""
    ink = draw_with_pen(image, SIZE, rng)
    canvas = np.zeros((SIZE + 2 * MARGIN,) * 2, np.uint8)
    canvas[MARGIN:MARGIN + SIZE, MARGIN:MARGIN + SIZE] = np.round(ink * 255).astype(np.uint8)
    try:
        seen = preprocess.to_model(np.dstack([canvas] * 3 + [np.full_like(canvas, 255)]))
    except imageio.ImageError:
        return image  # nothing left to draw (a speck): keep the original
    return preprocess.as_pixels(seen)


def _restroke_chunk(job):
    images, seed = job
    rng = np.random.default_rng(seed)
    return np.stack([restroke(image, rng) for image in images])


def restroke_all(images, seed, processes=None, chunk=2000):
    """Re-stroke every image, on every core; deterministic for a seed."""
    jobs = [(images[i:i + chunk], [seed, i]) for i in range(0, len(images), chunk)]
    with Pool(processes) as pool:
        return np.concatenate(pool.map(_restroke_chunk, jobs))
