"""Test characters the way users submit them: canvas drawings and phone photos of paper.

Every rendering starts from a test-split image (never a training image) and is fixed by its
index and a seed, so the "as submitted" test sets are the same on every machine. Each one is
encoded as the file a browser or phone would send (PNG or JPEG bytes) and scored through the
same path as the web app: bytes -> hcr.imageio.decode -> hcr.preprocess.to_model -> LiteRT.

    hcr make-realworld --out realworld/ --count 500     # write the files, to look at them
    hcr evaluate                                        # scores clean, canvas and photo
"""

import io
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage.morphology import skeletonize

from hcr import imageio, preprocess
from hcr.charset import LABELS

SEED = 2026
KINDS = ("clean", "canvas", "photo")
# Test images per kind that `hcr evaluate` renders and scores: the first N of the test split
# (all 62 classes). Every kind uses the same N images, so the gaps compare like with like.
# 5,000, not fewer: clean and canvas disagree on about 4% of images, so the standard error of
# the gap is about 0.3 point here against 0.6 on 1,000 images, too coarse for a 1-point target.
DEFAULT_COUNT = 5000
GALLERY_COUNT = 16
PEN_RANGE = (0.012, 0.16)  # canvas pen widths, as a share of the character's box


def _rng(kind, index):
    return np.random.default_rng([SEED, KINDS.index(kind), int(index)])


def smooth_shape(glyph, size):
    """The test character's ink as a smooth float mask `size` pixels wide, (0..1)."""
    big = cv2.resize(glyph.astype(np.float32) / 255.0, (size, size),
                     interpolation=cv2.INTER_CUBIC)
    return np.clip(big, 0.0, 1.0)


def redraw_with_pen(mask, width):
    """The same strokes redrawn with a round pen `width` pixels wide (hairline to marker):
    the centre line of the character (its skeleton), dilated by the pen."""
    skeleton = skeletonize(mask > 0.5).astype(np.uint8)
    pen = max(1, int(round(width)))
    if pen <= 1:
        return skeleton.astype(np.float32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen))
    return cv2.dilate(skeleton, kernel).astype(np.float32)


def draw_along_centre_line(glyph, size, pen_share):
    """The glyph drawn `size` pixels wide along its centre line with a round pen `pen_share`
    of the size wide; anti-aliased as a browser draws it: at twice the size, then
    area-downsampled. (0..1) float."""
    shape = smooth_shape(glyph, 2 * size)
    ink = redraw_with_pen(shape, max(2 * size * pen_share, 2.0))
    return cv2.resize(ink, (size, size), interpolation=cv2.INTER_AREA)


def draw_with_pen(glyph, size, rng):
    """draw_along_centre_line with a random pen, from a hairline to a marker (PEN_RANGE of
    the size, log-uniform)."""
    pen_share = float(np.exp(rng.uniform(np.log(PEN_RANGE[0]), np.log(PEN_RANGE[1]))))
    return draw_along_centre_line(glyph, size, pen_share)


def browser_png(rgba_or_gray):
    """PNG bytes as a browser's canvas export writes them: zlib at its default level (what
    Pillow writes). hcr.imageio.encode_png favours speed instead; for what users send, the
    size and the cost of decoding should be a browser's."""
    buffer = io.BytesIO()
    Image.fromarray(rgba_or_gray).save(buffer, format="PNG")
    return buffer.getvalue()


def render_clean(glyph, index):
    """The test image itself as a 28x28 PNG (white ink on black, as EMNIST stores it)."""
    return browser_png(glyph)


def render_canvas(glyph, index):
    """A browser-canvas drawing: 280-600 px canvas, the character 30-90% of it, anywhere;
    hairline to marker strokes; dark on light, light on dark, coloured, or ink in the alpha
    channel of a transparent PNG; anti-aliased."""
    rng = _rng("canvas", index)
    canvas = int(rng.integers(280, 601))
    size = int(canvas * rng.uniform(0.3, 0.9))
    ink = draw_with_pen(glyph, size, rng)
    alpha = np.zeros((canvas, canvas), np.float32)
    y, x = rng.integers(0, canvas - size + 1, size=2)
    alpha[y:y + size, x:x + size] = ink

    style = rng.choice(["dark on light", "light on dark", "colour", "transparent"],
                       p=[0.4, 0.2, 0.2, 0.2])
    if style == "transparent":
        colour = rng.integers(0, 256, 3)
        image = np.zeros((canvas, canvas, 4), np.uint8)
        image[..., :3] = colour
        image[..., 3] = np.round(alpha * 255).astype(np.uint8)
        return browser_png(image)
    if style == "dark on light":
        paper, pen = np.array([255, 255, 255]), rng.integers(0, 60, 3)
    elif style == "light on dark":
        paper, pen = rng.integers(0, 50, 3), np.array([255, 255, 255])
    else:
        paper = rng.integers(200, 256, 3)
        pen = rng.integers(0, 256, 3)
        while abs(int(pen.mean()) - int(paper.mean())) < 90:  # still readable
            pen = rng.integers(0, 256, 3)
    image = paper[None, None, :] * (1 - alpha[..., None]) + pen[None, None, :] * alpha[..., None]
    return browser_png(np.round(image).astype(np.uint8))


def render_photo(glyph, index):
    """A phone photo of the character on paper: texture and colour, uneven light and a soft
    shadow, ruled lines and specks, up to 10 degrees of rotation and a mild perspective tilt,
    slight blur, JPEG at quality 60-90, the character 5-40% of the frame."""
    rng = _rng("photo", index)
    h, w = (1200, 1600) if rng.random() < 0.5 else (1600, 1200)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)

    paper = rng.uniform(200, 250) + rng.uniform(-12, 12, 3)            # white to cream
    texture = cv2.GaussianBlur(6 * rng.standard_normal((h, w), dtype=np.float32), (0, 0), 1.2)
    image = np.repeat(texture[..., None], 3, axis=2) + paper[None, None, :].astype(np.float32)
    if rng.random() < 0.5:                                               # ruled paper
        spacing = rng.uniform(45, 80)
        offset = rng.uniform(0, spacing)
        lines = np.abs(((yy - offset) % spacing) - spacing / 2) > spacing / 2 - 1.5
        image[lines] = image[lines] * 0.25 + np.array([150, 185, 225]) * 0.75

    area = rng.uniform(0.05, 0.4) * h * w                                # character box area
    size = int(min(np.sqrt(area), 0.95 * min(h, w)))
    shape = smooth_shape(glyph, size)
    stroke = redraw_with_pen(shape, size * rng.uniform(0.06, 0.14))
    stroke = cv2.GaussianBlur(stroke, (0, 0), max(0.8, size / 300))
    y = int(rng.integers(0, h - size + 1))
    x = int(rng.integers(0, w - size + 1))
    ink = rng.choice([np.array([20, 20, 25]), np.array([25, 35, 110]), np.array([70, 70, 70])])
    strength = rng.uniform(0.75, 0.95)
    region = image[y:y + size, x:x + size]
    a = (stroke * strength)[..., None]
    image[y:y + size, x:x + size] = region * (1 - a) + ink[None, None, :] * a

    for _ in range(int(rng.integers(0, 12))):                           # specks of dirt
        cv2.circle(image, (int(rng.integers(0, w)), int(rng.integers(0, h))),
                   int(rng.integers(1, 4)), tuple(float(v) for v in rng.uniform(60, 140, 3)), -1)

    # Uneven light: a tilted gradient, plus a soft shadow (a hand or the phone) somewhere.
    gx, gy = rng.uniform(-0.35, 0.35, 2)
    light = 1.0 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    radius = rng.uniform(0.3, 0.7) * max(h, w)
    shadow = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius ** 2)))
    light = light * (1 - rng.uniform(0.0, 0.35) * shadow)
    image *= light[..., None]

    # Held not quite straight: rotation up to 10 degrees and a mild perspective tilt.
    angle = rng.uniform(-10, 10)
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    tilt = corners + rng.uniform(-0.04, 0.04, (4, 2)).astype(np.float32) * [w, h]
    tilt = cv2.transform(tilt[None], rotation)[0].astype(np.float32)
    warp = cv2.getPerspectiveTransform(corners, tilt)
    border = tuple(float(v) for v in paper * 0.9)
    image = cv2.warpPerspective(np.clip(image, 0, 255, out=image), warp, (w, h),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                borderValue=border)
    image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.4))
    image += 2.5 * rng.standard_normal(image.shape, dtype=np.float32)     # sensor noise
    buffer = io.BytesIO()
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
        buffer, format="JPEG", quality=int(rng.integers(60, 91)))
    return buffer.getvalue()


RENDERERS = {"clean": render_clean, "canvas": render_canvas, "photo": render_photo}


def render(kind, glyph, index):
    return RENDERERS[kind](glyph, index)


def make_realworld(out_dir, test, count, kinds=KINDS):
    """Write the renderings of the first `count` test images: <kind>/<index>-<char>.<ext>."""
    out_dir = Path(out_dir)
    for kind in kinds:
        folder = out_dir / kind
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(min(count, len(test.images))):
            data = render(kind, test.images[index], index)
            ext = "jpg" if data[:2] == b"\xff\xd8" else "png"
            (folder / f"{index:05d}-{LABELS[test.labels[index]]}.{ext}").write_bytes(data)
    return out_dir


def _model_input(job):
    """(kind, glyph, index) -> (28x28 model input or None when no ink was found, the bytes)."""
    kind, glyph, index = job
    data = render(kind, glyph, index)
    try:
        return preprocess.to_model(imageio.decode(data)), data
    except imageio.ImageError:
        return None, data


def model_inputs(kind, images, processes=None):
    """Render each image as `kind` and run it through the serving path's decode + preprocess.

    Returns (inputs (n, 28, 28), found (n,) bool, submitted bytes); rendering runs on every
    core (LiteRT is not involved, so forking is safe).
    """
    jobs = [(kind, image, index) for index, image in enumerate(images)]
    with Pool(processes) as pool:
        results = pool.map(_model_input, jobs, chunksize=16)
    found = np.array([r[0] is not None for r in results])
    inputs = np.stack([r[0] if r[0] is not None else np.zeros((28, 28), np.float32)
                       for r in results])
    return inputs, found, [r[1] for r in results]


def thumbnail(data, side=160):
    """A submitted image as an RGB thumbnail (transparency shown on grey)."""
    pixels = imageio.decode(data)
    alpha = pixels[..., 3:].astype(np.float32) / 255
    rgb = pixels[..., :3] * alpha + 190 * (1 - alpha)
    return cv2.resize(rgb.astype(np.uint8), (side, side), interpolation=cv2.INTER_AREA)


def gallery(kind, test, path, count=GALLERY_COUNT, side=160):
    """A fixed montage of `kind` renderings (top) and what the model reads of each (below)."""
    rows = []
    for start in range(0, count, 8):
        tops, bottoms = [], []
        for index in range(start, start + 8):
            seen, data = _model_input((kind, test.images[index], index))
            tops.append(thumbnail(data, side))
            if seen is None:
                seen = np.zeros((28, 28), np.float32)
            seen = cv2.resize(preprocess.as_pixels(seen), (side, side),
                              interpolation=cv2.INTER_NEAREST)
            bottoms.append(cv2.cvtColor(seen, cv2.COLOR_GRAY2RGB))
        rows += [np.hstack(tops), np.hstack(bottoms)]
    Image.fromarray(np.vstack(rows)).save(path, optimize=True)
