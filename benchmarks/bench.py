"""Speed and footprint of hcr next to the usual "Keras in a Flask view" approach, in one run.

    python benchmarks/bench.py            # everything; writes benchmarks/RESULTS.md
    python benchmarks/bench.py --quick    # tiny counts (what the test suite runs)

Sections: (1) model only, (2) end to end in-process with the time split by stage, (3) HTTP
through gunicorn on 127.0.0.1 with wrk, (4) footprint, (5) training throughput, (6) accuracy
of every shipped model. Timings are medians/percentiles of repeated runs on fixed inputs.
"""

import argparse
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hcr import imageio, preprocess  # noqa: E402
from hcr.data import load_test  # noqa: E402
from hcr.runtime import LiteRTModel, Recognizer  # noqa: E402

MODEL_DIR = ROOT / "models" / "emnist-byclass"
# What changed each figure, written by hand after each tuning step; appended to RESULTS.md.
HISTORY = ROOT / "benchmarks" / "HISTORY.md"


def percentiles(seconds):
    ms = np.array(seconds) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "mean": float(ms.mean())}


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


# --- inputs --------------------------------------------------------------------------------

def canvas_png(test):
    """A 280x280 canvas export: dark strokes on white, the character in the middle."""
    import cv2

    from hcr.realworld import browser_png
    glyph = cv2.resize(test.images[0], (200, 200), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[40:240, 40:240] = 255 - glyph
    return browser_png(np.dstack([canvas] * 3))


def phone_jpeg(test):
    from hcr.realworld import render_photo
    return render_photo(test.images[0], 0)  # 1600x1200 (or 1200x1600) JPEG


# --- 1. model only -------------------------------------------------------------------------

def model_only(test, repeat):
    import keras
    import tensorflow as tf

    keras_model = keras.models.load_model(MODEL_DIR / "model.keras")
    lite = LiteRTModel(MODEL_DIR / "model.tflite")
    call = tf.function(lambda x: keras_model(x, training=False), reduce_retracing=True)
    rows = {}
    for batch in (1, 64):
        x = (test.images[:batch].astype(np.float32) / 255)[..., None]
        candidates = {
            "Keras model.predict": lambda: keras_model.predict(x, verbose=0),
            "Keras model(x)": lambda: keras_model(x, training=False),
            "tf.function": lambda: call(tf.constant(x)),
            "LiteRT (hcr.runtime)": lambda: lite.probabilities(x[..., 0]),
        }
        for name, fn in candidates.items():
            fn()  # warm up
            rows[(name, batch)] = statistics.median(timed(fn, repeat)) * 1000
    return rows


# --- 2. end to end in-process ----------------------------------------------------------------

def end_to_end(test, repeat):
    recognizer = Recognizer(MODEL_DIR)
    out = {}
    for name, data in (("canvas PNG 280x280", canvas_png(test)),
                       ("phone JPEG 1600x1200", phone_jpeg(test))):
        stages = {"decode": [], "preprocess": [], "infer": [], "total": []}
        recognizer.predict_bytes(data)
        for _ in range(repeat):
            t0 = time.perf_counter()
            pixels = imageio.decode(data)
            t1 = time.perf_counter()
            model_input = preprocess.to_model(pixels)
            t2 = time.perf_counter()
            recognizer.predict_model_inputs(model_input[None])
            t3 = time.perf_counter()
            for key, value in (("decode", t1 - t0), ("preprocess", t2 - t1),
                               ("infer", t3 - t2), ("total", t3 - t0)):
                stages[key].append(value)
        out[name] = {k: percentiles(v) for k, v in stages.items()}
    return out


def usual_approach(test, repeat):
    """The common demo: PIL decode, grayscale, resize to 28x28, Keras model.predict."""
    import keras
    from PIL import Image

    model = keras.models.load_model(MODEL_DIR / "model.keras")
    out = {}
    for name, data in (("canvas PNG 280x280", canvas_png(test)),
                       ("phone JPEG 1600x1200", phone_jpeg(test))):
        def run():
            image = Image.open(io.BytesIO(data)).convert("L").resize((28, 28))
            x = (255 - np.asarray(image, np.float32)) / 255
            return model.predict(x[None, ..., None], verbose=0)
        run()
        out[name] = percentiles(timed(run, repeat))
    return out


# --- 3 and 4. HTTP and footprint -------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port, instance):
    env = {**os.environ, "HCR_BIND": f"127.0.0.1:{port}", "HCR_INSTANCE_PATH": instance,
           "HCR_RATELIMIT_ENABLED": "0", "HCR_LOG_LEVEL": "warning"}
    started = time.perf_counter()
    log = open(Path(instance) / "server.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                               "--access-logfile", "/dev/null"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    body = None
    while time.perf_counter() - started < 30:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                body = r.read()
                break
        except OSError:
            time.sleep(0.01)
    first_answer = time.perf_counter() - started
    if body is None:
        server.kill()
        raise RuntimeError("server did not start")
    return server, first_answer


def worker_pids(master_pid):
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/png"
local f = io.open("{body}", "rb")
wrk.body = f:read("*all")
f:close()
"""


def wrk(url, body_path, clients, seconds):
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=body_path))
    threads = min(clients, 2)
    result = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s",
                             "--latency", "-s", str(script), url],
                            capture_output=True, text=True, timeout=seconds + 30)
    text = result.stdout
    if "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed: {result.stdout[-500:]} {result.stderr[-500:]}")

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", text, re.M)
        value, unit = float(match[1]), match[2]
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1]),
            "p50": latency("50"), "p99": latency("99"),
            "requests": int(re.search(r"(\d+) requests in", text)[1]),
            "errors": int(errors[1]) if errors else 0,
            "socket_errors": socket_errors[1] if socket_errors else "none"}


def http(test, seconds):
    port = free_port()
    instance = tempfile.mkdtemp()
    server, first_answer = start_server(port, instance)
    try:
        body = Path(instance) / "canvas.png"
        body.write_bytes(canvas_png(test))
        url = f"http://127.0.0.1:{port}/api/predict"
        workers = worker_pids(server.pid)
        wrk(url, body, 4, 2)  # warm every worker
        rows = {}
        for clients in (1, 8, 32):
            try:
                rows[clients] = wrk(url, body, clients, seconds)
            except RuntimeError as error:
                log = (Path(instance) / "server.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{error}\nserver log:\n{log}") from None
        memory = {pid: rss_mb(pid) for pid in workers}
        return rows, first_answer, memory, len(workers)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
        shutil.rmtree(instance, ignore_errors=True)


def process_rss(code):
    """Resident memory (MB) of a fresh Python process after running `code`."""
    out = subprocess.run([sys.executable, "-c", code + "; print(open('/proc/self/status').read())"],
                         capture_output=True, text=True, cwd=ROOT)
    match = re.search(r"VmRSS:\s+(\d+)", out.stdout)
    return int(match[1]) / 1024 if match else float("nan")


def tensorflow_worker_rss():
    """What one worker of the usual approach holds: TensorFlow plus the Keras model."""
    return process_rss("import keras, numpy as np; m = keras.models.load_model(%r); "
                       "m.predict(np.zeros((1, 28, 28, 1), 'float32'), verbose=0)"
                       % str(MODEL_DIR / "model.keras"))


def litert_process_rss():
    return process_rss("from hcr.runtime import Recognizer; import numpy as np; "
                       "r = Recognizer(%r); r.predict_model_inputs(np.zeros((1, 28, 28), "
                       "'float32'))" % str(MODEL_DIR))


# --- 5. training throughput ------------------------------------------------------------------

def training_throughput(steps):
    import keras

    from hcr import train
    from hcr.model import build_model

    model = build_model()
    model.compile(optimizer="adamw", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (train.BATCH_SIZE * (steps + 2), 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 62, len(images))
    dataset = train.make_dataset(images, labels, training=True)
    model.fit(dataset.take(2), verbose=0)
    start = time.perf_counter()
    model.fit(dataset.skip(2).take(steps), verbose=0)
    return steps * train.BATCH_SIZE / (time.perf_counter() - start)


# --- report ----------------------------------------------------------------------------------

def versions():
    import importlib.metadata as md
    names = ["ai-edge-litert", "tensorflow-cpu", "keras", "opencv-python-headless", "pillow",
             "numpy", "flask", "gunicorn"]
    out = {}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, {platform.platform()}, Python {platform.python_version()}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny counts, no HTTP section")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    repeat = 20 if args.quick else 1000
    test = load_test()
    # Our own path first, before this process imports TensorFlow: its thread pools and 500 MB
    # would otherwise sit beside every figure of ours.
    print("2. end to end", flush=True)
    e2e = end_to_end(test, repeat)
    http_rows = None
    if not args.quick and shutil.which("wrk"):
        print("3. HTTP", flush=True)
        http_rows = http(test, 10)
    print("4. footprint", flush=True)
    lite_rss = litert_process_rss()
    tf_rss = tensorflow_worker_rss() if not args.quick else float("nan")
    print("1. model only, and the usual approach end to end", flush=True)
    model_rows = model_only(test, 5 if args.quick else 200)
    usual = usual_approach(test, 5 if args.quick else 200)
    print("5. training", flush=True)
    images_per_second = training_throughput(3 if args.quick else 40)

    lines = [
        "# hcr benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}, "
        f"by `python benchmarks/bench.py{' --quick' if args.quick else ''}` (one process run; "
        "ratios compare figures of the same run).",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".",
        "",
        "## 1. Model only (same weights, same input; median ms)",
        "",
        "| | 1 image | batch of 64 | 1 image vs model.predict |",
        "|---|---|---|---|",
    ]
    base = model_rows[("Keras model.predict", 1)]
    for name in ("Keras model.predict", "Keras model(x)", "tf.function", "LiteRT (hcr.runtime)"):
        one, batch = model_rows[(name, 1)], model_rows[(name, 64)]
        lines.append(f"| {name} | {one:.3f} | {batch:.3f} | {base / one:.1f}x faster |")
    lines += ["", f"## 2. End to end in-process: bytes in, answer out ({repeat} runs each, ms)",
              "", "| input | decode p50 | preprocess p50 | infer p50 | total p50 | total p99 | "
              "usual approach p50 (PIL + model.predict) | speed-up |", "|---|---|---|---|---|---|---|---|"]
    for name, stages in e2e.items():
        lines.append(f"| {name} | {stages['decode']['p50']:.2f} | "
                     f"{stages['preprocess']['p50']:.2f} | {stages['infer']['p50']:.3f} | "
                     f"**{stages['total']['p50']:.2f}** | {stages['total']['p99']:.2f} | "
                     f"{usual[name]['p50']:.1f} | {usual[name]['p50'] / stages['total']['p50']:.0f}x |")
    if http_rows:
        rows, first_answer, memory, workers = http_rows
        lines += ["", f"## 3. HTTP: gunicorn on 127.0.0.1, {workers} workers, `POST /api/predict` "
                  "with a 280x280 canvas PNG (wrk, 10 s per row)", "",
                  "| clients | requests/s | p50 ms | p99 ms | requests | non-2xx | socket errors |",
                  "|---|---|---|---|---|---|---|"]
        for clients, r in rows.items():
            lines.append(f"| {clients} | **{r['rps']:.0f}** | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{r['requests']} | {r['errors']} | {r['socket_errors']} |")
        lines += ["", "wrk is a C load generator using at most 2 threads here; it shares the 2 "
                  "cores with the server, so these figures are a floor for the server alone."]
    lines += ["", "## 4. Footprint", ""]
    if http_rows:
        rows, first_answer, memory, workers = http_rows
        lines += [f"- Server start until the first answered request: **{first_answer:.2f} s** "
                  "(gunicorn master + workers, model loaded).",
                  "- Resident memory of each serving worker after the HTTP runs: " +
                  ", ".join(f"**{mb:.0f} MB**" for mb in memory.values()) + "."]
    lines += [f"- One process with the hcr runtime after a prediction: {lite_rss:.0f} MB; the "
              f"usual approach (TensorFlow + the Keras model after one predict): "
              f"{tf_rss:.0f} MB.",
              f"- Model files: model.tflite {(MODEL_DIR / 'model.tflite').stat().st_size / 1024:.0f} KB "
              f"(served), model.keras {(MODEL_DIR / 'model.keras').stat().st_size / 1024:.0f} KB.",
              "", "## 5. Training", "",
              f"- {images_per_second:.0f} images/s for the shipped architecture with its "
              f"augmentation (batch 128) on this CPU.", "", "## 6. Accuracy (test split)", "",
              "| model | exact | merged-case | top-3 | float Keras exact | canvas | photo |",
              "|---|---|---|---|---|---|---|"]
    for folder in sorted((ROOT / "models").iterdir()):
        path = folder / "metrics.json"
        if not path.exists():
            continue
        m = json.loads(path.read_text())
        rw = m.get("realworld", {})

        def pct(value):
            return f"{100 * value:.2f}%"
        float_exact = pct(m["float_keras"]["accuracy"]) if "float_keras" in m else "n/a"
        canvas = pct(rw["canvas"]["accuracy"]) if rw else "n/a"
        photo = pct(rw["photo"]["accuracy"]) if rw else "n/a"
        lines.append(f"| {folder.name} | {pct(m['accuracy'])} | {pct(m['merged_case_accuracy'])} "
                     f"| {pct(m['top3_accuracy'])} | {float_exact} | {canvas} | {photo} |")
    lines += ["", HISTORY.read_text().strip()]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
