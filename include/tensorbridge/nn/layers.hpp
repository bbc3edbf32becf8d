#pragma once
// Dropout (active only in training mode), Flatten and Embedding.
#include <cmath>
#include <cstdint>
#include <optional>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/nn/functional.hpp"
#include "tensorbridge/nn/init.hpp"
#include "tensorbridge/nn/module.hpp"

namespace tensorbridge::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : Module("Dropout"), p(p) {
    TB_CHECK(p >= 0 && p <= 1, ValueError,
             "dropout probability has to be between 0 and 1, but got ", p);
  }
  TensorBase forward(const TensorBase& x) override {
    return functional::dropout(x, p, is_training());
  }
  double p;
};

// Flattens dims start_dim..end_dim into one (by default all but the batch dim).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  TensorBase forward(const TensorBase& x) override {
    return functional::flatten(x, start_dim, end_dim);
  }
  int64_t start_dim, end_dim;
};

// A lookup table of num_embeddings rows of embedding_dim, initialized N(0, 1) (the row
// padding_idx, if given, is zero and gets no gradient).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<int64_t> padding_idx = std::nullopt, DType dtype = DType::Float32)
      : Module("Embedding"), num_embeddings(num_embeddings), embedding_dim(embedding_dim) {
    if (padding_idx) {
      TB_CHECK(*padding_idx >= -num_embeddings && *padding_idx < num_embeddings, IndexError,
               "Embedding: padding_idx ", *padding_idx, " must be within num_embeddings (",
               num_embeddings, ")");
      this->padding_idx = *padding_idx < 0 ? *padding_idx + num_embeddings : *padding_idx;
    }
    weight = register_parameter("weight", empty({num_embeddings, embedding_dim}, dtype));
    init::normal_(weight);
    if (this->padding_idx) {
      autograd::NoGradGuard no_grad;
      weight.select(0, *this->padding_idx).zero_();
    }
  }
  TensorBase forward(const TensorBase& indices) override {
    return functional::embedding(indices, weight, padding_idx);
  }
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  TensorBase weight;
};

}  // namespace tensorbridge::nn
