#pragma once
// Maps the tensorbridge exception family to the Python exceptions the ecosystem raises for
// the same mistakes: TypeError for dtypes, ValueError for shapes and values (and, as NumPy
// does, for writes to read-only memory), IndexError, BufferError for export/import refusals,
// RuntimeError for the rest.
#include <pybind11/pybind11.h>

#include <exception>

#include "tensorbridge/core/error.hpp"

namespace tensorbridge::python {

// Sets the Python error for the exception in flight when it is a tensorbridge error;
// rethrows anything else. Usable as a pybind11 exception translator body.
inline void translate_exception(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const ReadOnlyError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const BufferError& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
  } catch (const Error& e) {  // DeviceError and the base class
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
}

// Registers the mapping for every module that shares this pybind11 build's internals. An
// extension that takes or returns tensorbridge tensors calls it once in PYBIND11_MODULE.
inline void register_exception_translator() {
  pybind11::register_exception_translator(&translate_exception);
}

}  // namespace tensorbridge::python
