#pragma once
// A node of the backward graph: the backward of one recorded op. It receives the gradient
// of each of the op's outputs and returns the gradient of each of its inputs, which the
// engine sends along `next_edges` (edge i: input i's own node and which of that node's
// outputs input i was). Nodes are made as ops run; the output tensors own them through
// their grad_fn and nodes own the nodes of their inputs, so a graph lives exactly as long
// as some tensor that can reach it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/small_vector.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::autograd {

class Node;
class Engine;

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;  // which output of `fn`
  bool valid() const { return fn != nullptr; }
};

using GradList = SmallVector<TensorBase, 2>;
using EdgeList = SmallVector<Edge, 2>;

// What the engine checks an incoming gradient against (and reduces a broadcast one to).
struct OutputMeta {
  Shape shape;
  DType dtype = DType::Float32;
  Device device;
};

// Sees the gradient of a tensor and may replace it (an undefined result keeps it).
using GradHook = std::function<TensorBase(const TensorBase&)>;

struct PreHook {
  uint32_t output_nr;
  std::size_t id;
  GradHook fn;
  bool runs_last;  // retain_grad: sees the gradient after every user hook
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node() : sequence_nr_(next_sequence_nr()) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node();

  // The op's name with "Backward" appended, as PyTorch prints grad_fn.
  virtual const char* name() const = 0;
  // grads[i] is the gradient of the forward op's output i, undefined where no gradient
  // arrived (i.e. zero). Returns one gradient per next edge; undefined means zero.
  virtual GradList apply(GradList&& grads) = 0;
  // Frees what apply needs from the forward pass (saved tensors) once backward has run
  // without retain_graph; a later apply that needs them must raise.
  virtual void release_saved() {}
  // The leaf end of the graph (AccumulateGrad): the engine accumulates into .grad itself.
  virtual bool is_accumulator() const { return false; }

  const EdgeList& next_edges() const { return next_edges_; }
  EdgeList& mutable_next_edges() { return next_edges_; }
  const Edge& next_edge(std::size_t i) const { return next_edges_[i]; }
  // Whether input i wants a gradient (formulas skip the work for the others).
  bool needs_input_grad(std::size_t i) const {
    return i < next_edges_.size() && next_edges_[i].valid();
  }
  void add_next_edge(Edge edge) { next_edges_.push_back(std::move(edge)); }

  // Forward outputs: one OutputMeta each, recorded when the op sets its outputs' history.
  std::size_t num_outputs() const { return outputs_.size(); }
  const OutputMeta& output_meta(std::size_t i) const { return outputs_[i]; }
  uint32_t add_output(const TensorBase& t) {
    outputs_.push_back(OutputMeta{t.shape(), t.dtype(), t.device()});
    return static_cast<uint32_t>(outputs_.size() - 1);
  }

  // Creation order; later nodes are newer.
  uint64_t sequence_nr() const { return sequence_nr_; }

  std::size_t add_pre_hook(uint32_t output_nr, GradHook fn, bool runs_last = false) {
    if (!pre_hooks_) pre_hooks_ = std::make_unique<std::vector<PreHook>>();
    const std::size_t id = next_hook_id();
    pre_hooks_->push_back(PreHook{output_nr, id, std::move(fn), runs_last});
    return id;
  }
  bool remove_pre_hook(std::size_t id) {
    if (!pre_hooks_) return false;
    for (auto it = pre_hooks_->begin(); it != pre_hooks_->end(); ++it) {
      if (it->id == id) {
        pre_hooks_->erase(it);
        return true;
      }
    }
    return false;
  }
  const std::vector<PreHook>* pre_hooks() const { return pre_hooks_.get(); }

  static std::size_t next_hook_id() {
    static std::atomic<std::size_t> counter{0};
    return ++counter;
  }

 private:
  friend class Engine;

  static uint64_t next_sequence_nr() {
    thread_local uint64_t counter = 0;
    return ++counter;
  }

  EdgeList next_edges_;
  SmallVector<OutputMeta, 1> outputs_;
  std::unique_ptr<std::vector<PreHook>> pre_hooks_;
  uint64_t sequence_nr_;

  // The engine's bookkeeping for the backward pass now running through this node, kept
  // here rather than in hash maps keyed by node (the engine runs a graph once at a time).
  uint64_t run_id_ = 0;
  int64_t dependencies_ = 0;
  GradList input_buffer_;
  bool needed_ = true;
  bool queued_ = false;
};

// Dropping the last tensor of a 100,000-op chain would otherwise destroy node after node
// recursively (each node's destructor releasing the next) and overflow the stack. Instead
// a destructor takes over the input nodes it is the last owner of and, before letting
// each one go, takes over that node's sole-owned inputs in turn: the nodes it destroys
// find their edges already empty, so the depth stays one.
inline Node::~Node() {
  std::vector<std::shared_ptr<Node>> orphans;
  auto adopt = [&orphans](EdgeList& edges) {
    for (std::size_t i = 0; i < edges.size(); ++i) {
      std::shared_ptr<Node>& fn = edges[i].fn;
      if (fn && fn.use_count() == 1) orphans.push_back(std::move(fn));
    }
  };
  adopt(next_edges_);
  while (!orphans.empty()) {
    std::shared_ptr<Node> node = std::move(orphans.back());
    orphans.pop_back();
    adopt(node->next_edges_);
    node.reset();
  }
}

}  // namespace tensorbridge::autograd
