#pragma once
// The umbrella header: everything tensorbridge offers on the CPU.
#include "tensorbridge/version.hpp"
#include "tensorbridge/core/dtype.hpp"
#include "tensorbridge/core/device.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/core/print.hpp"
#include "tensorbridge/core/tensor.hpp"
#include "tensorbridge/interop/buffer.hpp"
#include "tensorbridge/interop/dlpack.hpp"
#include "tensorbridge/interop/eigen.hpp"
#include "tensorbridge/ops/api_indexing.hpp"
#include "tensorbridge/ops/api_linalg.hpp"
