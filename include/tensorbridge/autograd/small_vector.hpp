#pragma once
// A vector that keeps its first N elements inline. Graph nodes hold a few edges, a few
// gradients and one output description each; with std::vector every recorded op would pay
// several heap allocations for lists that almost always have one or two entries.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

namespace tensorbridge::autograd {

template <typename T, std::size_t N>
class SmallVector {
 public:
  SmallVector() = default;
  explicit SmallVector(std::size_t n) { resize(n); }
  SmallVector(const SmallVector&) = default;
  SmallVector& operator=(const SmallVector&) = default;
  // A moved-from vector is empty (std::vector's guarantee, kept for the inline part).
  SmallVector(SmallVector&& other) noexcept { *this = std::move(other); }
  SmallVector& operator=(SmallVector&& other) noexcept {
    inline_ = std::move(other.inline_);
    heap_ = std::move(other.heap_);
    size_ = other.size_;
    heap_mode_ = other.heap_mode_;
    other.heap_.clear();
    other.size_ = 0;
    other.heap_mode_ = false;
    return *this;
  }
  SmallVector(std::initializer_list<T> values) {
    reserve(values.size());
    for (const T& v : values) push_back(v);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return heap_mode_ ? heap_.data() : inline_.data(); }
  const T* data() const { return heap_mode_ ? heap_.data() : inline_.data(); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }

  void reserve(std::size_t n) {
    if (n > N) to_heap(n);
  }
  void push_back(T value) {
    if (!heap_mode_ && size_ == N) to_heap(2 * N + 1);
    if (heap_mode_) {
      heap_.push_back(std::move(value));
    } else {
      inline_[size_] = std::move(value);
    }
    ++size_;
  }
  void resize(std::size_t n) {
    if (n > N) to_heap(n);
    if (heap_mode_) {
      heap_.resize(n);
    } else {
      for (std::size_t i = n; i < size_; ++i) inline_[i] = T();
    }
    size_ = n;
  }
  void clear() { resize(0); }

 private:
  // Moves the inline elements to the heap; from then on the heap holds everything.
  void to_heap(std::size_t capacity) {
    if (heap_mode_) {
      heap_.reserve(capacity);
      return;
    }
    heap_.reserve(capacity);
    for (std::size_t i = 0; i < size_; ++i) {
      heap_.push_back(std::move(inline_[i]));
      inline_[i] = T();
    }
    heap_mode_ = true;
  }

  std::array<T, N> inline_{};
  std::vector<T> heap_;
  std::size_t size_ = 0;
  bool heap_mode_ = false;
};

}  // namespace tensorbridge::autograd
