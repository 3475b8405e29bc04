"""The web app through Flask's test client: every route and every error status."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from webapp import create_app
from webapp.config import TestConfig


def data_url(data, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def upload(client, url, data, filename="a.png", **fields):
    return client.post(url, data={"image": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def assert_json_error(response, status):
    assert response.status_code == status, response.data
    assert response.is_json
    assert isinstance(response.json["error"], str) and response.json["error"]


# --- pages -----------------------------------------------------------------------------

def test_draw_page_has_the_canvas_and_result_block(client):
    page = client.get("/").get_data(as_text=True)
    for testid in ("draw-canvas", "prediction", "top-k", "model-input", "share-button",
                   "share-url"):
        assert f'data-testid="{testid}"' in page


def test_upload_page_works_without_javascript(client, letter_png):
    page = client.get("/upload").get_data(as_text=True)
    assert 'accept="image/*"' in page and "capture=" in page
    response = upload(client, "/upload", letter_png[0])
    assert response.status_code == 200
    assert f'data-testid="prediction">{letter_png[1]}<' in response.get_data(as_text=True)


def test_upload_page_shows_errors_with_a_4xx(client):
    response = upload(client, "/upload", b"not an image at all")
    assert response.status_code == 415
    assert 'role="alert"' in response.get_data(as_text=True)


def test_dashboard_renders_the_shipped_metrics(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="headline"' in page and 'data-testid="per-class"' in page
    assert client.get("/dashboard/emnist-byclass?sort=recall").status_code == 200
    assert client.get("/dashboard/no-such-model").status_code == 404
    assert client.get("/models/emnist-byclass/confusion_matrix.png").status_code == 200
    assert client.get("/models/emnist-byclass/model.keras").status_code == 404  # not public
    assert client.get("/models/emnist-byclass/..%2f..%2fpyproject.toml").status_code == 404


def test_security_headers_on_every_response(client):
    for url in ("/", "/api/models", "/nope"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"]


# --- /api/predict ------------------------------------------------------------------------

def test_predict_with_a_file(client, letter_png):
    response = upload(client, "/api/predict", letter_png[0])
    assert response.status_code == 200
    body = response.json
    assert body["char"] == letter_png[1]
    assert body["model"] == "emnist-byclass"
    assert len(body["top"]) == 5 and body["top"][0]["char"] == body["char"]
    assert abs(body["top"][0]["p"] - body["confidence"]) < 1e-9
    assert sum(t["p"] for t in body["top"]) <= 1.0001
    model_input = Image.open(io.BytesIO(base64.b64decode(body["input"].split(",", 1)[1])))
    assert model_input.size == (28, 28)


def test_predict_with_a_data_url_top_and_charset(client, letter_png):
    response = client.post("/api/predict", json={"image": data_url(letter_png[0]), "top": 3,
                                                 "charset": "digits"})
    assert response.status_code == 200
    assert len(response.json["top"]) == 3
    assert all(t["char"].isdigit() for t in response.json["top"])


def test_predict_with_a_raw_image_body(client, letter_png):
    response = client.post("/api/predict", data=letter_png[0], content_type="image/png")
    assert response.status_code == 200 and response.json["char"] == letter_png[1]


def png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("make_request,status", [
    (lambda c: c.post("/api/predict"), 400),                                     # empty body
    (lambda c: c.post("/api/predict", data={"file": (io.BytesIO(b"x"), "a.png")},
                      content_type="multipart/form-data"), 400),                 # wrong field
    (lambda c: c.post("/api/predict", json={"picture": "data:..."}), 400),       # wrong key
    (lambda c: c.post("/api/predict", json={"image": 42}), 400),                 # wrong type
    (lambda c: c.post("/api/predict", json=["image"]), 400),                     # not an object
    (lambda c: c.post("/api/predict", data="{not json", content_type="application/json"), 400),
    (lambda c: c.post("/api/predict", json={"image": "iVBORw0KGgo="}), 400),     # no prefix
    (lambda c: c.post("/api/predict", json={"image": "data:image/png;base64,***"}), 400),
    (lambda c: c.post("/api/predict", json={"image": data_url(b"hi", "text/plain")}), 415),
    (lambda c: upload(c, "/api/predict", b"just some text"), 415),               # not an image
    (lambda c: upload(c, "/api/predict", b"%PDF-1.5 fake", "a.pdf"), 415),
    (lambda c: upload(c, "/api/predict", b""), 400),                             # empty file
    (lambda c: upload(c, "/api/predict", png(np.full((64, 64), 255, np.uint8))), 422),
    (lambda c: upload(c, "/api/predict", png(np.zeros((64, 64), np.uint8))), 422),
    (lambda c: c.post("/api/predict", data=b"hello", content_type="text/plain"), 415),
    (lambda c: c.get("/api/predict"), 405),
])
def test_predict_errors_are_json_with_the_right_status(client, make_request, status):
    assert_json_error(make_request(client), status)


def test_truncated_image_is_400(client, letter_png):
    assert_json_error(upload(client, "/api/predict", letter_png[0][:60]), 400)


def test_bad_options_are_400(client, letter_png):
    assert_json_error(upload(client, "/api/predict", letter_png[0], top="many"), 400)
    assert_json_error(upload(client, "/api/predict", letter_png[0], top="0"), 400)
    assert_json_error(upload(client, "/api/predict", letter_png[0], charset="greek"), 400)


def test_upload_over_the_size_cap_is_413(app, letter_png):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = upload(app.test_client(), "/api/predict", letter_png[0] + b"\0" * 5000)
    assert_json_error(response, 413)


def test_lying_extension_and_content_type_are_judged_by_content(client, letter_png):
    response = client.post("/api/predict", data={
        "image": (io.BytesIO(letter_png[0]), "photo.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    response = client.post("/api/predict", data={
        "image": (io.BytesIO(b"GIF89a but not really"), "x.png", "image/png")},
        content_type="multipart/form-data")
    assert_json_error(response, 400 if response.status_code == 400 else 415)


# --- models and health --------------------------------------------------------------------

def test_models_and_metrics(client):
    models = client.get("/api/models").json["models"]
    assert [m["name"] for m in models if m["default"]] == ["emnist-byclass"]
    metrics = client.get("/api/models/emnist-byclass/metrics").json
    assert 0.5 < metrics["accuracy"] <= 1 and len(metrics["per_class"]) == 62
    assert_json_error(client.get("/api/models/nope/metrics"), 404)


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "model": "emnist-byclass"}


def test_healthz_without_a_model_is_503(tmp_path):
    app = create_app(TestConfig(MODELS_DIR=tmp_path / "empty",
                                DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}"))
    assert_json_error(app.test_client().get("/healthz"), 503)


# --- shares -------------------------------------------------------------------------------

def test_share_round_trip_and_delete(client, letter_png):
    created = client.post("/api/shares", json={"image": data_url(letter_png[0])})
    assert created.status_code == 201
    share = created.json
    assert len(share["id"]) == 22  # 128 random bits, URL-safe
    assert share["char"] == letter_png[1] and share["url"].endswith(f"/s/{share['id']}")

    assert client.get(f"/api/shares/{share['id']}").json["char"] == share["char"]
    page = client.get(f"/s/{share['id']}").get_data(as_text=True)
    assert 'property="og:image"' in page and 'data-testid="qr"' in page
    assert 'data-testid="try-it"' in page
    image = client.get(f"/s/{share['id']}/image.png")
    assert image.content_type == "image/png"
    assert Image.open(io.BytesIO(image.data)).format == "PNG"
    assert client.get(f"/s/{share['id']}/qr.svg").content_type.startswith("image/svg+xml")
    assert client.get(f"/s/{share['id']}/input.png").status_code == 200

    delete_path = share["delete_url"].split("localhost", 1)[1]
    assert client.get(delete_path).status_code == 200          # the confirmation page
    token = delete_path.split("token=", 1)[1]
    assert client.post(f"/s/{share['id']}/delete", data={"token": "wrong"}).status_code == 404
    assert client.post(f"/s/{share['id']}/delete", data={"token": token}).status_code == 200
    assert_json_error(client.get(f"/api/shares/{share['id']}"), 404)
    assert client.get(f"/s/{share['id']}").status_code == 404


def test_share_ids_are_random(client, letter_png):
    ids = {client.post("/api/shares", json={"image": data_url(letter_png[0])}).json["id"]
           for _ in range(3)}
    assert len(ids) == 3


def test_shared_image_is_reencoded_not_served_as_sent(client, letter_png):
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(letter_png[0])).convert("RGB").save(jpeg, "JPEG")
    share = upload(client, "/api/shares", jpeg.getvalue(), "a.jpg").json
    served = client.get(f"/s/{share['id']}/image.png").data
    assert served != jpeg.getvalue() and served.startswith(b"\x89PNG")


@pytest.mark.parametrize("share_id", ["nope", "../../etc/passwd", "..%2F..%2Fetc",
                                      "A" * 22, "1", "x" * 500])
def test_unknown_and_odd_share_ids_are_404(client, share_id):
    assert_json_error(client.get(f"/api/shares/{share_id}"), 404)
    assert client.get(f"/s/{share_id}").status_code == 404


def test_share_errors_are_json(client):
    assert_json_error(client.post("/api/shares", json={"image": "nope"}), 400)
    assert_json_error(upload(client, "/api/shares", png(np.full((50, 50), 255, np.uint8))), 422)


def test_openapi_document_is_served_and_valid(client):
    import yaml
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.yaml")
    assert response.status_code == 200
    spec = yaml.safe_load(response.data)
    validate(spec)
    documented = set(spec["paths"])
    routes = {rule.rule.replace("<share_id>", "{id}").replace("<name>", "{name}")
              for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith("/api/") or rule.rule == "/healthz"}
    assert routes - {"/api/openapi.yaml"} == documented


def test_rate_limits_answer_429_in_json(tmp_path, letter_png):
    from tests.conftest import MODELS_DIR
    app = create_app(TestConfig(RATELIMIT_ENABLED=True, PREDICT_RATE_LIMIT="3/minute",
                                MODELS_DIR=MODELS_DIR,
                                SHARE_RATE_LIMIT="2/minute",
                                DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}"))
    client = app.test_client()
    statuses = [upload(client, "/api/predict", letter_png[0]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = upload(client, "/api/predict", letter_png[0])
    assert_json_error(response, 429)
    shares = [upload(client, "/api/shares", letter_png[0]).status_code for _ in range(3)]
    assert shares == [201, 201, 429]
    assert client.get("/").status_code == 200  # pages are not limited


def test_production_needs_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("HCR_ENV", "production")
    monkeypatch.delenv("HCR_SECRET_KEY", raising=False)
    monkeypatch.setenv("HCR_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="HCR_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("HCR_SECRET_KEY", "x" * 32)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert not app.debug and not app.testing
    assert app.test_client().get("/nope").status_code == 404


def test_an_unexpected_error_is_a_json_500_without_a_trace(app, monkeypatch, letter_png):
    from webapp import api

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret internals")
    monkeypatch.setattr(api, "recognise", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(app.test_client(), "/api/predict", letter_png[0])
    assert response.status_code == 500 and response.is_json
    assert "secret" not in response.get_data(as_text=True)
