#pragma once
// Everything nn: Module, the layers, activations, losses, init and functional.
#include "tensorbridge/nn/activation.hpp"
#include "tensorbridge/nn/container.hpp"
#include "tensorbridge/nn/functional.hpp"
#include "tensorbridge/nn/init.hpp"
#include "tensorbridge/nn/layers.hpp"
#include "tensorbridge/nn/linear.hpp"
#include "tensorbridge/nn/loss.hpp"
#include "tensorbridge/nn/module.hpp"
