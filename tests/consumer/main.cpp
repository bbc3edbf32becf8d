// What a user's first program looks like; exits non-zero on any surprise.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <tensorbridge/tensorbridge.hpp>

namespace tb = tensorbridge;

int main() {
  if (std::strcmp(tb::version_string, TB_EXPECTED_VERSION) != 0) {
    std::fprintf(stderr, "version %s, expected %s\n", tb::version_string, TB_EXPECTED_VERSION);
    return 1;
  }
  auto t = tb::tensor({{1.f, 2.f}, {3.f, 4.f}});
  std::ostringstream out;
  out << t;
  std::cout << out.str() << '\n' << "tensorbridge " << tb::version_string << '\n';
  if (t.numel() != 4 || out.str().rfind("tensor([[1.", 0) != 0) {
    std::fprintf(stderr, "unexpected tensor: numel %lld\n", static_cast<long long>(t.numel()));
    return 1;
  }
  return 0;
}
