// Type promotion checked against PyTorch itself: tests/data/promotion_table.txt is written by
// scripts/gen_promotion_table.py from the real torch, and every row is replayed here through
// our ops (so the op-specific rules, such as true division of integers giving float32 or
// bool subtraction being refused, are checked too, not only promote_types).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;
namespace ops = tensorbridge::ops;

namespace {

using BinaryFn = std::function<tb::TensorBase(const ops::Operand&, const ops::Operand&)>;

const std::map<std::string, BinaryFn>& op_table() {
  static const std::map<std::string, BinaryFn> table = {
      {"add", [](const ops::Operand& a, const ops::Operand& b) { return ops::add(a, b); }},
      {"sub", [](const ops::Operand& a, const ops::Operand& b) { return ops::sub(a, b); }},
      {"mul", [](const ops::Operand& a, const ops::Operand& b) { return ops::mul(a, b); }},
      {"div", [](const ops::Operand& a, const ops::Operand& b) { return ops::div(a, b); }},
      {"floor_divide",
       [](const ops::Operand& a, const ops::Operand& b) { return ops::floor_divide(a, b); }},
      {"remainder",
       [](const ops::Operand& a, const ops::Operand& b) { return ops::remainder(a, b); }},
      {"pow", [](const ops::Operand& a, const ops::Operand& b) { return ops::pow(a, b); }},
      {"maximum", [](const ops::Operand& a, const ops::Operand& b) { return ops::maximum(a, b); }},
      {"atan2", [](const ops::Operand& a, const ops::Operand& b) { return ops::atan2(a, b); }},
      {"eq", [](const ops::Operand& a, const ops::Operand& b) { return ops::eq(a, b); }},
      {"lt", [](const ops::Operand& a, const ops::Operand& b) { return ops::lt(a, b); }},
      {"bitwise_and",
       [](const ops::Operand& a, const ops::Operand& b) { return ops::bitwise_and(a, b); }},
      {"logical_and",
       [](const ops::Operand& a, const ops::Operand& b) { return ops::logical_and(a, b); }},
  };
  return table;
}

// The operands the generator used: ones (True for bool), 1-d of one element or 0-d, and the
// Python scalars True, 2, 2.5, 2+1j.
tb::TensorBase one(const std::string& dtype, bool zero_dim) {
  return tb::ones(zero_dim ? tb::Shape{} : tb::Shape{1}, tb::dtype_from_name(dtype));
}
tb::Scalar python_scalar(const std::string& name) {
  if (name == "pybool") return tb::Scalar(true);
  if (name == "pyint") return tb::Scalar(int64_t(2));
  if (name == "pyfloat") return tb::Scalar(2.5);
  return tb::Scalar(tb::complex128(2.0, 1.0));
}

// "<dtype>" or "error".
std::string outcome(const BinaryFn& fn, const ops::Operand& a, const ops::Operand& b) {
  try {
    return std::string(tb::dtype_name(fn(a, b).dtype()));
  } catch (const tb::TypeError&) {
    return "error";
  }
}

struct Row {
  std::string op, kind, lhs, rhs, result;
};

std::vector<Row> read_table() {
  std::ifstream in(TB_TEST_DATA_DIR "/promotion_table.txt");
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Row r;
    ls >> r.op >> r.kind >> r.lhs >> r.rhs >> r.result;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST(Promotion, MatchesPyTorchTable) {
  const std::vector<Row> rows = read_table();
  ASSERT_GT(rows.size(), 10000u) << "tests/data/promotion_table.txt missing or truncated";
  int checked = 0;
  std::vector<std::string> mismatches;
  for (const Row& r : rows) {
    // PyTorch's pow(t, 1) returns a copy before looking at dtypes, so pow(bool, True)
    // "works" there; for us bool ** bool is refused like PyTorch's tensor ** tensor.
    if (r.op == "pow" && r.kind == "ts" && r.lhs == "bool" && r.rhs == "pybool") continue;
    const BinaryFn& fn = op_table().at(r.op);
    tb::TensorBase lt, rt;
    tb::Scalar ls, rs;
    bool l_tensor = true, r_tensor = true;
    if (r.kind == "ts") {
      lt = one(r.lhs, false);
      rs = python_scalar(r.rhs);
      r_tensor = false;
    } else if (r.kind == "st") {
      ls = python_scalar(r.lhs);
      rt = one(r.rhs, false);
      l_tensor = false;
    } else {
      lt = one(r.lhs, r.kind[0] == '0');
      rt = one(r.rhs, r.kind[1] == '0');
    }
    const ops::Operand a = l_tensor ? ops::Operand(lt) : ops::Operand(ls);
    const ops::Operand b = r_tensor ? ops::Operand(rt) : ops::Operand(rs);
    std::string want = r.result;
    if (want.rfind("nokernel:", 0) == 0) {
      want = want.substr(9);  // PyTorch has no uint16/32/64 kernel here; we do
    } else if (want == "complex32") {
      // We have no complex32: such ops compute in complex64, so they must do what they
      // do with complex64 operands (a complex64 result, bool for logical_and, an error
      // where complex numbers are not taken).
      const tb::TensorBase c = tb::ones({1}, tb::DType::Complex64);
      want = outcome(fn, c, c);
      EXPECT_NE(want, "complex128");
    }
    const std::string got = outcome(fn, a, b);
    ++checked;
    if (got != want) {
      mismatches.push_back(r.op + " " + r.kind + " " + r.lhs + " " + r.rhs + ": torch " +
                           r.result + ", ours " + got);
    }
  }
  EXPECT_GT(checked, 10000);
  for (std::size_t i = 0; i < mismatches.size() && i < 40; ++i) ADD_FAILURE() << mismatches[i];
  EXPECT_EQ(mismatches.size(), 0u);
}

TEST(Promotion, WeakScalarsAndZeroDimTensors) {
  using D = tb::DType;
  const auto i32 = tb::ones({2}, D::Int32);
  const auto f16 = tb::ones({2}, D::Float16);
  // The examples PyTorch's documentation gives (verified with torch 2.13).
  EXPECT_EQ(ops::mul(i32, 2.5).dtype(), D::Float32);
  EXPECT_EQ(ops::add(f16, tb::Scalar(2.5)).dtype(), D::Float16);
  EXPECT_EQ(ops::add(i32, tb::full({}, 2.5, D::Float64)).dtype(), D::Float64);
  EXPECT_EQ(ops::add(i32, tb::full({}, 2, D::Int64)).dtype(), D::Int32);
  EXPECT_EQ(ops::add(tb::ones({2}, D::Bool), 2).dtype(), D::Int64);
  EXPECT_EQ(ops::div(i32, i32).dtype(), D::Float32);
  EXPECT_EQ(tb::promote_types(D::UInt8, D::Int8), D::Int16);
  EXPECT_EQ(tb::promote_types(D::Float16, D::BFloat16), D::Float32);
  EXPECT_EQ(tb::promote_types(D::Float64, D::Complex64), D::Complex128);
  EXPECT_THROW(tb::promote_types(D::UInt16, D::Int8), tb::TypeError);
}

TEST(Promotion, CanCastFollowsPyTorch) {
  using D = tb::DType;
  EXPECT_TRUE(tb::can_cast(D::Float64, D::Float16));
  EXPECT_TRUE(tb::can_cast(D::Int64, D::Int8));
  EXPECT_TRUE(tb::can_cast(D::Bool, D::Float32));
  EXPECT_FALSE(tb::can_cast(D::Float32, D::Int64));
  EXPECT_FALSE(tb::can_cast(D::Complex64, D::Float64));
  EXPECT_FALSE(tb::can_cast(D::Int32, D::Bool));
}
