#pragma once
// Everything optim: SGD, Adam, AdamW and the StepLR schedule.
#include "tensorbridge/optim/adam.hpp"
#include "tensorbridge/optim/lr_scheduler.hpp"
#include "tensorbridge/optim/optimizer.hpp"
#include "tensorbridge/optim/sgd.hpp"
