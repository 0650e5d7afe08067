#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace impasto::protobuf {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

struct Field {
  uint32_t number = 0;
  WireType type = WireType::Varint;
  uint64_t value = 0;           // Varint, Fixed64 and Fixed32: the raw bits
  const char* data = nullptr;   // Bytes: the payload (a string, a nested message or packed values)
  uint64_t size = 0;            // Bytes: payload length
  uint64_t offset = 0;          // where the field's tag starts, counted from the start of the file
  uint64_t data_offset = 0;     // Bytes: where the payload starts
};

// Walks the fields of one encoded message in place, without copying. Groups (wire types 3 and 4)
// are rejected: proto2 files like Caffe's never use them. Malformed or cut-off input throws
// InputError saying what is wrong and at which byte.
class Reader {
 public:
  // base_offset: position of `data` in the file, for messages.
  Reader(const char* data, uint64_t size, uint64_t base_offset = 0)
      : begin_(data), pos_(data), end_(data + size), base_(base_offset) {}
  explicit Reader(const Field& bytes_field)  // the message held by a length-delimited field
      : Reader(bytes_field.data, bytes_field.size, bytes_field.data_offset) {}

  bool next(Field& field);  // false at the end of the message
  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - begin_); }
  bool at_end() const { return pos_ == end_; }
  uint64_t varint();  // the next varint, as read from packed repeated fields

 private:
  [[noreturn]] void fail(const std::string& what, const char* at) const;

  const char* begin_;
  const char* pos_;
  const char* end_;
  uint64_t base_;
};

std::string wire_type_name(WireType type);

}  // namespace impasto::protobuf
