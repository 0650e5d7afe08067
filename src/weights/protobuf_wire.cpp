#include "weights/protobuf_wire.h"

#include <impasto/errors.h>

namespace impasto::protobuf {

std::string wire_type_name(WireType type) {
  switch (type) {
    case WireType::Varint: return "varint";
    case WireType::Fixed64: return "64-bit";
    case WireType::Bytes: return "length-delimited";
    case WireType::Fixed32: return "32-bit";
  }
  return "wire type " + std::to_string(static_cast<int>(type));
}

void Reader::fail(const std::string& what, const char* at) const {
  throw InputError(what + " at byte " + std::to_string(base_ + static_cast<uint64_t>(at - begin_)));
}

uint64_t Reader::varint() {
  const char* start = pos_;
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ == end_) fail("truncated varint", start);
    const auto byte = static_cast<uint8_t>(*pos_++);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  fail("varint longer than 10 bytes", start);
}

bool Reader::next(Field& field) {
  if (pos_ == end_) return false;
  const char* start = pos_;
  field = Field{};
  field.offset = offset();
  const uint64_t tag = varint();
  field.number = static_cast<uint32_t>(tag >> 3);
  if (field.number == 0) fail("field number 0", start);
  const unsigned type = tag & 7;
  auto fixed = [&](unsigned bytes) {
    if (static_cast<uint64_t>(end_ - pos_) < bytes) fail("truncated " + std::to_string(bytes * 8) + "-bit field", start);
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(pos_[i])) << (8 * i);
    pos_ += bytes;
    return v;
  };
  switch (type) {
    case 0:
      field.type = WireType::Varint;
      field.value = varint();
      break;
    case 1:
      field.type = WireType::Fixed64;
      field.value = fixed(8);
      break;
    case 5:
      field.type = WireType::Fixed32;
      field.value = fixed(4);
      break;
    case 2: {
      field.type = WireType::Bytes;
      field.size = varint();
      const auto left = static_cast<uint64_t>(end_ - pos_);
      if (field.size > left)
        fail("truncated: field " + std::to_string(field.number) + " needs " + std::to_string(field.size) +
                 " bytes, " + std::to_string(left) + " remain",
             start);
      field.data = pos_;
      field.data_offset = offset();
      pos_ += field.size;
      break;
    }
    default:
      fail("unsupported wire type " + std::to_string(type) + " (field " + std::to_string(field.number) + ")", start);
  }
  return true;
}

}  // namespace impasto::protobuf
