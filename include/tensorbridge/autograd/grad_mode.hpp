#pragma once
// Whether ops record a graph: a thread-local switch (PyTorch's GradMode) and the RAII
// guards that flip it for a scope. The engine turns it on during backward only when
// create_graph asks for gradients of gradients.
namespace tensorbridge::autograd {

namespace detail {
inline thread_local bool grad_enabled = true;
}  // namespace detail

struct GradMode {
  static bool is_enabled() { return detail::grad_enabled; }
  static void set_enabled(bool enabled) { detail::grad_enabled = enabled; }
};

// Sets grad mode for the guard's lifetime and restores the previous mode after.
class SetGradEnabledGuard {
 public:
  explicit SetGradEnabledGuard(bool enabled) : previous_(detail::grad_enabled) {
    detail::grad_enabled = enabled;
  }
  ~SetGradEnabledGuard() { detail::grad_enabled = previous_; }
  SetGradEnabledGuard(const SetGradEnabledGuard&) = delete;
  SetGradEnabledGuard& operator=(const SetGradEnabledGuard&) = delete;

 private:
  bool previous_;
};

class NoGradGuard : public SetGradEnabledGuard {
 public:
  NoGradGuard() : SetGradEnabledGuard(false) {}
};

class EnableGradGuard : public SetGradEnabledGuard {
 public:
  EnableGradGuard() : SetGradEnabledGuard(true) {}
};

}  // namespace tensorbridge::autograd

namespace tensorbridge {
using autograd::EnableGradGuard;
using autograd::NoGradGuard;
using autograd::SetGradEnabledGuard;
}  // namespace tensorbridge
