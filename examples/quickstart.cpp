// The README's C++ quickstart: build a tensor, take views that share its memory,
// write through one and see it in the others, then copy and convert.
#include <iostream>

#include <tensorbridge/tensorbridge.hpp>

namespace tb = tensorbridge;

int main() {
  tb::Tensor<float> x = tb::tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  std::cout << x << "\n";

  tb::Tensor<float> xt = x.t();                      // a view: no copy
  tb::Tensor<float> col = x.select(1, 2);            // x[:, 2]
  tb::Tensor<float> rev = x.flip({1});               // negative strides, still a view
  xt(2, 0) = 30.f;                                   // writes x[0, 2]
  std::cout << "x[0, 2] via col: " << col(0) << ", via rev: " << rev(0, 0) << "\n";

  tb::TensorBase d = x.to(tb::DType::Float64);       // a converted copy
  std::cout << d.reshape({3, 2}) << "\n";
  std::cout << tb::arange<int64_t>(0, 6).view({2, 3}).t().contiguous() << "\n";
}
