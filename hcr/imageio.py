"""Bytes in, pixels out: every way a picture reaches hcr, and every way it can be refused.

Each refusal is a typed error with a message meant for the person who sent the image; the web
app maps each type to one HTTP status in one place, the CLI prints the message.
"""

import base64
import binascii
import io
import re
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps

# Formats Pillow may even try to parse. Anything else is refused before decoding.
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
ALLOWED_MIME_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp",
                      "image/gif"}
# Pixel cap checked from the header, before any decoding: a 48 MP phone photo passes, a
# decompression bomb (a few KB declaring 50,000 x 50,000) does not. Pillow's own cap is 89 MP.
MAX_PIXELS = 50_000_000
MAX_ASPECT_RATIO = 50
# Photos are reduced to at most this long side before any other work; a character that
# covers 5% of the frame still spans about 100 px, and the model needs 28. JPEGs get there
# cheaply: Pillow's draft mode decodes them at 1/2, 1/4 or 1/8 scale straight from the DCT,
# keeping at least DRAFT_SIZE pixels on each side.
WORKING_SIZE = 512
DRAFT_SIZE = 256


class ImageError(ValueError):
    """Base of every refusal; str(error) is the message for people."""


class EmptyInput(ImageError):
    """Nothing was sent."""


class BadDataURL(ImageError):
    """A data: URL that is not one (prefix, MIME type, base64)."""


class UnsupportedImage(ImageError):
    """Bytes that are not an image of an allowed format."""


class CorruptImage(ImageError):
    """An allowed format whose data is damaged or truncated."""


class TooLarge(ImageError):
    """Over the byte, pixel or aspect-ratio limit."""


class NoInk(ImageError):
    """An image in which no character can be found."""


_DATA_URL = re.compile(r"^data:(?P<mime>[\w/+.-]+)?(?P<params>(;[\w=.+-]+)*?)(?P<b64>;base64)?,",
                       re.IGNORECASE)


def parse_data_url(url, max_bytes=None):
    """The bytes of a `data:image/...;base64,...` URL (what a canvas's toDataURL gives)."""
    if not isinstance(url, str) or not url:
        raise EmptyInput("no image: expected a data URL such as data:image/png;base64,...")
    if max_bytes is not None and len(url) > max_bytes * 4 // 3 + 100:
        raise TooLarge(f"the image is larger than {max_bytes // 1_000_000} MB")
    match = _DATA_URL.match(url[:200])
    if not match:
        raise BadDataURL("not a data URL: expected data:image/png;base64,...")
    mime = (match["mime"] or "").lower()
    if mime not in ALLOWED_MIME_TYPES:
        raise UnsupportedImage(f"data URL type {mime or 'missing'!r} is not an allowed image "
                               f"type ({', '.join(sorted(ALLOWED_MIME_TYPES))})")
    if not match["b64"]:
        raise BadDataURL("the data URL must be base64-encoded (data:image/png;base64,...)")
    payload = url[match.end():]
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise BadDataURL("the data URL's base64 payload is not valid base64") from None
    if not data:
        raise EmptyInput("the data URL holds no image data")
    return data


def _open(data):
    if not data:
        raise EmptyInput("no image: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge("the image declares too many pixels") from None
    except Image.UnidentifiedImageError:
        raise UnsupportedImage(
            f"not an image hcr can read; send one of: {', '.join(ALLOWED_FORMATS)}") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise CorruptImage(f"the image is damaged: {e}") from None


def _check_size(width, height):
    if width < 1 or height < 1:
        raise CorruptImage("the image has no pixels")
    if width * height > MAX_PIXELS:
        raise TooLarge(f"the image is {width}x{height}; at most {MAX_PIXELS // 1_000_000} "
                       "megapixels are accepted")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise TooLarge(f"the image is {width}x{height}: too long and thin to hold a character")


def _to_rgba_array(image):
    """Any Pillow mode -> (h, w, 4) uint8, ink and alpha preserved."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
        gray = scaled.astype(np.uint8)
        return np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    if image.mode == "P" and "transparency" not in image.info:
        image = image.convert("RGB")
    # The common modes through OpenCV: a third of the time of Pillow's convert, same pixels.
    if image.mode == "RGBA":
        return np.asarray(image)
    if image.mode == "RGB":
        return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2RGBA)
    if image.mode == "L":
        return cv2.cvtColor(np.asarray(image), cv2.COLOR_GRAY2RGBA)
    return np.asarray(image.convert("RGBA"))


def decode(data):
    """Image bytes -> (h, w, 4) uint8 RGBA, upright (EXIF applied), first frame only.

    Refuses what is not an allowed image, what is damaged, and what is too large, before
    decoding the pixels wherever the header allows.
    """
    image = _open(data)
    try:
        _check_size(*image.size)
        if image.format == "JPEG":
            image.draft("RGB", (DRAFT_SIZE, DRAFT_SIZE))
        image.seek(0)
        image.load()
        image = ImageOps.exif_transpose(image)
        if max(image.size) > WORKING_SIZE:
            image.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BOX)
        return _to_rgba_array(image)
    except ImageError:
        raise
    except (Image.DecompressionBombError, MemoryError):
        raise TooLarge("the image declares too many pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError) as e:
        raise CorruptImage(f"the image is damaged or truncated: {e}") from None


def encode_png(pixels):
    """uint8 array (gray or RGB/RGBA) -> PNG bytes. What hcr stores and serves back.

    OpenCV's encoder: a sixth of Pillow's time on the 28x28 input sent with every answer.
    """
    pixels = np.ascontiguousarray(pixels)
    if pixels.ndim == 3:  # OpenCV's channel order is BGR(A)
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4
                              else cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", pixels)
    if not ok:
        raise ValueError(f"cannot encode an array of shape {pixels.shape} as PNG")
    return encoded.tobytes()


def png_data_url(pixels):
    return "data:image/png;base64," + base64.b64encode(encode_png(pixels)).decode("ascii")
