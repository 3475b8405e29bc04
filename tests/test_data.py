"""EMNIST loading: the IDX format, its checks, and the fixed splits."""

import gzip
import struct

import numpy as np
import pytest

from hcr import data
from hcr.charset import INDEX


def write_idx(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_split(folder, name, images, labels, mapping):
    """One EMNIST file pair as published: images stored transposed."""
    split = name.split("-")[1]
    write_idx(folder / f"{name}-images-idx3-ubyte.gz", images.transpose(0, 2, 1), 0x803)
    write_idx(folder / f"{name}-labels-idx1-ubyte.gz", np.asarray(labels), 0x801)
    (folder / f"emnist-{split}-mapping.txt").write_text(
        "".join(f"{label} {ord(char)}\n" for label, char in mapping.items()))


def distinct_images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


BYCLASS = {i: c for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "abcdefghijklmnopqrstuvwxyz")}
BYMERGE = {**{i: c for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
           36: "a", 37: "b", 38: "d", 39: "e", 40: "f", 41: "g", 42: "h", 43: "n", 44: "q",
           45: "r", 46: "t"}


def test_reads_images_upright_and_checks_counts(tmp_path):
    images = distinct_images(3, 0)
    write_split(tmp_path, "emnist-byclass-test", images, [1, 2, 3], BYCLASS)
    split, read, chars = data.read_file_pair(tmp_path / "emnist-byclass-test-images-idx3-ubyte.gz")
    assert split == "byclass"
    np.testing.assert_array_equal(read, images)  # transposed back
    assert list(chars) == ["1", "2", "3"]


def test_bad_magic_is_a_clear_error(tmp_path):
    path = tmp_path / "emnist-byclass-test-images-idx3-ubyte.gz"
    write_idx(path, distinct_images(2, 0), 0x801)
    with pytest.raises(data.DataError, match="magic number"):
        data.read_images(path)


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "x-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, 10, 28, 28) + b"\0" * 100)
    with pytest.raises(data.DataError, match="bytes, but header"):
        data.read_images(path)


def test_label_count_must_match(tmp_path):
    write_split(tmp_path, "emnist-byclass-test", distinct_images(3, 0), [1, 2, 3], BYCLASS)
    write_idx(tmp_path / "emnist-byclass-test-labels-idx1-ubyte.gz", np.array([1, 2]), 0x801)
    with pytest.raises(data.DataError, match="3 images but 2 labels"):
        data.read_file_pair(tmp_path / "emnist-byclass-test-images-idx3-ubyte.gz")


def test_splits_dedup_remove_test_images_and_drop_unknown_case(tmp_path):
    test_images = distinct_images(4, 1)
    write_split(tmp_path, "emnist-byclass-train-part-682112-697931", test_images,
                [0, 10, 36, 61], BYCLASS)
    pool = distinct_images(200, 2)
    labels = np.arange(200) % 62
    # Two test images and five pool duplicates hidden in the "official test" file.
    official = np.concatenate([pool, test_images[:2], pool[:5]])
    write_split(tmp_path, "emnist-byclass-test", official,
                np.concatenate([labels, [0, 10], labels[:5]]), BYCLASS)
    # bymerge: an 'A' (exact) and a merged 'C' (case unknown), both new images.
    extra = distinct_images(2, 3)
    write_split(tmp_path, "emnist-bymerge-test", extra, [10, 12], BYMERGE)

    splits = data.load_splits(tmp_path, progress=lambda _: None)
    assert len(splits.test.images) == 4
    all_train = np.concatenate([splits.train.images, splits.validation.images])
    # 200 unique pool images + the bymerge 'A'; test copies, duplicates and the 'C' are gone.
    assert len(all_train) == 201
    train_hashes = set(data.image_hashes(all_train).tolist())
    assert not train_hashes & set(data.image_hashes(test_images).tolist())
    assert INDEX["C"] not in set(splits.train.labels[~splits.train_natural].tolist())
    # Validation is chosen by image hash: the same images every time.
    again = data.load_splits(tmp_path, progress=lambda _: None)
    np.testing.assert_array_equal(again.validation.images, splits.validation.images)


def test_shared_data_test_split_is_the_fixed_one():
    test = data.load_test()
    assert len(test.images) == 15_820
    assert len(np.unique(test.labels)) == 62
