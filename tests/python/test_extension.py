"""The example extension (examples/pybind11_extension), built here with CMake against the
installed tensorbridge, takes NumPy, PyTorch, JAX and tensorbridge inputs without copying and
returns tensorbridge tensors."""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorbridge as tb

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "examples" / "pybind11_extension"


@pytest.fixture(scope="module")
def ext():
    pytest.importorskip("pybind11", reason="pybind11 is needed to build the example extension")
    if shutil.which("cmake") is None:
        pytest.skip("cmake is needed to build the example extension")
    # One build folder per environment: CMake caches the interpreter and pybind11 it found.
    env_id = hashlib.sha1(sys.prefix.encode()).hexdigest()[:10]
    build = Path(os.environ.get("TB_EXAMPLE_BUILD_DIR", ROOT / "build" / "python-example" / env_id))
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    configure = ["cmake", "-S", str(SOURCE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 f"-DPython_EXECUTABLE={sys.executable}", *generator]
    for cmd in (configure, ["cmake", "--build", str(build), "-j", "2"]):
        result = subprocess.run(cmd, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(build))
    try:
        yield importlib.import_module("tb_example")
    finally:
        sys.path.remove(str(build))


def test_numpy_arrays_in_place_without_copy(ext):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    ext.scale_(a, 2.0)
    assert a.tolist() == [[0, 2, 4], [6, 8, 10]]
    view = a[:, ::-2]  # negative strides work too
    ext.scale_(view, 0.5)
    assert a.tolist() == [[0, 2, 2], [3, 8, 5]]
    info = ext.describe(a.T)
    assert info["data_ptr"] == a.ctypes.data and info["strides"] == [1, 3]
    assert info["dtype"] == "float32" and not info["read_only"]


def test_returns_are_tensorbridge_tensors_sharing_memory(ext):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    row = ext.first_row(a)
    assert isinstance(row, tb.Tensor) and row.data_ptr() == a.ctypes.data
    row[1] = 100
    assert a[0, 1] == 100
    fresh = ext.arange(4)
    assert isinstance(fresh, tb.Tensor) and fresh.dtype is tb.int64 and fresh.tolist() == [0, 1, 2, 3]
    t = tb.arange(3.0)
    same = ext.identity(t)
    assert same.data_ptr() == t.data_ptr()
    out = ext.scaled(np.array([1.0, 2.0], dtype=np.float32), 3.0)
    assert out.tolist() == [3.0, 6.0]
    frozen = ext.frozen(a)
    assert frozen.is_read_only and frozen.data_ptr() == a.ctypes.data


def test_tensorbridge_tensors_pass_as_the_same_tensor(ext):
    t = tb.zeros(4, dtype=tb.float32)
    ext.scale_(t[1:], 0.0)
    t.fill_(1.0)
    ext.scale_(t[::2], 5.0)
    assert t.tolist() == [5.0, 1.0, 5.0, 1.0]
    assert ext.sum(tb.arange(5, dtype=tb.float64)) == 10.0
    info = ext.describe(tb.zeros(2, dtype=tb.bfloat16))
    assert info["dtype"] == "bfloat16"


def test_torch_tensors(ext):
    torch = pytest.importorskip("torch")
    x = torch.ones(2, 3)
    ext.scale_(x, 4.0)
    assert x.tolist() == [[4.0] * 3] * 2
    ext.scale_(x.T, 0.5)  # a transposed view, through DLPack
    assert x.tolist() == [[2.0] * 3] * 2
    assert ext.sum(torch.arange(4, dtype=torch.float64)) == 6.0
    assert ext.describe(x)["data_ptr"] == x.data_ptr()
    assert ext.describe(torch.zeros(2, dtype=torch.bfloat16))["dtype"] == "bfloat16"
    with pytest.raises(TypeError, match="expected a CPU tensor of dtype float32.*dtype float64"):
        ext.scale_(torch.zeros(2, dtype=torch.float64), 1.0)


def test_jax_arrays(ext):
    jnp = pytest.importorskip("jax.numpy", reason="jax is not installed")
    x = jnp.arange(4, dtype=jnp.float32)
    assert ext.scaled(x, 2.0).tolist() == [0.0, 2.0, 4.0, 6.0]
    info = ext.describe(x)
    assert info["read_only"] and info["data_ptr"] == x.unsafe_buffer_pointer()
    with pytest.raises(TypeError, match="read-only memory"):
        ext.scale_(x, 2.0)  # JAX arrays are immutable


def test_dtype_overloads_and_errors(ext):
    assert ext.kind(np.zeros(2, np.float32)) == "float32"
    assert ext.kind(np.zeros(2, np.int64)) == "int64"
    with pytest.raises(TypeError, match="expected a CPU tensor of dtype float32.*got a numpy.ndarray with dtype int32"):
        ext.scale_(np.zeros(2, np.int32), 1.0)
    ro = np.zeros(2, np.float32)
    ro.flags.writeable = False
    with pytest.raises(TypeError, match=r"read-only memory \(declare the parameter tb::Tensor<const float32>"):
        ext.scale_(ro, 1.0)
    assert ext.scaled(ro, 1.0).tolist() == [0.0, 0.0]  # Tensor<const float> accepts it
    with pytest.raises(TypeError, match="incompatible function arguments"):
        ext.scale_([1.0, 2.0], 1.0)  # not an array: pybind11's own message
    with pytest.raises(TypeError, match="no tensorbridge dtype"):
        ext.describe(np.array(["a"]))
    with pytest.raises(IndexError, match="out of bounds"):
        ext.bad_index(np.zeros(3, np.float32))
    assert ext.maybe_length(None) == -1 and ext.maybe_length(np.zeros(5, np.float32)) == 5


def test_last_reference_released_on_a_thread_without_the_gil(ext):
    a = np.arange(3.0)
    before = sys.getrefcount(a)
    for _ in range(100):
        ext.release_on_thread(a)
    assert sys.getrefcount(a) == before  # every buffer was released, from the C++ thread
    t = tb.arange(3)
    ext.release_on_thread(t)
    assert t.tolist() == [0, 1, 2]


def test_returning_a_tensor_imports_tensorbridge_on_demand(ext):
    code = "import sys, tb_example; r = tb_example.arange(3); " \
           "assert 'tensorbridge._C' in sys.modules; print(type(r).__module__, r.tolist())"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tensorbridge._C", "[0,", "1,", "2]"]
