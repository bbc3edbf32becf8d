#pragma once
// nn::Module: the base of layers and models, with PyTorch's bookkeeping: parameters,
// buffers and submodules registered by name (recursive listings use dotted names such as
// "0.weight"), train/eval mode, zero_grad, state_dict/load_state_dict and to(dtype).
//
// A model is a class deriving from Module that registers what it owns in its constructor
// and overrides forward():
//
//   struct LinearRegression : tb::nn::Module {
//     std::shared_ptr<tb::nn::Linear> linear = register_module("linear",
//         std::make_shared<tb::nn::Linear>(1, 1));
//     TensorBase forward(const TensorBase& x) override { return (*linear)(x); }
//   };
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensorbridge/autograd/grad_mode.hpp"
#include "tensorbridge/autograd/tensor_methods.hpp"
#include "tensorbridge/core/tensor_base.hpp"

namespace tensorbridge::nn {

// A tensor a module trains: a leaf that requires grad (unless asked otherwise), sharing
// the memory of `data` but none of its history.
class Parameter : public TensorBase {
 public:
  Parameter() = default;
  explicit Parameter(const TensorBase& data, bool requires_grad = true)
      : TensorBase(data.detach()) {
    if (requires_grad) requires_grad_();
  }
};

using NamedTensors = std::vector<std::pair<std::string, TensorBase>>;
using StateDict = NamedTensors;

// What load_state_dict(strict=false) could not match.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

class Module {
 public:
  explicit Module(std::string name = "Module") : name_(std::move(name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The computation; modules with one input override this one.
  virtual TensorBase forward(const TensorBase& /*input*/) {
    TB_THROW(Error, name_, ": forward(input) is not implemented");
  }
  TensorBase operator()(const TensorBase& input) { return forward(input); }

  const std::string& name() const { return name_; }

  // ---- registration --------------------------------------------------------------------
  // Registering a name again replaces the entry. Returns the registered tensor (a handle
  // to keep as a member).
  TensorBase register_parameter(const std::string& name, const TensorBase& tensor,
                                bool requires_grad = true) {
    check_name(name, "register_parameter");
    TensorBase p = tensor.defined() ? TensorBase(Parameter(tensor, requires_grad)) : tensor;
    put(parameters_, name, p);
    return p;
  }
  TensorBase register_buffer(const std::string& name, const TensorBase& tensor) {
    check_name(name, "register_buffer");
    put(buffers_, name, tensor);
    return tensor;
  }
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    check_name(name, "register_module");
    TB_CHECK(module != nullptr, ValueError, "register_module: module '", name, "' is null");
    for (auto& entry : children_) {
      if (entry.first == name) {
        entry.second = module;
        return module;
      }
    }
    children_.emplace_back(name, module);
    return module;
  }

  // ---- listings --------------------------------------------------------------------------
  NamedTensors named_parameters(bool recurse = true) const {
    NamedTensors out;
    collect(out, "", recurse, &Module::parameters_);
    return out;
  }
  std::vector<TensorBase> parameters(bool recurse = true) const {
    return values(named_parameters(recurse));
  }
  NamedTensors named_buffers(bool recurse = true) const {
    NamedTensors out;
    collect(out, "", recurse, &Module::buffers_);
    return out;
  }
  std::vector<TensorBase> buffers(bool recurse = true) const { return values(named_buffers(recurse)); }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  std::vector<std::shared_ptr<Module>> children() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& entry : children_) out.push_back(entry.second);
    return out;
  }
  // This module and every descendant, depth first, parents before children; the root's
  // name is "".
  std::vector<std::pair<std::string, Module*>> named_modules() {
    std::vector<std::pair<std::string, Module*>> out;
    std::vector<std::pair<std::string, Module*>> stack{{"", this}};
    while (!stack.empty()) {
      auto [prefix, m] = stack.back();
      stack.pop_back();
      out.emplace_back(prefix, m);
      for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it) {
        stack.emplace_back(prefix.empty() ? it->first : prefix + "." + it->first,
                           it->second.get());
      }
    }
    return out;
  }
  std::vector<Module*> modules() {
    std::vector<Module*> out;
    for (const auto& entry : named_modules()) out.push_back(entry.second);
    return out;
  }

  // ---- modes and gradients -----------------------------------------------------------------
  virtual void train(bool on = true) {
    training_ = on;
    for (auto& entry : children_) entry.second->train(on);
  }
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad(bool set_to_none = true) {
    autograd::NoGradGuard no_grad;
    for (const TensorBase& p : parameters()) {
      const TensorBase g = p.grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        p.set_grad({});
      } else {
        g.zero_();
      }
    }
  }

  // ---- state --------------------------------------------------------------------------------
  // Parameters and buffers by dotted name, sharing memory with the module (no history).
  StateDict state_dict() const {
    StateDict out;
    collect_state(out, "");
    for (auto& entry : out) entry.second = entry.second.detach();
    return out;
  }

  // Copies every entry into the tensor of the same name. Shapes must match; with `strict`
  // every key must match too (else ValueError listing the missing and unexpected keys).
  LoadStateDictResult load_state_dict(const StateDict& state, bool strict = true) {
    StateDict own;
    collect_state(own, "");
    std::unordered_map<std::string, const TensorBase*> given;
    for (const auto& entry : state) given[entry.first] = &entry.second;
    LoadStateDictResult result;
    std::ostringstream size_errors;
    for (const auto& entry : own) {
      auto it = given.find(entry.first);
      if (it == given.end()) {
        result.missing_keys.push_back(entry.first);
        continue;
      }
      const TensorBase& src = *it->second;
      if (src.shape() != entry.second.shape()) {
        size_errors << "\n\tsize mismatch for " << entry.first
                    << ": copying a param with shape " << shape_str(src.shape())
                    << " from checkpoint, the shape in current model is "
                    << shape_str(entry.second.shape()) << ".";
      }
      given.erase(it);
    }
    for (const auto& entry : state) {
      if (given.count(entry.first)) result.unexpected_keys.push_back(entry.first);
    }
    std::string errors = size_errors.str();
    if (strict) errors += key_errors(result);
    TB_CHECK(errors.empty(), ValueError, "Error(s) in loading state_dict for ", name_, ":",
             errors);
    autograd::NoGradGuard no_grad;
    std::unordered_map<std::string, const TensorBase*> by_name;
    for (const auto& entry : state) by_name[entry.first] = &entry.second;
    for (const auto& entry : own) {
      auto it = by_name.find(entry.first);
      if (it != by_name.end()) entry.second.copy_(*it->second);
    }
    return result;
  }

  // Converts every floating point parameter and buffer (and gradient) to `dtype` in place:
  // the tensors keep their identity, so handles held elsewhere see the change.
  void to(DType dtype) {
    for_each_tensor([dtype](const TensorBase& t) {
      return is_floating_point(t.dtype()) ? t.detach().to(dtype) : TensorBase();
    });
  }
  // Moves every parameter and buffer (and gradient) to `device` in place, as PyTorch's
  // Module.to(device): the same Parameter objects, their data replaced, so optimizers and
  // other handles made before see the moved tensors.
  void to(Device device, bool non_blocking = false) {
    for_each_tensor([device, non_blocking](const TensorBase& t) {
      return t.device() == device ? TensorBase() : t.detach().to(device, non_blocking);
    });
  }
  void to(Device device, DType dtype, bool non_blocking = false) {
    to(device, non_blocking);
    to(dtype);
  }
  void cuda(int index = 0) { to(Device::cuda(index)); }
  void cpu() { to(Device::cpu()); }

 private:
  // Replaces the data of every parameter, buffer and gradient by convert(t) where that is
  // defined (set_data keeps each tensor's identity).
  template <typename Convert>
  void for_each_tensor(Convert convert) {
    autograd::NoGradGuard no_grad;
    for (Module* m : modules()) {
      for (auto* list : {&m->parameters_, &m->buffers_}) {
        for (auto& entry : *list) {
          const TensorBase& t = entry.second;
          if (!t.defined()) continue;
          const TensorBase data = convert(t);
          if (data.defined()) set_data(t, data);
          const TensorBase g = t.grad();
          if (!g.defined()) continue;
          const TensorBase grad_data = convert(g);
          if (grad_data.defined()) set_data(g, grad_data);
        }
      }
    }
  }
  static void check_name(const std::string& name, const char* op) {
    TB_CHECK(!name.empty() && name.find('.') == std::string::npos, ValueError, op,
             ": name '", name, "' must be non-empty and contain no '.'");
  }
  static void put(NamedTensors& list, const std::string& name, const TensorBase& t) {
    for (auto& entry : list) {
      if (entry.first == name) {
        entry.second = t;
        return;
      }
    }
    list.emplace_back(name, t);
  }
  static std::vector<TensorBase> values(const NamedTensors& named) {
    std::vector<TensorBase> out;
    out.reserve(named.size());
    for (const auto& entry : named) out.push_back(entry.second);
    return out;
  }
  void collect(NamedTensors& out, const std::string& prefix, bool recurse,
               NamedTensors Module::*list) const {
    for (const auto& entry : this->*list) {
      if (entry.second.defined()) out.emplace_back(prefix + entry.first, entry.second);
    }
    if (!recurse) return;
    for (const auto& child : children_) {
      child.second->collect(out, prefix + child.first + ".", true, list);
    }
  }
  void collect_state(StateDict& out, const std::string& prefix) const {
    for (const auto& entry : parameters_) {
      if (entry.second.defined()) out.emplace_back(prefix + entry.first, entry.second);
    }
    for (const auto& entry : buffers_) {
      if (entry.second.defined()) out.emplace_back(prefix + entry.first, entry.second);
    }
    for (const auto& child : children_) child.second->collect_state(out, prefix + child.first + ".");
  }
  static std::string key_errors(const LoadStateDictResult& r) {
    std::string out;
    auto list = [](const std::vector<std::string>& keys) {
      std::string s;
      for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
      return s;
    };
    if (!r.missing_keys.empty()) out += "\n\tMissing key(s) in state_dict: " + list(r.missing_keys) + ".";
    if (!r.unexpected_keys.empty()) {
      out += "\n\tUnexpected key(s) in state_dict: " + list(r.unexpected_keys) + ".";
    }
    return out;
  }
  // Points `t`'s TensorImpl at `data`'s memory and layout (PyTorch's set_data): every
  // handle to `t` sees the new values; requires_grad and .grad stay, the gradient
  // accumulator (which knows the old dtype and device) is made anew.
  static void set_data(const TensorBase& t, const TensorBase& data) {
    if (autograd::AutogradMeta* m = autograd::meta_of(t)) m->grad_accumulator.reset();
    TensorImpl& dst = t.impl_ref();
    const TensorImpl& src = data.impl_ref();
    dst.storage = src.storage;
    dst.offset = src.offset;
    dst.shape = src.shape;
    dst.strides = src.strides;
    dst.dtype = src.dtype;
    dst.read_only = src.read_only;
    dst.version = src.version;
  }

  std::string name_;
  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace tensorbridge::nn
