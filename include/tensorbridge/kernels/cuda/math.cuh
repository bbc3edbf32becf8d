#pragma once
// The scalar functions of the CUDA elementwise ops, on opmath values (float for the 16-bit
// floats). Semantics follow the CPU kernels: maximum/minimum/relu propagate NaN, sign of
// NaN is 0, integer ops wrap.
#include <cuda_runtime.h>

#include <type_traits>

namespace tensorbridge::kernels::cuda {

template <typename C>
__device__ __forceinline__ bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return v != v;
  } else {
    return false;
  }
}

// ---- binary ----
template <typename C>
struct AddOp {
  C alpha;
  __device__ C operator()(C a, C b) const { return a + alpha * b; }
};
template <typename C>
struct SubOp {
  C alpha;
  __device__ C operator()(C a, C b) const { return a - alpha * b; }
};
struct MulOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return a * b; }
};
struct DivOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return a / b; }
};
struct MaximumOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return (is_nan(a) || a > b) ? a : b; }
};
struct MinimumOp {
  template <typename C>
  __device__ C operator()(C a, C b) const { return (is_nan(a) || a < b) ? a : b; }
};
#define TB_CUDA_COMPARE_OP(Name, expr)                         \
  struct Name {                                                \
    template <typename C>                                      \
    __device__ bool operator()(C a, C b) const { return expr; } \
  };
TB_CUDA_COMPARE_OP(EqOp, a == b)
TB_CUDA_COMPARE_OP(NeOp, a != b)
TB_CUDA_COMPARE_OP(LtOp, a < b)
TB_CUDA_COMPARE_OP(LeOp, a <= b)
TB_CUDA_COMPARE_OP(GtOp, a > b)
TB_CUDA_COMPARE_OP(GeOp, a >= b)
#undef TB_CUDA_COMPARE_OP

// ---- unary: any real type ----
struct NegOp {
  template <typename C>
  __device__ C operator()(C a) const { return -a; }
};
struct AbsOp {
  template <typename C>
  __device__ C operator()(C a) const {
    if constexpr (std::is_floating_point_v<C>) {
      return fabs(a);
    } else {
      return a < C(0) ? C(-a) : a;
    }
  }
};
struct ReluOp {
  template <typename C>
  __device__ C operator()(C a) const { return (is_nan(a) || a > C(0)) ? a : C(0); }
};
struct SquareOp {
  template <typename C>
  __device__ C operator()(C a) const { return a * a; }
};
struct SignOp {
  template <typename C>
  __device__ C operator()(C a) const { return static_cast<C>((C(0) < a) - (a < C(0))); }
};

// ---- unary: floating point (float and double overloads of CUDA's math library) ----
#define TB_CUDA_FLOAT_OP(Name, expr)              \
  struct Name {                                   \
    template <typename C>                         \
    __device__ C operator()(C a) const {          \
      static_assert(std::is_floating_point_v<C>); \
      return expr;                                \
    }                                             \
  };
TB_CUDA_FLOAT_OP(ExpOp, exp(a))
TB_CUDA_FLOAT_OP(Expm1Op, expm1(a))
TB_CUDA_FLOAT_OP(LogOp, log(a))
TB_CUDA_FLOAT_OP(Log1pOp, log1p(a))
TB_CUDA_FLOAT_OP(Log2Op, log2(a))
TB_CUDA_FLOAT_OP(Log10Op, log10(a))
TB_CUDA_FLOAT_OP(SqrtOp, sqrt(a))
TB_CUDA_FLOAT_OP(RsqrtOp, rsqrt(a))
TB_CUDA_FLOAT_OP(SinOp, sin(a))
TB_CUDA_FLOAT_OP(CosOp, cos(a))
TB_CUDA_FLOAT_OP(TanOp, tan(a))
TB_CUDA_FLOAT_OP(TanhOp, tanh(a))
TB_CUDA_FLOAT_OP(ErfOp, erf(a))
TB_CUDA_FLOAT_OP(SigmoidOp, C(1) / (C(1) + exp(-a)))
TB_CUDA_FLOAT_OP(ReciprocalOp, C(1) / a)
TB_CUDA_FLOAT_OP(FloorOp, floor(a))
TB_CUDA_FLOAT_OP(CeilOp, ceil(a))
TB_CUDA_FLOAT_OP(TruncOp, trunc(a))
#undef TB_CUDA_FLOAT_OP

}  // namespace tensorbridge::kernels::cuda
