// The one translation unit of test_cuda_kernels compiled by nvcc: including the header
// registers tensorbridge's CUDA kernels with the op dispatch before main runs.
#include <tensorbridge/cuda/kernels.cuh>
