#pragma once
// tb::einsum: Einstein summation with PyTorch's semantics, composed of public ops that
// record autograd graphs and run on every device (diagonal, sum, squeeze, permute, reshape,
// mul, matmul), so it needs no kernel or backward formula of its own.
//
// Plan, as in PyTorch's own einsum: each operand first loses its repeated labels (diagonal
// views) and the labels no other operand and not the output has (summed); the operands are
// then combined left to right. A pair's shared labels that nothing later needs are
// contracted by one matmul of the operands permuted and reshaped to [batch..., M, K] and
// [batch..., K, N] (the batch labels broadcast inside matmul, never through a materialized
// copy); a pair that shares nothing to contract is an elementwise/outer product (mul of
// views), and one that keeps only batch labels (batched dot products) is mul + sum. A label
// may have size 1 in one operand and size n in another (it broadcasts).
//
// Dtypes: each pair is promoted to its common dtype (result_type), so mixed dtypes always
// work; PyTorch promotes only pairs it multiplies elementwise and refuses ("expected scalar
// type") pairs it contracts. Sums of integer or bool labels give int64, as PyTorch's sum.
#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tensorbridge/core/copy.hpp"
#include "tensorbridge/core/error.hpp"
#include "tensorbridge/core/tensor_base.hpp"
#include "tensorbridge/core/views.hpp"
#include "tensorbridge/ops/api_elementwise.hpp"
#include "tensorbridge/ops/api_linalg.hpp"
#include "tensorbridge/ops/api_reduce.hpp"
#include "tensorbridge/ops/promotion.hpp"

namespace tensorbridge {
namespace einsum_detail {

// Labels are ints: the letters A-Z, a-z are 0..51 (PyTorch's numbering, so the implicit
// output, sorted by label, puts uppercase first), and dimension j of the broadcast ellipsis
// is kLetters + j. kEllipsis marks "..." in a parsed term.
constexpr int kLetters = 52;
constexpr int kEllipsis = -1;

inline bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
inline int letter_label(char c) { return c <= 'Z' ? c - 'A' : c - 'a' + 26; }
inline char label_letter(int label) {
  return static_cast<char>(label < 26 ? 'A' + label : 'a' + (label - 26));
}

// What every error message ends with: the equation and the operands, so the failing call can
// be found ("einsum: ... (equation 'ij,jk->ik', operands float32 [2, 3] on cpu, ...)").
struct Context {
  std::string_view equation;
  const std::vector<TensorBase>& operands;
};
inline std::ostream& operator<<(std::ostream& os, const Context& c) {
  os << " (equation '" << c.equation << "', operands ";
  for (std::size_t i = 0; i < c.operands.size(); ++i) {
    const TensorBase& t = c.operands[i];
    if (i > 0) os << ", ";
    if (t.defined()) {
      os << t.dtype() << ' ' << shape_str(t.shape()) << " on " << t.device();
    } else {
      os << "undefined";
    }
  }
  return os << ')';
}

struct Equation {
  std::vector<std::vector<int>> inputs;  // per operand: letter labels and kEllipsis
  std::vector<int> output;               // the same, when explicit
  bool explicit_output = false;
};

inline std::string term_name(const Equation& eq) {
  return eq.explicit_output ? std::string("the output")
                            : detail::str_cat("operand ", eq.inputs.size() - 1);
}

// Splits the equation into terms: letters, "..." at most once per term, spaces ignored.
inline Equation parse(const Context& ctx) {
  const std::string_view s = ctx.equation;
  Equation eq;
  eq.inputs.emplace_back();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    std::vector<int>& term = eq.explicit_output ? eq.output : eq.inputs.back();
    if (c == ' ') continue;
    if (!eq.explicit_output && c == '-' && i + 1 < s.size() && s[i + 1] == '>') {
      eq.explicit_output = true;
      ++i;
    } else if (!eq.explicit_output && c == ',') {
      eq.inputs.emplace_back();
    } else if (c == '.') {
      TB_CHECK(s.substr(i, 3) == "...", ValueError, "einsum: '.' at index ", i, " of ",
               term_name(eq), " is not part of an ellipsis '...'", ctx);
      TB_CHECK(std::count(term.begin(), term.end(), kEllipsis) == 0, ValueError,
               "einsum: more than one ellipsis '...' in ", term_name(eq), ctx);
      term.push_back(kEllipsis);
      i += 2;
    } else {
      TB_CHECK(is_letter(c), ValueError, "einsum: invalid character '", c, "' at index ", i,
               " of the equation; subscripts must be letters a-z or A-Z", ctx);
      term.push_back(letter_label(c));
    }
  }
  TB_CHECK(eq.inputs.size() == ctx.operands.size(), ValueError, "einsum: the equation has ",
           eq.inputs.size(), " operand term(s) but ", ctx.operands.size(),
           " operand(s) were given", ctx);
  return eq;
}

// An operand with one label per dimension (repeated labels allowed until take_diagonals).
struct Term {
  TensorBase t;
  std::vector<int> labels;
};

// The operands' labels and every label's broadcast size and last use, checked.
struct Plan {
  std::vector<Term> terms;
  std::vector<int> output;        // one label per output dimension
  std::vector<int64_t> size;      // by label; -1 where unused
  std::vector<int> last_use;      // by label: the last operand using it; n for output labels
};

// The labels of operand i's dimensions: its letters, with the ellipsis covering its extra
// dimensions as the last ones of the broadcast ellipsis (right-aligned, as broadcasting).
inline std::vector<int> dim_labels(const std::vector<int>& subs, int64_t rank, std::size_t i,
                                   int64_t& ellipsis_rank, const Context& ctx) {
  const auto letters = static_cast<int64_t>(
      std::count_if(subs.begin(), subs.end(), [](int s) { return s != kEllipsis; }));
  const bool has_ellipsis = static_cast<int64_t>(subs.size()) != letters;
  TB_CHECK(has_ellipsis || letters == rank, ValueError, "einsum: operand ", i, " has ", rank,
           " dimension(s) but ", letters, " subscript(s) and no ellipsis", ctx);
  TB_CHECK(letters <= rank, ValueError, "einsum: operand ", i, " has ", rank,
           " dimension(s) but ", letters, " subscript(s) besides the ellipsis", ctx);
  const int64_t covered = rank - letters;
  ellipsis_rank = std::max(ellipsis_rank, covered);
  std::vector<int> labels;
  for (int s : subs) {
    if (s != kEllipsis) {
      labels.push_back(s);
      continue;
    }
    // Provisional: counted from the right (-1 is the last ellipsis dimension), fixed up
    // once every operand's ellipsis rank is known.
    for (int64_t j = covered; j > 0; --j) labels.push_back(-static_cast<int>(j));
  }
  return labels;
}

// Records the sizes of operand i's labels: repeated within the operand they must be equal,
// across operands they broadcast (1 against n).
inline void record_sizes(const Term& term, std::size_t i, std::vector<int64_t>& size,
                         const Context& ctx) {
  std::vector<int64_t> own(size.size(), -1);
  for (std::size_t d = 0; d < term.labels.size(); ++d) {
    const int l = term.labels[d];
    const int64_t s = term.t.shape()[d];
    const bool letter = l < kLetters;
    TB_CHECK(own[l] == -1 || own[l] == s, ValueError, "einsum: subscript '", label_letter(l),
             "' is repeated in operand ", i, " with different sizes ", own[l], " and ", s, ctx);
    own[l] = s;
    if (size[l] == -1 || size[l] == 1) {
      size[l] = s;
      continue;
    }
    TB_CHECK(s == 1 || s == size[l], ValueError, "einsum: ",
             letter ? detail::str_cat("subscript '", label_letter(l), "'")
                    : detail::str_cat("dimension ", l - kLetters, " of the ellipsis"),
             " has size ", s, " in operand ", i, " but size ", size[l],
             " in an earlier operand (sizes must match or be 1)", ctx);
  }
}

// The output's labels: as written (the ellipsis expanded), or implicitly the ellipsis
// dimensions followed by the letters used exactly once, sorted.
inline std::vector<int> output_labels(const Equation& eq, const std::vector<Term>& terms,
                                      int64_t ellipsis_rank, const Context& ctx) {
  std::vector<int> count(static_cast<std::size_t>(kLetters), 0);
  for (const Term& term : terms) {
    for (int l : term.labels) {
      if (l < kLetters) ++count[l];
    }
  }
  std::vector<int> out;
  auto add_ellipsis = [&] {
    for (int64_t j = 0; j < ellipsis_rank; ++j) out.push_back(kLetters + static_cast<int>(j));
  };
  if (!eq.explicit_output) {
    add_ellipsis();
    for (int l = 0; l < kLetters; ++l) {
      if (count[l] == 1) out.push_back(l);
    }
    return out;
  }
  for (int s : eq.output) {
    if (s == kEllipsis) {
      add_ellipsis();
      continue;
    }
    TB_CHECK(count[s] > 0, ValueError, "einsum: output subscript '", label_letter(s),
             "' does not appear in any operand", ctx);
    TB_CHECK(std::find(out.begin(), out.end(), s) == out.end(), ValueError,
             "einsum: output subscript '", label_letter(s), "' appears more than once", ctx);
    out.push_back(s);
  }
  return out;
}

inline Plan make_plan(const Equation& eq, const Context& ctx) {
  const std::vector<TensorBase>& operands = ctx.operands;
  Plan plan;
  int64_t ellipsis_rank = 0;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    TB_CHECK(operands[i].defined(), ValueError, "einsum: operand ", i, " is undefined", ctx);
    TB_CHECK(operands[i].device() == operands[0].device(), DeviceError,
             "einsum: expected all operands on one device, but operand 0 is on ",
             operands[0].device(), " and operand ", i, " on ", operands[i].device(), ctx);
    plan.terms.push_back(
        {operands[i], dim_labels(eq.inputs[i], operands[i].dim(), i, ellipsis_rank, ctx)});
  }
  for (Term& term : plan.terms) {
    for (int& l : term.labels) {
      if (l < 0) l = kLetters + static_cast<int>(ellipsis_rank) + l;
    }
  }
  const std::size_t labels = static_cast<std::size_t>(kLetters + ellipsis_rank);
  plan.size.assign(labels, -1);
  for (std::size_t i = 0; i < plan.terms.size(); ++i) {
    record_sizes(plan.terms[i], i, plan.size, ctx);
  }
  plan.output = output_labels(eq, plan.terms, ellipsis_rank, ctx);
  plan.last_use.assign(labels, -1);
  for (std::size_t i = 0; i < plan.terms.size(); ++i) {
    for (int l : plan.terms[i].labels) plan.last_use[l] = static_cast<int>(i);
  }
  for (int l : plan.output) plan.last_use[l] = static_cast<int>(plan.terms.size());
  return plan;
}

// ---- steps on terms ---------------------------------------------------------------------------

inline bool has_label(const Term& term, int label) {
  return std::find(term.labels.begin(), term.labels.end(), label) != term.labels.end();
}
inline int64_t label_size(const Term& term, int label) {
  const auto d = std::find(term.labels.begin(), term.labels.end(), label) - term.labels.begin();
  return term.t.shape()[d];
}

// A label repeated within one operand ("ii") keeps only its diagonal.
inline void take_diagonals(Term& term) {
  for (std::size_t a = 0; a < term.labels.size(); ++a) {
    for (std::size_t b = a + 1; b < term.labels.size(); ++b) {
      if (term.labels[a] != term.labels[b]) continue;
      const int l = term.labels[a];
      term.t = term.t.diagonal(0, static_cast<int64_t>(a), static_cast<int64_t>(b));
      term.labels.erase(term.labels.begin() + static_cast<std::ptrdiff_t>(b));
      term.labels.erase(term.labels.begin() + static_cast<std::ptrdiff_t>(a));
      term.labels.push_back(l);  // diagonal() appends the diagonal as the last dimension
      a = static_cast<std::size_t>(-1);
      break;
    }
  }
}

// Removes the labels marked in `drop` (indexed by label): size-1 dimensions are squeezed,
// the others summed (as PyTorch does, so a squeezed integer label keeps its dtype and a
// summed one gives int64).
inline void drop_labels(Term& term, const std::vector<bool>& drop) {
  std::vector<int64_t> summed;
  std::vector<int> kept;
  for (std::size_t d = 0; d < term.labels.size(); ++d) {
    if (!drop[term.labels[d]]) {
      kept.push_back(term.labels[d]);
    } else if (term.t.shape()[d] != 1) {
      summed.push_back(static_cast<int64_t>(d));
    }
  }
  if (kept.size() == term.labels.size()) return;
  if (!summed.empty()) term.t = sum(term.t, summed, /*keepdim=*/true);
  for (auto d = static_cast<int64_t>(term.labels.size()) - 1; d >= 0; --d) {
    if (drop[term.labels[static_cast<std::size_t>(d)]]) term.t = term.t.squeeze(d);
  }
  term.labels = std::move(kept);
}

// term's dimensions in the order of `order` (a permutation of its labels); the tensor itself
// when they already are.
inline TensorBase arranged(const Term& term, const std::vector<int>& order) {
  if (order == term.labels) return term.t;
  std::vector<int64_t> perm;
  for (int l : order) {
    perm.push_back(std::find(term.labels.begin(), term.labels.end(), l) - term.labels.begin());
  }
  return term.t.permute(perm);
}

inline Shape sizes_of(const Term& term, const std::vector<int>& labels) {
  Shape out;
  for (int l : labels) out.push_back(label_size(term, l));
  return out;
}

template <typename V, typename... Vs>
V joined(V first, const Vs&... rest) {
  (first.insert(first.end(), rest.begin(), rest.end()), ...);
  return first;
}

// Combines operand `step` (rhs) into the running result (lhs). Labels that nothing after
// this step needs leave first: those only rhs has are summed, and so are shared ones of
// size 1 on one side (they broadcast: sum the other side, squeeze this one). The remaining
// shared ones are contracted by the product.
inline Term combine(Term lhs, Term rhs, int step, const Plan& plan, const Context& ctx) {
  std::vector<bool> drop_lhs(plan.size.size(), false), drop_rhs(plan.size.size(), false);
  for (int l : rhs.labels) {
    if (plan.last_use[l] != step) continue;
    if (!has_label(lhs, l)) {
      drop_rhs[l] = true;
    } else if (label_size(lhs, l) == 1 || label_size(rhs, l) == 1) {
      drop_lhs[l] = drop_rhs[l] = true;
    }
  }
  drop_labels(lhs, drop_lhs);
  drop_labels(rhs, drop_rhs);

  std::vector<int> batch, left, contracted, right;
  for (int l : lhs.labels) {
    if (!has_label(rhs, l)) {
      left.push_back(l);
    } else if (plan.last_use[l] == step) {
      contracted.push_back(l);
    } else {
      batch.push_back(l);
    }
  }
  for (int l : rhs.labels) {
    if (!has_label(lhs, l)) right.push_back(l);
  }
  const Shape lb = sizes_of(lhs, batch), rb = sizes_of(rhs, batch);
  const Shape m = sizes_of(lhs, left), n = sizes_of(rhs, right), k = sizes_of(lhs, contracted);
  std::vector<int> labels = joined(batch, left, right);

  if (contracted.empty()) {  // an elementwise/outer product: every product is an output
    const TensorBase a =
        arranged(lhs, joined(batch, left)).reshape(joined(lb, m, Shape(n.size(), 1)));
    const TensorBase b =
        arranged(rhs, joined(batch, right)).reshape(joined(rb, Shape(m.size(), 1), n));
    return {mul(a, b), std::move(labels)};
  }

  if (lhs.t.dtype() != rhs.t.dtype()) {
    const DType common = result_type(lhs.t, rhs.t);
    lhs.t = lhs.t.to(common);
    rhs.t = rhs.t.to(common);
  }
  const DType dtype = lhs.t.dtype();
  TB_CHECK(dtype != DType::Bool, TypeError,
           "einsum: cannot contract bool operands (no matmul for bool, as in PyTorch)", ctx);
  if (left.empty() && right.empty() && dtype != DType::Float16 && dtype != DType::BFloat16) {
    // Batched dot products ("i,i->", "bi,bi->b"): the GEMM's 1 x K by K x 1 case is several
    // times slower than mul + sum, and this product is no larger than the broadcast operands.
    // float16/bfloat16 stay with matmul, which accumulates unrounded products in float32.
    const TensorBase product =
        mul(arranged(lhs, joined(batch, contracted)), arranged(rhs, joined(batch, contracted)));
    std::vector<int64_t> dims;
    for (std::size_t d = batch.size(); d < batch.size() + contracted.size(); ++d) {
      dims.push_back(static_cast<int64_t>(d));
    }
    return {sum(product, dims, /*keepdim=*/false, dtype), std::move(labels)};
  }
  const TensorBase a = arranged(lhs, joined(batch, left, contracted))
                           .reshape(joined(lb, Shape{checked_numel(m, "einsum"), checked_numel(k, "einsum")}));
  const TensorBase b = arranged(rhs, joined(batch, contracted, right))
                           .reshape(joined(rb, Shape{checked_numel(k, "einsum"), checked_numel(n, "einsum")}));
  const TensorBase c = matmul(a, b);  // [batch (broadcast)..., M, N]
  const Shape batch_out(c.shape().begin(), c.shape().end() - 2);
  return {c.reshape(joined(batch_out, m, n)), std::move(labels)};
}

}  // namespace einsum_detail

// Einstein summation over `operands` as `equation` says ("ij,jk->ik", "bij,bjk->bik",
// "ii->i", "...ij,...jk"), with torch.einsum's rules: letters a-z/A-Z, spaces ignored, "..."
// for broadcast dimensions, an implicit output (no "->") of the ellipsis dimensions and the
// letters used once in alphabetical order (uppercase first). Differentiable; any device.
inline TensorBase einsum(std::string_view equation, const std::vector<TensorBase>& operands) {
  using namespace einsum_detail;
  const Context ctx{equation, operands};
  const Equation eq = parse(ctx);
  Plan plan = make_plan(eq, ctx);
  Term result = std::move(plan.terms[0]);
  take_diagonals(result);
  std::vector<bool> unused(plan.size.size(), false);
  for (int l : result.labels) unused[l] = plan.last_use[l] == 0;
  drop_labels(result, unused);
  for (std::size_t i = 1; i < plan.terms.size(); ++i) {
    take_diagonals(plan.terms[i]);
    result = combine(std::move(result), std::move(plan.terms[i]), static_cast<int>(i), plan, ctx);
  }
  return arranged(result, plan.output);
}

}  // namespace tensorbridge
