"""Any picture of one character -> the 28x28 image the model reads, framed the way EMNIST was.

EMNIST (Cohen et al., 2017) made its images by blurring each NIST character, cropping it to the
ink's bounding box, centring that in a square frame with a 2-pixel border (aspect ratio kept)
and downsampling to 28x28. Measured on the data: the longest side of the ink spans 24 of the
28 pixels and strokes are about 2.4 px wide. `to_model` produces the same framing from a canvas
drawing or a phone photo:

1. ink: one channel in which ink is bright (ink drawn only in the alpha channel is used as is;
   dark ink on light paper is inverted), halved until it is at most MAX_WORK_SIDE pixels;
2. background: a large-scale estimate of the paper (uneven light, shadow) is subtracted;
3. mask: Otsu threshold, then connected components far from the character (specks, marks)
   are dropped;
4. crop to the character, thicken strokes that are thinner than EMNIST's, centre it in a
   square frame with EMNIST's border, and downsample to 28x28.

With debug=True it also returns every intermediate image, so what the model saw can be shown.
"""

import cv2
import numpy as np

from hcr.imageio import NoInk

MODEL_SIZE = 28
INK_SPAN = 24               # pixels of the 28 that the ink's longest side covers in EMNIST
TARGET_STROKE = 2.4 / 24    # EMNIST stroke width as a fraction of the ink's longest side
# Stroke width as measured here (twice the mean ridge distance of the mask, over the span) on
# EMNIST test images run through this path: 1st percentile 1.0, median 1.8, 99th 3.3 times
# TARGET_STROKE. Thinner than 0.75 or thicker than 3.3 is not EMNIST-like: brought back in.
THIN_STROKE, TYPICAL_STROKE, THICK_STROKE = 0.75, 1.8, 3.3
MIN_CONTRAST = 24           # grey levels between paper and ink below which there is no ink
INK_PIXELS = 40             # a character has at least this many pixels of ink
MAX_INK_FRACTION = 0.45     # more "ink" than this is noise or a photo of something else
SPECK_FRACTION = 0.02       # components smaller than this share of the ink are specks
MIN_KEPT_FRACTION = 0.3     # a character holds at least this share of what is thresholded
# Otsu's effectiveness (between-class / total variance): ink on paper splits cleanly (EMNIST:
# 0.75 at the least), noise does not (uniform or Gaussian noise: 0.65 to 0.66).
MIN_SEPARATION = 0.70
NOISE_FRACTION = 0.1        # ...judged only where that much of the image passes the threshold
HALF_INK = 0.4              # share of the ink's brightness a pixel needs to count as ink
MIN_CHARACTER_PX = 8        # a character's longest side spans at least this many pixels
# The ink is halved (area average) until its longer side is at most this: a character 30% of
# a canvas still spans 40 or more pixels for the 24 it gets at 28x28, and every later step
# costs a quarter as much per halving.
MAX_WORK_SIDE = 256


def histogram(image, mask=None):
    """Counts of each grey level of a uint8 image (only where `mask` is set, if given)."""
    return cv2.calcHist([np.ascontiguousarray(image)], [0], mask, [256], [0, 256]).ravel()


def level(image, share, counts=None):
    """The grey level below which `share` of the pixels lie (uint8 images; a histogram, not a
    sort, so it costs one pass)."""
    counts = histogram(image) if counts is None else counts
    return int(np.searchsorted(np.cumsum(counts), share * counts.sum()))


def level_from_top(image, pixels, counts=None):
    """The grey level of the `pixels`-th brightest pixel."""
    counts = histogram(image) if counts is None else counts
    from_top = np.cumsum(counts[::-1])
    return 255 - int(np.searchsorted(from_top, min(pixels, counts.sum())))


def ink_channel(rgba):
    """(h, w, 4) uint8 -> (h, w) uint8 in which ink is bright and paper dark."""
    alpha = rgba[..., 3]
    least_alpha = int(alpha.min())  # 255 for the usual opaque image: nothing more to check
    if least_alpha < 128 and cv2.countNonZero((alpha > 127).view(np.uint8)) < 0.5 * alpha.size:
        # Strokes on a transparent canvas: the alpha channel is the drawing, whatever the
        # colour of the ink (white ink on a transparent PNG included).
        return alpha.copy()
    gray = cv2.cvtColor(rgba, cv2.COLOR_RGBA2GRAY)
    if least_alpha < 255:
        # Partly transparent picture: flatten onto white paper.
        a = alpha.astype(np.float32) / 255.0
        gray = (gray * a + 255.0 * (1.0 - a)).astype(np.uint8)
    # Ink is the minority of the pixels: if the typical pixel (the paper) is light, the ink is
    # dark, so invert. The border is the best sample of the paper; the median of all pixels
    # backs it up when the character touches the border.
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    paper = 0.5 * (level(border, 0.5) + level(gray, 0.5))
    return 255 - gray if paper > 127 else gray


def remove_background(ink):
    """Subtract a smooth estimate of the paper, so uneven lighting and shadows go away.

    A grey-level opening with a window wider than any stroke erases the strokes and keeps
    the slowly varying background; it is computed at quarter size, which is enough for
    something that smooth and 16 times cheaper.
    """
    h, w = ink.shape
    if min(h, w) < 64:
        return ink  # a thumbnail-sized image has no lighting gradient worth removing
    small = cv2.resize(ink, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    window = max(3, min(small.shape) // 6) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    background = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel)
    # A Gaussian of sigma window/3, approximated by a stack blur: a fifth of the cost on
    # the wide kernel, and the background has no detail to lose.
    stack = int(round(1.55 * window)) | 1
    background = cv2.stackBlur(background, (stack, stack))
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.subtract(ink, background)


def separation(image, threshold):
    values = image.astype(np.float32).ravel()
    above = values > threshold
    share = above.mean()
    if share in (0.0, 1.0) or values.var() == 0:
        return 0.0
    gap = values[above].mean() - values[~above].mean()
    return float(share * (1 - share) * gap * gap / values.var())


def ink_mask(flat):
    """Threshold the flattened image; refuse one that holds no character."""
    # The paper is the bulk of the pixels; the ink may be a thin line covering a tiny share
    # of a big canvas, so judge it by its brightest few dozen pixels, not by a percentile.
    counts = histogram(flat)
    low, high = level(flat, 0.01, counts), level_from_top(flat, INK_PIXELS, counts)
    if high - low < MIN_CONTRAST:
        raise NoInk("no character found: the image is blank or has too little contrast")
    smooth = cv2.GaussianBlur(flat, (3, 3), 0)
    otsu, _ = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Ink is the brightest thing on the page: keep what reaches at least HALF_INK of its level,
    # so fainter marks (ruled lines, pencil smudges, paper texture) stay out even where Otsu
    # would take them in; and insist on real contrast above the paper.
    threshold = max(otsu, low + MIN_CONTRAST / 2, low + HALF_INK * (high - low))
    _, mask = cv2.threshold(smooth, threshold, 1, cv2.THRESH_BINARY)
    ink_share = cv2.countNonZero(mask) / mask.size
    if ink_share > NOISE_FRACTION and separation(smooth, otsu) < MIN_SEPARATION:
        raise NoInk("no single character found: the image looks like noise or texture")
    if ink_share > MAX_INK_FRACTION:
        raise NoInk("no single character found: the image looks like noise or a photo of "
                    "something else")
    if ink_share == 0:
        raise NoInk("no character found: the image is blank")
    return mask


def keep_character(mask):
    """Drop specks and marks away from the character; keep every part of the character.

    The character is the largest component plus every component of real size that lies
    near it (the dot of an i, a broken stroke).
    """
    # Counting the components alone is several times cheaper than measuring them, and one
    # piece of ink (the usual canvas drawing) needs no measuring.
    if cv2.connectedComponents(mask, connectivity=8)[0] <= 2:
        return mask
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    main = 1 + int(np.argmax(areas))
    x, y, w, h = stats[main, :4]
    reach = 0.5 * max(w, h)
    x0, y0, x1, y1 = x - reach, y - reach, x + w + reach, y + h + reach
    keep = np.zeros(count, dtype=bool)
    keep[main] = True
    for i in range(1, count):
        cx, cy, cw, ch, area = stats[i]
        near = cx < x1 and cx + cw > x0 and cy < y1 and cy + ch > y0
        keep[i] = near and area >= SPECK_FRACTION * areas.max()
    if areas[keep[1:]].sum() < MIN_KEPT_FRACTION * areas.sum() and count > 10:
        # Ink scattered in many small pieces with no shape standing out: noise or texture.
        raise NoInk("no single character found: the image looks like noise or texture")
    return keep[labels].astype(np.uint8)


def stroke_width(mask):
    """Typical stroke width in pixels: twice the mean distance to the edge, on the ridge."""
    # A zero border, so a crop that is ink from edge to edge still has an edge to measure to.
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)
    peak = cv2.compare(distance, cv2.dilate(distance, np.ones((3, 3), np.uint8)), cv2.CMP_GE)
    ridge = cv2.bitwise_and(peak, cv2.compare(distance, 0, cv2.CMP_GT))
    return 2.0 * cv2.mean(distance, mask=ridge)[0] if cv2.countNonZero(ridge) else 0.0


def frame(flat, mask):
    """Crop to the character, thicken thin strokes, centre with EMNIST's border, 28x28."""
    x0, y0, w, h = cv2.boundingRect(mask)
    span = max(h, w)
    if span < MIN_CHARACTER_PX and max(mask.shape) > 4 * MODEL_SIZE:
        raise NoInk("no character found: only a speck, too small to read")
    mask = mask[y0:y0 + h, x0:x0 + w]
    # Keep the ink's own grey levels (soft anti-aliased or blurred edges, like EMNIST's), but
    # only inside the (slightly grown) mask, so the paper's texture does not come along. The
    # crop is the mask's bounding box, so growing the cropped mask loses nothing.
    grown = cv2.dilate(mask, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                       borderValue=0)
    ink = cv2.bitwise_and(flat[y0:y0 + h, x0:x0 + w], flat[y0:y0 + h, x0:x0 + w], mask=grown)
    ink = cv2.normalize(ink, None, 0, 255, cv2.NORM_MINMAX)
    # Stretch so that the ink's core is full white, as in EMNIST.
    core = level(ink, 0.6, histogram(ink, mask))
    ink = cv2.convertScaleAbs(ink, alpha=255.0 / max(core, 1.0))

    width = stroke_width(mask)
    target = TARGET_STROKE * span
    if width < THIN_STROKE * target:
        # A hairline pen on a big canvas would shrink to a faint thread at 28x28.
        grow = int(round(target - width)) | 1
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    elif width > THICK_STROKE * target:
        # A marker closes the loops of an e or an o; EMNIST strokes vary little in width.
        shrink = int(round(width - TYPICAL_STROKE * target)) | 1
        ink = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (shrink, shrink)))

    # Square frame, character centred, border such that the longest side spans INK_SPAN.
    h, w = ink.shape
    side = int(round(span * MODEL_SIZE / INK_SPAN))
    pad_y, pad_x = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side), np.uint8)
    square[pad_y:pad_y + h, pad_x:pad_x + w] = ink
    while square.shape[0] > 4 * MODEL_SIZE:
        # EMNIST blurred before downsampling; a Gaussian pyramid step does both at once (and
        # costs a tenth of a wide blur), the area average does the rest.
        square = cv2.pyrDown(square)
    small = cv2.resize(square, (MODEL_SIZE, MODEL_SIZE),
                       interpolation=cv2.INTER_AREA if side >= MODEL_SIZE else cv2.INTER_LINEAR)
    return small


def as_pixels(model_input):
    """A (28, 28) float model input in [0, 1] -> uint8 pixels, to show or store it."""
    return np.round(model_input * 255).astype(np.uint8)


def to_model(rgba, debug=False):
    """(h, w, 4) uint8 RGBA (from hcr.imageio.decode) -> (28, 28) float32 in [0, 1].

    With debug=True returns (image, stages): stages maps a step's name to its uint8 image.
    Raises NoInk when there is no character to read.
    """
    if rgba.ndim == 2:
        rgba = np.dstack([rgba, rgba, rgba, np.full_like(rgba, 255)])
    ink = ink_channel(rgba)
    while max(ink.shape) > MAX_WORK_SIDE:
        h, w = ink.shape
        ink = cv2.resize(ink, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    flat = remove_background(ink)
    mask = keep_character(ink_mask(flat))
    small = frame(flat, mask)
    image = small.astype(np.float32) / 255.0
    if not debug:
        return image
    stages = {"ink": ink, "background removed": flat, "mask": mask * 255, "model input": small}
    return image, stages
