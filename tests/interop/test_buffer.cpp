// Buffer-protocol descriptions: the format strings NumPy uses for each dtype, byte strides,
// read-only; parsing formats back (byte order, sizes, refusals); tensors over foreign
// memory described by pointer, shape and strides, with their extent checks and owners.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/interop/buffer.hpp"

namespace tb = tensorbridge;
using tb::DType;
using tb::Shape;

namespace {

// Expects BufferError with a message containing `part`.
template <typename Fn>
void expect_buffer_error(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no BufferError; expected one mentioning '" << part << "'";
  } catch (const tb::BufferError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::shared_ptr<void> counting_owner(int* releases) {
  return std::shared_ptr<void>(nullptr, [releases](void*) { ++*releases; });
}

}  // namespace

TEST(BufferFormat, WhatNumPyProducesForEachDType) {
  // memoryview(np.zeros(1, dtype)).format with NumPy 2 on LP64 Linux; 64-bit integers are
  // 'q'/'Q' where long has 32 bits (Windows).
  const bool lp64 = sizeof(long) == 8;
  const std::pair<DType, std::string> expected[] = {
      {DType::Bool, "?"},      {DType::Int8, "b"},       {DType::UInt8, "B"},
      {DType::Int16, "h"},     {DType::UInt16, "H"},     {DType::Int32, "i"},
      {DType::UInt32, "I"},    {DType::Int64, lp64 ? "l" : "q"},
      {DType::UInt64, lp64 ? "L" : "Q"},                 {DType::Float16, "e"},
      {DType::Float32, "f"},   {DType::Float64, "d"},    {DType::Complex64, "Zf"},
      {DType::Complex128, "Zd"}};
  for (const auto& [dtype, format] : expected) {
    SCOPED_TRACE(tb::dtype_name(dtype));
    EXPECT_EQ(tb::buffer_format(dtype), format);
    // and back
    EXPECT_EQ(tb::dtype_from_buffer_format(format, int64_t(tb::itemsize(dtype))), dtype);
  }
  expect_buffer_error([] { tb::buffer_format(DType::BFloat16); }, "bfloat16");
}

TEST(BufferInfo, DescribesTheTensorWithoutCopying) {
  const auto t = tb::arange<int16_t>(0, 24).view({2, 3, 4}).permute({2, 0, 1}).slice(0, 1, 4, 2);
  const tb::BufferInfo info = tb::buffer_info(t);
  EXPECT_EQ(info.ptr, t.data_ptr());
  EXPECT_EQ(info.itemsize, 2);
  EXPECT_EQ(info.format, "h");
  EXPECT_EQ(info.ndim(), 3);
  EXPECT_EQ(info.shape, (Shape{2, 2, 3}));
  EXPECT_EQ(info.strides, (Shape{4, 24, 8}));  // bytes
  EXPECT_FALSE(info.readonly);
  EXPECT_TRUE(tb::buffer_info(t.as_read_only()).readonly);

  const auto reversed = tb::arange<double>(0, 5).flip({0});  // BufferInfo does not own memory
  const auto flipped = tb::buffer_info(reversed);
  EXPECT_EQ(flipped.strides, (Shape{-8}));
  EXPECT_EQ(*static_cast<double*>(flipped.ptr), 4.0);
}

TEST(BufferInfo, Refusals) {
  expect_buffer_error([] { tb::buffer_info(tb::zeros({2}, DType::BFloat16)); }, "bfloat16");
  expect_buffer_error([] { tb::buffer_info(tb::TensorBase()); }, "undefined");
  auto storage = tb::Storage::from_foreign(reinterpret_cast<void*>(uintptr_t{1} << 40), 16,
                                           tb::Device::cuda(0), [] {});
  const tb::TensorBase cuda(std::make_shared<tb::TensorImpl>(storage, 0, Shape{4}, tb::Strides{1},
                                                             DType::Float32));
  expect_buffer_error([&] { tb::buffer_info(cuda); }, "cuda:0");
}

TEST(BufferFormatParse, NativeOrderPrefixesAndSizes) {
  EXPECT_EQ(tb::dtype_from_buffer_format("@f", 4), DType::Float32);
  EXPECT_EQ(tb::dtype_from_buffer_format("=d", 8), DType::Float64);
  EXPECT_EQ(tb::dtype_from_buffer_format("<e", 2), DType::Float16);
  EXPECT_EQ(tb::dtype_from_buffer_format("^H", 2), DType::UInt16);
  EXPECT_EQ(tb::dtype_from_buffer_format("<Zd", 16), DType::Complex128);
  // 'l' and 'q' are matched by kind and size: native 'l' is long, standard 'l' is 4 bytes.
  EXPECT_EQ(tb::dtype_from_buffer_format("q", 8), DType::Int64);
  EXPECT_EQ(tb::dtype_from_buffer_format("<Q", 8), DType::UInt64);
  EXPECT_EQ(tb::dtype_from_buffer_format("=l", 4), DType::Int32);
  EXPECT_EQ(tb::dtype_from_buffer_format("<L", 4), DType::UInt32);
  EXPECT_EQ(tb::dtype_from_buffer_format("l", int64_t(sizeof(long))),
            sizeof(long) == 8 ? DType::Int64 : DType::Int32);
  EXPECT_EQ(tb::dtype_from_buffer_format("n", int64_t(sizeof(std::ptrdiff_t))), DType::Int64);
  EXPECT_EQ(tb::dtype_from_buffer_format("?", 1), DType::Bool);
}

TEST(BufferFormatParse, Refusals) {
  const std::pair<std::string, int64_t> non_native[] = {{">f", 4}, {"!i", 4}, {">Zd", 16}};
  for (const auto& [format, size] : non_native) {
    expect_buffer_error([&] { tb::dtype_from_buffer_format(format, size); }, "byte order");
  }
  expect_buffer_error([] { tb::dtype_from_buffer_format("g", 16); }, "long double");
  expect_buffer_error([] { tb::dtype_from_buffer_format("Zg", 32); }, "long double");
  for (const char* format : {"T{f:x:f:y:}", "2f", "ff", "c", "s", "10s", "x", "P", "O", "", "<",
                             "Zi", "w"}) {
    expect_buffer_error([&] { tb::dtype_from_buffer_format(format, 4); }, "unsupported");
  }
  expect_buffer_error([] { tb::dtype_from_buffer_format("f", 8); }, "itemsize 8");
  expect_buffer_error([] { tb::dtype_from_buffer_format("=q", 4); }, "itemsize 4");
  expect_buffer_error([] { tb::dtype_from_buffer_format("=n", 8); }, "native sizes");
}

TEST(FromBuffer, RoundTripSharesMemory) {
  int releases = 0;
  const auto source = tb::arange<float>(0, 20).view({4, 5}).t().flip({1});
  {
    const tb::TensorBase t = tb::from_buffer(tb::buffer_info(source), counting_owner(&releases));
    EXPECT_EQ(t.data_ptr(), source.data_ptr());
    EXPECT_EQ(t.shape(), source.shape());
    EXPECT_EQ(t.strides(), source.strides());
    EXPECT_EQ(t.dtype(), DType::Float32);
    EXPECT_EQ(t.as<float>().to_vector(), source.to_vector());
    t.as<float>().at(0, 0) = -3;
    EXPECT_EQ(source.at(0, 0), -3);
    EXPECT_EQ(releases, 0);
  }
  EXPECT_EQ(releases, 1);
}

TEST(FromBuffer, ContiguousWhenStridesOmittedAndReadOnlyKept) {
  std::vector<int32_t> data = {1, 2, 3, 4, 5, 6};
  tb::BufferInfo info;
  info.ptr = data.data();
  info.itemsize = 4;
  info.format = "i";
  info.shape = {2, 3};
  info.readonly = true;
  const tb::TensorBase t = tb::from_buffer(info, nullptr);
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_TRUE(t.is_read_only());
  EXPECT_EQ(tb::Tensor<const int32_t>(t).at(1, 0), 4);
}

TEST(FromBuffer, RefusalsReleaseTheOwner) {
  std::vector<double> data(8);
  tb::BufferInfo info;
  info.ptr = data.data();
  info.itemsize = 8;
  info.format = "d";
  info.shape = {2, 2};
  info.strides = {12, 8};  // not a multiple of the itemsize
  int releases = 0;
  expect_buffer_error([&] { tb::from_buffer(info, counting_owner(&releases)); },
                      "strides[0] = 12 bytes is not a multiple of the itemsize 8");
  EXPECT_EQ(releases, 1);

  info.strides = {16, 8, 8};
  expect_buffer_error([&] { tb::from_buffer(info, counting_owner(&releases)); }, "differ in length");
  EXPECT_EQ(releases, 2);

  info.strides = {};
  info.shape = {int64_t{1} << 40, int64_t{1} << 40};
  expect_buffer_error([&] { tb::from_buffer(info, counting_owner(&releases)); }, "overflows");
  EXPECT_EQ(releases, 3);

  info.shape = {2, 2};
  info.ptr = nullptr;
  expect_buffer_error([&] { tb::from_buffer(info, counting_owner(&releases)); }, "NULL");
  EXPECT_EQ(releases, 4);
}

TEST(ForeignMemory, ExtentOfStridedLayouts) {
  // lo and size in bytes, relative to the first element.
  tb::ByteExtent e = tb::checked_byte_extent({3, 4}, {4, 1}, 8, "t");
  EXPECT_EQ(e.lo, 0);
  EXPECT_EQ(e.nbytes, 12 * 8);
  e = tb::checked_byte_extent({3, 4}, {-4, 1}, 2, "t");
  EXPECT_EQ(e.lo, -8 * 2);
  EXPECT_EQ(e.nbytes, 12 * 2);
  e = tb::checked_byte_extent({5, 1}, {0, 999}, 4, "t");  // broadcast, odd size-1 stride
  EXPECT_EQ(e.lo, 0);
  EXPECT_EQ(e.nbytes, 4);
  e = tb::checked_byte_extent({}, {}, 16, "t");
  EXPECT_EQ(e.nbytes, 16);
  e = tb::checked_byte_extent({3, 0}, {std::numeric_limits<int64_t>::min(), 7}, 8, "t");
  EXPECT_EQ(e.nbytes, 0);
  expect_buffer_error([] { tb::checked_byte_extent({2, -1}, {1, 1}, 4, "op"); },
                      "op: shape[1] = -1 is negative");
  expect_buffer_error([] { tb::checked_byte_extent(Shape(65, 1), Shape(65, 1), 4, "op"); },
                      "65 dimensions");
  expect_buffer_error([] { tb::checked_byte_extent({2}, {1, 1}, 4, "op"); }, "differ in length");
}

TEST(ForeignMemory, ViewSpansExactlyTheTouchedBytes) {
  std::vector<double> data(20);
  for (int i = 0; i < 20; ++i) data[i] = i;
  int releases = 0;
  {
    // First element at data[17], rows going down by 5, columns by 2: touches data[6..17].
    const tb::TensorBase t = tb::view_foreign_memory(data.data() + 17, {3, 2}, {-5, -1},
                                                     DType::Float64, tb::Device::cpu(), false,
                                                     counting_owner(&releases), "test");
    EXPECT_EQ(t.storage()->data(), data.data() + 6);
    EXPECT_EQ(t.storage()->nbytes(), 12 * sizeof(double));
    EXPECT_EQ(t.storage_offset(), 11);
    EXPECT_EQ(t.as<double>().to_vector(), (std::vector<double>{17, 16, 12, 11, 7, 6}));
    EXPECT_THROW(t.as_strided({13}, {1}, 0), tb::IndexError);  // past the foreign memory
  }
  EXPECT_EQ(releases, 1);
}
