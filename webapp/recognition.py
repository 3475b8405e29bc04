"""What the API, the upload page and share creation have in common: read the image and the
options from a request, recognise, and describe the result as JSON-ready data."""

from flask import current_app, request

from hcr import imageio, preprocess
from hcr.charset import CHARSETS, NUM_CLASSES
from webapp.errors import InvalidRequest

DEFAULT_TOP = 5
RAW_IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif")


def registry():
    return current_app.extensions["hcr.models"]


def _json_body():
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidRequest("the body is not valid JSON")
    if not isinstance(body, dict):
        raise InvalidRequest('the JSON body must be an object such as {"image": "data:..."}')
    return body


def image_bytes():
    """The submitted image's bytes: a multipart file field `image`, a JSON body with a data
    URL in `image`, or a raw image body (Content-Type image/...)."""
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            sent = ", ".join(sorted({*request.files, *request.form})) or "nothing"
            raise InvalidRequest(f"expected a file field named 'image' (got {sent})")
        data = upload.read()
        if not data:
            raise imageio.EmptyInput("no image: the uploaded file is empty")
        return data
    if request.is_json:
        image = _json_body().get("image")
        if image is None:
            raise InvalidRequest("expected a field 'image' holding a data:image/...;base64 URL")
        if not isinstance(image, str):
            raise InvalidRequest("'image' must be a string: a data:image/...;base64 URL")
        return imageio.parse_data_url(image, max_bytes=max_bytes)
    if request.mimetype in RAW_IMAGE_TYPES:
        data = request.get_data(cache=False)
        if not data:
            raise imageio.EmptyInput("no image: the request body is empty")
        return data
    if not request.content_length:
        raise imageio.EmptyInput("no image: send a multipart file field 'image' or JSON "
                                 '{"image": "data:image/png;base64,..."}')
    raise imageio.UnsupportedImage(
        f"unsupported Content-Type {request.mimetype or 'none'!r}: send multipart/form-data "
        "with a file field 'image', JSON with a data URL, or an image body")


def option(name):
    """A request option from the JSON body, the form or the query string."""
    if request.is_json:
        body = _json_body()
        if name in body:
            return body[name]
    return request.form.get(name, request.args.get(name))


def options():
    top = option("top")
    if top is None or top == "":
        top = DEFAULT_TOP
    try:
        top = int(top)
    except (TypeError, ValueError):
        raise InvalidRequest("'top' must be a whole number from 1 to 62") from None
    if not 1 <= top <= NUM_CLASSES:
        raise InvalidRequest("'top' must be a whole number from 1 to 62")
    charset = option("charset") or "any"
    if not isinstance(charset, str) or charset not in CHARSETS:
        raise InvalidRequest(f"'charset' must be one of: {', '.join(CHARSETS)}")
    return top, charset


def recognise(data, top, charset, model=None):
    """Bytes -> (prediction, decoded RGBA pixels, model name)."""
    recognizer = registry().recognizer(model)
    pixels = imageio.decode(data)
    return recognizer.predict_pixels(pixels, top, charset), pixels, recognizer.name


def result_json(prediction, model_name):
    return {
        **prediction.as_dict(),
        "model": model_name,
        "input": imageio.png_data_url(preprocess.as_pixels(prediction.model_input)),
    }
