#pragma once
// The CPU kernels' functors for PyTorch's complex functions: the complex forms of sigmoid,
// tan, log1p, expm1, rsqrt and reciprocal, and the functors of the complex API (conj, angle,
// sgn). Each takes and returns the op math type (std::complex<float|double>, or a real type
// where the op is defined on reals too).
//
// The math itself is kernels/complex_math.hpp's, which the CUDA kernels run too: one
// definition for both devices. A std::complex is converted to kernels::Complex (the same
// layout) at the call and back.
#include <complex>

#include "tensorbridge/kernels/complex_math.hpp"
#include "tensorbridge/kernels/cpu/scalar_math.hpp"

namespace tensorbridge::kernels::cpu {

template <typename R>
Complex<R> to_complex_struct(const std::complex<R>& z) {
  return {z.real(), z.imag()};
}
template <typename R>
std::complex<R> to_std_complex(Complex<R> z) {
  return {z.re, z.im};
}

// A std::complex functor running the shared function `fn` of kernels/complex_math.hpp.
#define TB_SHARED_COMPLEX_FN(Name, fn)                                    \
  struct Name {                                                           \
    template <typename R>                                                 \
    std::complex<R> operator()(const std::complex<R>& z) const {          \
      return to_std_complex(kernels::fn(to_complex_struct(z)));           \
    }                                                                     \
  };
TB_SHARED_COMPLEX_FN(ComplexSigmoidFn, sigmoid)
TB_SHARED_COMPLEX_FN(ComplexReciprocalFn, reciprocal)
TB_SHARED_COMPLEX_FN(ComplexTanFn, tan)
TB_SHARED_COMPLEX_FN(ComplexRsqrtFn, rsqrt)
TB_SHARED_COMPLEX_FN(ComplexLog1pFn, log1p)
TB_SHARED_COMPLEX_FN(ComplexExpm1Fn, expm1)
TB_SHARED_COMPLEX_FN(SgnFn, sgn)
#undef TB_SHARED_COMPLEX_FN

// The complex conjugate; other types unchanged (conj of a real tensor is itself).
struct ConjFn {
  template <typename C>
  C operator()(const C& a) const {
    if constexpr (is_complex_v<C>) return to_std_complex(kernels::conj(to_complex_struct(a)));
    else return kernels::conj(a);
  }
};

// The argument: a real result for complex numbers, PyTorch's rule for reals (see angle).
struct AngleFn {
  template <typename C>
  auto operator()(const C& a) const {
    if constexpr (is_complex_v<C>) return kernels::angle(to_complex_struct(a));
    else return kernels::angle(a);
  }
};

}  // namespace tensorbridge::kernels::cpu
