"""JSON API: /api/predict, /api/models, /api/models/<name>/metrics, /healthz."""

from pathlib import Path

from flask import Blueprint, current_app, jsonify, send_file

from webapp import limiter
from webapp.recognition import image_bytes, options, recognise, registry, result_json

bp = Blueprint("api", __name__)


@bp.post("/api/predict")
@limiter.limit(lambda: current_app.config["PREDICT_RATE_LIMIT"])
def predict():
    data = image_bytes()
    top, charset = options()
    prediction, _, model_name = recognise(data, top, charset)
    return jsonify(result_json(prediction, model_name))


@bp.get("/api/models")
def models():
    reg = registry()
    out = []
    for name in reg.names():
        metrics = reg.metrics(name) or {}
        out.append({
            "name": name,
            "default": name == reg.default_name(),
            "accuracy": metrics.get("accuracy"),
            "merged_case_accuracy": metrics.get("merged_case_accuracy"),
            "top3_accuracy": metrics.get("top3_accuracy"),
            "metrics_url": f"/api/models/{name}/metrics",
            "dashboard_url": f"/dashboard/{name}",
        })
    return jsonify(models=out)


@bp.get("/api/models/<name>/metrics")
def model_metrics(name):
    metrics = registry().metrics(name)
    if metrics is None:
        return jsonify(error=f"no evaluated model named {name!r}"), 404
    return jsonify(metrics)


@bp.get("/healthz")
def healthz():
    reg = registry()
    name = reg.default_name()
    if name is None:
        return jsonify(status="error", error="no model found"), 503
    reg.recognizer(name)  # loaded and ready
    return jsonify(status="ok", model=name)


@bp.get("/api/openapi.yaml")
def openapi():
    return send_file(Path(__file__).with_name("openapi.yaml"), mimetype="application/yaml")
