"""The shipped type stubs describe the runtime module (mypy's stubtest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tensorbridge as tb

ALLOWLIST = Path(__file__).with_name("stubtest_allowlist.txt")


def test_stubtest_finds_no_mismatch(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed")
    package_parent = Path(tb.__file__).parent.parent  # unresolved: dev trees use symlinks
    env = dict(os.environ)
    if package_parent.name not in ("site-packages", "dist-packages"):
        env["MYPYPATH"] = str(package_parent)  # a development tree, not an installation
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "tensorbridge", "--allowlist", str(ALLOWLIST), "--ignore-unused-allowlist"],
        capture_output=True, text=True, env=env, cwd=tmp_path,  # not site-packages: mypy would read it all
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_ships_py_typed_and_headers():
    root = Path(tb.__file__).resolve().parent
    assert (root / "py.typed").exists()
    assert (root / "_C.pyi").exists()
    assert (Path(tb.get_include()) / "tensorbridge" / "pybind11.hpp").exists()
    assert tb.__version__.count(".") == 2
