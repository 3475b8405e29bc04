"""Preprocessing: whatever the picture, the model input looks like the EMNIST character."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from hcr import imageio, preprocess


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.fixture(scope="module")
def glyph(test_split):
    """A real handwritten 'R' (test split), white ink on black, 28x28 in [0, 1]."""
    return test_split.images[0]


def place(glyph, canvas=400, size=200, at=(100, 100), ink_value=0, paper=255):
    """The glyph drawn size px large at `at` on a canvas of paper colour, dark ink."""
    big = cv2.resize(glyph, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    image = np.full((canvas, canvas), paper, np.float32)
    y, x = at
    region = image[y:y + size, x:x + size]
    image[y:y + size, x:x + size] = region * (1 - big) + ink_value * big
    return np.clip(image, 0, 255).astype(np.uint8)


def rgba(gray):
    return np.dstack([gray, gray, gray, np.full_like(gray, 255)])


def model_input(pixels):
    return preprocess.to_model(pixels if pixels.ndim == 3 else rgba(pixels))


def test_emnist_image_passes_through_almost_unchanged(glyph):
    out = model_input(glyph)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert correlation(out, glyph) > 0.9


def test_polarity_dark_on_light_equals_light_on_dark(glyph):
    dark_ink = model_input(place(glyph))
    light_ink = model_input(255 - place(glyph))
    assert correlation(dark_ink, light_ink) > 0.98
    assert correlation(dark_ink, glyph) > 0.8


def test_off_centre_character_in_a_big_image_is_cropped_and_centred(glyph):
    corner = model_input(place(glyph, canvas=800, size=160, at=(620, 20)))
    assert correlation(corner, glyph) > 0.8
    ys, xs = np.nonzero(corner > 0.3)
    assert abs(ys.mean() - 13.5) < 3 and abs(xs.mean() - 13.5) < 3


def test_the_same_drawing_at_any_canvas_size_gives_the_same_input(glyph):
    # Large images are worked on at a reduced size (MAX_WORK_SIDE): that must not show.
    sizes = (200, 280, 600, 1200)
    inputs = [model_input(place(glyph, canvas=side, size=side // 2, at=(side // 4, side // 8)))
              for side in sizes]
    for side, out in zip(sizes[1:], inputs[1:]):
        assert correlation(out, inputs[0]) > 0.97, side


def test_ink_only_in_the_alpha_channel(glyph):
    alpha = 255 - place(glyph)  # ink opaque, paper transparent
    for colour in (0, 255):      # black or white ink: the alpha channel alone carries it
        image = np.dstack([np.full_like(alpha, colour)] * 3 + [alpha])
        assert correlation(model_input(image), glyph) > 0.8


def test_exif_rotated_jpeg(glyph):
    upright = place(glyph)
    stored = np.rot90(upright, 1)  # the camera stored it sideways...
    exif = Image.Exif()
    exif[0x0112] = 6               # ...and says "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    Image.fromarray(stored).convert("RGB").save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    out = preprocess.to_model(imageio.decode(buffer.getvalue()))
    assert correlation(out, glyph) > 0.8


def test_photo_like_background_uneven_light_and_specks(glyph):
    rng = np.random.default_rng(0)
    h = w = 600
    yy, xx = np.mgrid[0:h, 0:w]
    paper = 225 - 70 * (xx / w) * (yy / h) + rng.normal(0, 4, (h, w))  # shadow in a corner
    ink = cv2.resize(glyph, (150, 150)).astype(np.float32) / 255
    image = paper.copy()
    image[380:530, 380:530] = image[380:530, 380:530] * (1 - 0.75 * ink) + 40 * 0.75 * ink
    for y, x in rng.integers(20, 300, (6, 2)):   # pencil specks far from the character
        cv2.circle(image, (int(x), int(y)), 2, 60, -1)
    photo = cv2.GaussianBlur(np.clip(image, 0, 255).astype(np.uint8), (3, 3), 0)
    assert correlation(model_input(photo), glyph) > 0.75


def test_hairline_strokes_are_thickened(glyph):
    thin = np.full((500, 500), 255, np.uint8)
    skeleton = cv2.resize((glyph > 128).astype(np.uint8), (300, 300),
                          interpolation=cv2.INTER_NEAREST)
    skeleton = cv2.ximgproc.thinning(skeleton * 255) if hasattr(cv2, "ximgproc") else \
        cv2.erode(skeleton * 255, np.ones((9, 9), np.uint8))
    thin[100:400, 100:400][skeleton > 0] = 0
    out = model_input(thin)
    # EMNIST strokes are 2-3 px wide at 28x28: a hairline must come out about that wide.
    assert (out > 0.5).sum() > 0.5 * (glyph > 128).sum()


@pytest.mark.parametrize("image", [
    np.full((100, 100), 255, np.uint8),                      # white page
    np.zeros((100, 100), np.uint8),                          # black page
    np.full((300, 300), 128, np.uint8),                      # grey card
    np.random.default_rng(1).integers(0, 256, (200, 200), dtype=np.uint8),  # pure noise
])
def test_no_ink_is_an_error_not_a_guess(image):
    with pytest.raises(imageio.NoInk):
        model_input(image)


def test_debug_returns_every_stage(glyph):
    image, stages = preprocess.to_model(rgba(place(glyph)), debug=True)
    assert list(stages) == ["ink", "background removed", "mask", "model input"]
    assert stages["model input"].shape == (28, 28)
    np.testing.assert_allclose(stages["model input"] / 255.0, image, atol=1 / 255)


def test_canvas_restroke_is_framed_like_the_serving_path(glyph):
    from hcr.restroke import restroke

    out = restroke(glyph, np.random.default_rng(0))
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert correlation(out.astype(np.float32), glyph.astype(np.float32)) > 0.6
