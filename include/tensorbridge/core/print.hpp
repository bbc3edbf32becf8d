#pragma once
// PyTorch-style printing: `tensor([[1., 2.],\n        [3., 4.]])`, a dtype suffix when
// the dtype is not one PyTorch would infer, `...` summarization past 1000 elements, and
// the same number formats (integers-valued floats as "1.", otherwise 4 decimals, or
// scientific notation when the magnitudes span a wide range).
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <memory>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensorbridge/core/tensor.hpp"

namespace tensorbridge {

struct PrintOptions {
  int precision = 4;
  int64_t threshold = 1000;  // summarize tensors with more elements than this
  int64_t edgeitems = 3;
  int linewidth = 80;
  // The dtype Python floats become (Python's set_default_dtype): its tensors print without
  // a dtype suffix, as PyTorch's do.
  DType default_dtype = DType::Float32;
};

inline PrintOptions& print_options() {
  static PrintOptions options;
  return options;
}

namespace detail {

// Formats real values of one tensor with a common style and width.
class RealFormatter {
 public:
  RealFormatter(const std::vector<double>& values, bool floating, const PrintOptions& opt)
      : floating_(floating), precision_(opt.precision) {
    if (!floating_) {
      for (double v : values) width_ = std::max(width_, format_int(v).size());
      return;
    }
    double lo = INFINITY, hi = 0;
    bool any = false;
    for (double v : values) {
      if (!std::isfinite(v) || v == 0) continue;
      any = true;
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (any) {
      const bool wide = hi / lo > 1000.0 || hi > 1e8;
      sci_mode_ = int_mode_ ? wide : (wide || lo < 1e-4);
      for (double v : values) {
        if (!std::isfinite(v) || v == 0) continue;
        width_ = std::max(width_, plain(v).size() + (int_mode_ && !sci_mode_ ? 1 : 0));
      }
    }
  }

  std::size_t width() const { return width_; }

  std::string format(double v, bool pad = true) const {
    std::string s;
    if (!floating_) {
      s = format_int(v);
    } else if (std::isnan(v)) {
      s = "nan";
    } else if (std::isinf(v)) {
      s = v > 0 ? "inf" : "-inf";
    } else {
      s = plain(v);
      if (int_mode_ && !sci_mode_) s += ".";
    }
    if (pad && s.size() < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

 private:
  std::string plain(double v) const {
    char buf[64];
    if (sci_mode_) {
      std::snprintf(buf, sizeof buf, "%.*e", precision_, v);
    } else if (int_mode_) {
      std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.*f", precision_, v);
    }
    return buf;
  }
  static std::string format_int(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }

  bool floating_;
  int precision_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  std::size_t width_ = 1;
};

// Element values as doubles (exact for every dtype but 64-bit integers beyond 2^53,
// which are printed from their integer value instead).
struct PrintValues {
  std::vector<double> real, imag;
  std::vector<std::string> text;  // used for bool and 64-bit integers
};

class TensorPrinter {
 public:
  TensorPrinter(const TensorBase& t, const PrintOptions& opt)
      : t_(t), opt_(opt), summarize_(t.numel() > opt.threshold) {}

  std::string str(int indent) {
    collect(t_);
    const DTypeKind kind = dtype_kind(t_.dtype());
    const bool floating = kind == DTypeKind::Float || kind == DTypeKind::Complex;
    real_fmt_ = std::make_unique<RealFormatter>(values_.real, floating, opt_);
    if (kind == DTypeKind::Complex) {
      imag_fmt_ = std::make_unique<RealFormatter>(values_.imag, true, opt_);
    }
    index_ = 0;
    return render(t_, indent);
  }

 private:
  // Visits exactly the elements that will be shown, in display order.
  template <typename Fn>
  void for_shown(const TensorBase& t, Fn&& fn) const {
    if (t.dim() == 0) {
      fn(t);
      return;
    }
    const int64_t n = t.shape()[0];
    const bool cut = summarize_ && n > 2 * opt_.edgeitems;
    for (int64_t i = 0; i < n; ++i) {
      if (cut && i == opt_.edgeitems) i = n - opt_.edgeitems;
      for_shown(t.select(0, i), fn);
    }
  }

  void collect(const TensorBase& t) {
    for_shown(t, [&](const TensorBase& e) {
      visit_dtype(e.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        T v;
        std::memcpy(&v, e.data_ptr(), sizeof(T));
        if constexpr (std::is_same_v<T, bool>) {
          values_.text.push_back(v ? "True" : "False");
          values_.real.push_back(0);
        } else if constexpr (std::is_same_v<T, complex64> || std::is_same_v<T, complex128>) {
          values_.real.push_back(double(v.real()));
          values_.imag.push_back(double(v.imag()));
        } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
          values_.text.push_back(std::to_string(v));
          values_.real.push_back(double(v));
        } else if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
          values_.real.push_back(double(static_cast<float>(v)));
        } else {
          values_.real.push_back(double(v));
        }
      });
    });
  }

  std::string next_element() {
    const std::size_t i = index_++;
    if (!values_.text.empty()) {
      std::string s = values_.text[i];
      if (s.size() < width()) s.insert(0, width() - s.size(), ' ');
      return s;
    }
    if (imag_fmt_) {
      const double im = values_.imag[i];
      std::string imag = imag_fmt_->format(std::fabs(im), false);
      const std::string sign = (im < 0 || (im == 0 && std::signbit(im))) ? "-" : "+";
      if (std::isnan(im)) return real_fmt_->format(values_.real[i]) + "+" + "nanj";
      return real_fmt_->format(values_.real[i]) + sign + imag + "j";
    }
    return real_fmt_->format(values_.real[i]);
  }

  std::size_t width() const {
    if (!values_.text.empty()) {
      std::size_t w = 1;
      for (const auto& s : values_.text) w = std::max(w, s.size());
      return w;
    }
    std::size_t w = real_fmt_->width();
    if (imag_fmt_) w += imag_fmt_->width() + 2;
    return w;
  }

  std::string render(const TensorBase& t, int indent) {
    if (t.dim() == 0) return next_element();
    const int64_t n = t.shape()[0];
    const bool cut = summarize_ && n > 2 * opt_.edgeitems;
    std::vector<std::string> parts;
    if (t.dim() == 1) {
      const int64_t per_line = std::max<int64_t>(
          1, static_cast<int64_t>((opt_.linewidth - indent) / static_cast<int>(width() + 2)));
      std::vector<std::string> items;
      for (int64_t i = 0; i < n; ++i) {
        if (cut && i == opt_.edgeitems) {
          items.push_back(" ...");
          i = n - opt_.edgeitems;
        }
        items.push_back(next_element());
      }
      std::string out = "[";
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
          out += static_cast<int64_t>(i) % per_line == 0
                     ? ",\n" + std::string(static_cast<std::size_t>(indent) + 1, ' ')
                     : ", ";
        }
        out += items[i];
      }
      return out + "]";
    }
    for (int64_t i = 0; i < n; ++i) {
      if (cut && i == opt_.edgeitems) {
        parts.push_back("...");
        i = n - opt_.edgeitems;
      }
      parts.push_back(render(t.select(0, i), indent + 1));
    }
    const std::string sep = "," + std::string(static_cast<std::size_t>(t.dim() - 1), '\n') +
                            std::string(static_cast<std::size_t>(indent) + 1, ' ');
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out + "]";
  }

  const TensorBase& t_;
  const PrintOptions& opt_;
  bool summarize_;
  PrintValues values_;
  std::unique_ptr<RealFormatter> real_fmt_, imag_fmt_;
  std::size_t index_ = 0;
};

// The dtypes PyTorch infers from Python values; others get a suffix. An empty tensor has
// no values to infer from, so only the default dtype goes without one.
inline bool dtype_is_inferred(DType d, bool empty, DType default_dtype) {
  if (empty) return d == default_dtype;
  const DType complex_default =
      default_dtype == DType::Float64 ? DType::Complex128 : DType::Complex64;
  return d == default_dtype || d == complex_default || d == DType::Int64 || d == DType::Bool;
}

}  // namespace detail

// The repr of `t`; `prefix` is what opens it ("tensor(" in both C++ and Python) and
// `dtype_prefix` what precedes dtype names in the suffix.
inline std::string format_tensor(const TensorBase& t, const std::vector<std::string>& extra_suffixes = {},
                                 const std::string& dtype_prefix = "tensorbridge.") {
  if (!t.defined()) return "tensor(undefined)";
  const PrintOptions& opt = print_options();
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  if (t.device().is_cuda()) suffixes.push_back("device='" + t.device().str() + "'");
  if (t.numel() == 0) {
    body = "[]";
    if (t.dim() != 1) {
      std::string size = "size=(";
      for (int64_t i = 0; i < t.dim(); ++i) size += (i ? ", " : "") + std::to_string(t.shape()[i]);
      suffixes.push_back(size + ")");
    }
  } else if (t.device().is_cpu()) {
    body = detail::TensorPrinter(t, opt).str(indent);
  } else {
    body = "[...]";  // device memory is not read on the host here
  }
  if (!detail::dtype_is_inferred(t.dtype(), t.numel() == 0, opt.default_dtype)) {
    suffixes.push_back("dtype=" + dtype_prefix + std::string(dtype_name(t.dtype())));
  }
  suffixes.insert(suffixes.end(), extra_suffixes.begin(), extra_suffixes.end());
  // Suffixes go on the last line unless it would grow past the line width.
  std::string out = prefix + body;
  const std::size_t nl = out.rfind('\n');
  std::size_t last_line = nl == std::string::npos ? out.size() : out.size() - nl;
  for (const std::string& s : suffixes) {
    if (last_line + s.size() + 2 > static_cast<std::size_t>(opt.linewidth)) {
      out += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + s;
      last_line = static_cast<std::size_t>(indent) + s.size();
    } else {
      out += ", " + s;
      last_line += s.size() + 2;
    }
  }
  return out + ")";
}

inline std::string TensorBase::to_string() const { return format_tensor(*this); }

inline std::ostream& operator<<(std::ostream& os, const TensorBase& t) {
  return os << t.to_string();
}

}  // namespace tensorbridge
