#pragma once
// Everything autograd: grad mode, the graph, the engine, the differentiable ops, custom
// functions, gradcheck, and the TensorBase methods (requires_grad_, backward, grad, ...).
#include "tensorbridge/autograd/engine.hpp"
#include "tensorbridge/autograd/function.hpp"
#include "tensorbridge/autograd/functions_elementwise.hpp"
#include "tensorbridge/autograd/functions_index.hpp"
#include "tensorbridge/autograd/functions_linalg.hpp"
#include "tensorbridge/autograd/functions_nn.hpp"
#include "tensorbridge/autograd/functions_reduce.hpp"
#include "tensorbridge/autograd/functions_unary.hpp"
#include "tensorbridge/autograd/functions_view.hpp"
#include "tensorbridge/autograd/gradcheck.hpp"
#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/meta.hpp"
#include "tensorbridge/autograd/node.hpp"
#include "tensorbridge/autograd/saved_tensor.hpp"
#include "tensorbridge/autograd/tensor_methods.hpp"
