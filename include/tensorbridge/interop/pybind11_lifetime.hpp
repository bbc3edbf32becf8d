#pragma once
// Releasing Python resources from C++ owners. A tensor's Storage may hold a Python buffer (the
// memory of a NumPy array, a JAX array, ...) and be freed on any thread, with or without the GIL, even
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

// A Py_buffer for PyObject_GetBuffer to fill, released (PyBuffer_Release, which also drops the
// exporter reference) when the HeldBuffer dies. A Storage owns it through a shared_ptr made by
// make_shared, so one allocation holds both the buffer and the reference count.
struct HeldBuffer {
  Py_buffer view{};
  bool filled = false;  // set once PyObject_GetBuffer succeeded

  HeldBuffer() = default;
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
  ~HeldBuffer() {
    if (filled) with_gil_if_alive([this] { PyBuffer_Release(&view); });
  }
};

}  // namespace tensorbridge::python
