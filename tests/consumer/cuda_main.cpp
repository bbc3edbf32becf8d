// tensorbridge::cuda from a plain C++ compiler: the definition arrives and the CUDA runtime
// links. Needs no GPU: cudaGetErrorString only looks up a string.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <tensorbridge/version.hpp>

int main() {
#ifndef TENSORBRIDGE_WITH_CUDA
  std::fprintf(stderr, "tensorbridge::cuda did not define TENSORBRIDGE_WITH_CUDA\n");
  return 1;
#else
  std::printf("tensorbridge %s, CUDA runtime headers %d: %s\n", tensorbridge::version_string,
              CUDART_VERSION, cudaGetErrorString(cudaSuccess));
  return 0;
#endif
}
