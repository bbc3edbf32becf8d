"""TensorFlow <-> tensorbridge through DLPack, when TensorFlow is installed."""

from __future__ import annotations

import numpy as np
import pytest

import tensorbridge as tb

tf = pytest.importorskip("tensorflow", reason="tensorflow-cpu is not installed (optional)")


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int64", "uint8", "bool", "float16", "complex64"])
def test_tensorflow_both_ways(name):
    x = tf.constant(np.arange(6).reshape(2, 3).astype(name))
    t = tb.from_dlpack(tf.experimental.dlpack.to_dlpack(x))  # TF tensors have no __dlpack__
    assert t.dtype is getattr(tb, name) and t.tolist() == x.numpy().tolist()
    back = tf.experimental.dlpack.from_dlpack(t.__dlpack__())
    assert back.numpy().tolist() == x.numpy().tolist()
