#pragma once
// Releasing Python references from C++ owners. A tensor's Storage may hold a Python object
// (a NumPy array, a buffer view) and be freed on any thread, with or without the GIL, even
// while the interpreter shuts down. Every release goes through `with_gil_if_alive`, which
// takes the GIL when the thread lacks it, keeps a pending Python exception intact, and
// leaks instead of touching an interpreter that is gone or going.
#include <pybind11/pybind11.h>

#include <memory>
#include <utility>

namespace tensorbridge::python {

namespace detail {

inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

}  // namespace detail

// Runs fn() holding the GIL; returns without running it when Python is not usable from this
// thread (not initialized, or finalizing and the GIL is not ours: PyGILState_Ensure would
// hang or kill the thread). A Python error raised by fn() is reported as unraisable, and an
// exception that was pending before is restored, so a release never changes the caller's
// error state.
template <typename Fn>
void with_gil_if_alive(Fn&& fn) noexcept {
  if (!Py_IsInitialized()) return;
  const bool have_gil = PyGILState_Check() != 0;
  if (!have_gil && detail::interpreter_finalizing()) return;
  const PyGILState_STATE state = PyGILState_Ensure();
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  fn();
  if (PyErr_Occurred()) PyErr_WriteUnraisable(nullptr);
  PyErr_Restore(type, value, traceback);
  PyGILState_Release(state);
}

// A strong reference to a Python object that may be dropped on any thread.
inline std::shared_ptr<void> hold_py_object(pybind11::handle obj) {
  obj.inc_ref();
  PyObject* raw = obj.ptr();
  return std::shared_ptr<void>(raw, [](void* p) {
    with_gil_if_alive([p] { Py_DECREF(static_cast<PyObject*>(p)); });
  });
}

// Owns a filled Py_buffer: PyBuffer_Release (which also drops the exporter reference) runs
// once, when the owner dies.
inline std::shared_ptr<void> hold_py_buffer(std::unique_ptr<Py_buffer> view) {
  return std::shared_ptr<void>(view.release(), [](void* p) {
    auto* buffer = static_cast<Py_buffer*>(p);
    with_gil_if_alive([buffer] { PyBuffer_Release(buffer); });
    delete buffer;
  });
}

}  // namespace tensorbridge::python
