"""Decoding: allowed formats, modes, orientation, and every refusal."""

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from hcr import imageio


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


GRAY = np.tile(np.arange(64, dtype=np.uint8)[None, :] * 4, (48, 1))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF"])
def test_allowed_formats_decode_to_rgba(fmt):
    pixels = imageio.decode(encode(Image.fromarray(GRAY).convert("RGB"), fmt))
    assert pixels.shape == (48, 64, 4) and pixels.dtype == np.uint8


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16"])
def test_image_modes(mode):
    if mode == "I;16":
        image = Image.fromarray(GRAY.astype(np.uint16) * 257)
    else:
        image = Image.fromarray(GRAY).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    pixels = imageio.decode(encode(image, fmt))
    assert pixels.shape == (48, 64, 4)
    assert image.mode == mode
    # The left-to-right ramp survives every mode (1-bit: at least dark left, light right).
    assert pixels[:, -1, 0].mean() > pixels[:, 0, 0].mean() + 100


def test_sixteen_bit_is_scaled_not_clipped():
    image = Image.fromarray(GRAY.astype(np.uint16) * 100)
    pixels = imageio.decode(encode(image, "PNG"))
    assert pixels[0, 32, 0] not in (0, 255)


def test_exif_orientation_is_applied():
    tall = np.zeros((40, 20), np.uint8)
    tall[:5] = 255  # a bar at the top
    image = Image.fromarray(tall).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    pixels = imageio.decode(encode(image, "JPEG", exif=exif.tobytes(), quality=95))
    assert pixels.shape[:2] == (20, 40)
    assert pixels[:, -5:, 0].mean() > 200  # the bar is now on the right


def test_animated_gif_gives_first_frame():
    frames = [Image.fromarray(np.full((10, 10), v, np.uint8)) for v in (0, 255)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert imageio.decode(data)[..., 0].max() == 0


def test_transparency_is_kept():
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[5:15, 5:15, 3] = 255
    pixels = imageio.decode(encode(Image.fromarray(rgba), "PNG"))
    assert pixels[..., 3].min() == 0 and pixels[..., 3].max() == 255


def test_large_jpeg_is_decoded_reduced():
    photo = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1200, 1600, 3),
                                                               dtype=np.uint8))
    pixels = imageio.decode(encode(photo, "JPEG"))
    assert max(pixels.shape[:2]) <= imageio.WORKING_SIZE


@pytest.mark.parametrize("data,error", [
    (b"", imageio.EmptyInput),
    (b"hello, this is text", imageio.UnsupportedImage),
    (b"%PDF-1.4\n%...", imageio.UnsupportedImage),
    (bytes(range(256)) * 8, imageio.UnsupportedImage),
])
def test_refuses_what_is_not_an_image(data, error):
    with pytest.raises(error):
        imageio.decode(data)


def test_refuses_formats_outside_the_allow_list():
    with pytest.raises(imageio.UnsupportedImage):
        imageio.decode(encode(Image.fromarray(GRAY), "TIFF"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_images_are_corrupt(fmt):
    data = encode(Image.fromarray(GRAY).convert("RGB"), fmt)
    with pytest.raises(imageio.CorruptImage):
        imageio.decode(data[: len(data) // 2])


def png_declaring(width, height):
    """A tiny PNG whose header declares width x height (a decompression bomb's shape)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(imageio.TooLarge):
        imageio.decode(png_declaring(60_000, 60_000))


def test_extreme_aspect_ratio_is_refused():
    with pytest.raises(imageio.TooLarge):
        imageio.decode(encode(Image.new("L", (10_000, 1)), "PNG"))


def test_data_urls():
    png = encode(Image.fromarray(GRAY), "PNG")
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert imageio.parse_data_url(url) == png
    for bad, error in [
        ("", imageio.EmptyInput),
        ("iVBORw0KGgo=", imageio.BadDataURL),                      # missing prefix
        ("data:text/plain;base64,aGVsbG8=", imageio.UnsupportedImage),
        ("data:image/png;base64,@@@not base64@@@", imageio.BadDataURL),
        ("data:image/png,rawdata", imageio.BadDataURL),            # not base64
        ("data:image/png;base64,", imageio.EmptyInput),
    ]:
        with pytest.raises(error):
            imageio.parse_data_url(bad)
    with pytest.raises(imageio.TooLarge):
        imageio.parse_data_url("data:image/png;base64," + "A" * 2_000_000, max_bytes=1_000_000)
