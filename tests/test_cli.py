"""The command line end to end, as a user runs it."""

import json
import subprocess
import sys

import pytest

from tests.conftest import MODEL_DIR, ROOT


def run(*args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def images(tmp_path_factory, letter_png):
    folder = tmp_path_factory.mktemp("images")
    (folder / "r.png").write_bytes(letter_png[0])
    (folder / "broken.png").write_bytes(letter_png[0][:50])
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_predict_prints_char_and_confidence(images):
    result = run("-m", "hcr.cli", "predict", str(images / "r.png"), "--model", str(MODEL_DIR))
    assert result.returncode == 0, result.stderr
    char, confidence = result.stdout.split()
    assert char == "R" and confidence.endswith("%") and 0 < float(confidence[:-1]) <= 100


def test_classic_test_model_script_with_top_and_show(images):
    result = run("test_model.py", "--image", str(images / "r.png"), "--top", "3", "--show",
                 "--model", str(MODEL_DIR))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("R ") and lines[0].count("%") == 3
    assert len(lines) == 1 + 28  # the 28x28 model input, drawn in text


def test_json_lines_and_bad_files_do_not_stop_the_others(images, tmp_path):
    files = [images / "r.png", images / "broken.png", images / "notes.txt",
             images / "missing.png", images / "r.png"]
    result = run("-m", "hcr.cli", "predict", *map(str, files), "--json", "--top", "2",
                 "--model", str(MODEL_DIR), "--debug", str(tmp_path / "debug"))
    assert result.returncode == 1
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["file"] for o in objects] == [str(images / "r.png")] * 2
    assert objects[0]["char"] == "R" and len(objects[0]["top"]) == 2
    assert set(objects[0]) == {"file", "char", "confidence", "top"}
    # (LiteRT's C++ runtime may log one "INFO: Created ... delegate" line of its own.)
    errors = [line for line in result.stderr.splitlines() if not line.startswith("INFO:")]
    assert len(errors) == 3
    for name, line in zip(["broken.png", "notes.txt", "missing.png"], errors):
        assert name in line
    assert any(p.name.endswith("model-input.png") for p in (tmp_path / "debug").iterdir())


def test_unknown_charset_is_an_error(images):
    result = run("-m", "hcr.cli", "predict", str(images / "r.png"), "--charset", "greek",
                 "--model", str(MODEL_DIR))
    assert result.returncode == 2 and "charset" in result.stderr
