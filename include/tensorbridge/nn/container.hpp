#pragma once
// nn::Sequential: modules applied in order; they are registered as "0", "1", ... so
// parameters are named "0.weight", "2.bias" as in PyTorch.
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/nn/module.hpp"

namespace tensorbridge::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Sequential() {
    for (const auto& m : modules) push_back(m);
  }

  void push_back(std::shared_ptr<Module> module) {
    register_module(std::to_string(layers_.size()), module);
    layers_.push_back(std::move(module));
  }
  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Module>& operator[](std::size_t i) const { return layers_.at(i); }

  TensorBase forward(const TensorBase& input) override {
    TensorBase x = input;
    for (const auto& layer : layers_) x = layer->forward(x);
    return x;
  }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace tensorbridge::nn
