"""The namespace's containers of arrays and tensors (``check.holders``), read without a shell."""

import collections

import numpy as np
import tensorflow as tf

from tfplotguard.check.inspect import holders


def test_containers_of_arrays_and_tensors_are_found_largest_first():
    ns = {
        "kept": [tf.zeros((1000,)), tf.zeros((1000,))],  # 2 × 4000 bytes
        "by_epoch": {1: np.zeros(5000)},  # 40000 bytes
        "window": collections.deque([np.zeros(10, dtype=np.int8)]),
        "losses": [0.5, 0.25],  # floats: not held arrays
        "_private": [np.zeros(10**6)],  # IPython's own names are skipped
        "empty": [],
        "one": np.zeros(3),  # a bare array is not a container
    }
    rows = holders.scan(ns)
    assert [(r["name"], r["type"], r["items"], r["bytes"]) for r in rows] == [
        ("by_epoch", "dict", 1, 40000), ("kept", "list", 2, 8000), ("window", "deque", 1, 10)]
    assert all(r["complete"] for r in rows)


def test_a_long_container_is_summed_up_to_its_limit(monkeypatch):
    monkeypatch.setattr(holders, "MAX_ITEMS", 3)
    (row,) = holders.scan({"many": [np.zeros(1, dtype=np.uint8)] * 5})
    assert row["items"] == 5 and row["bytes"] == 3 and not row["complete"]
