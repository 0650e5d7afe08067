#include "video/flo_file.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "image/image_io.h"
#include "impasto/errors.h"

namespace impasto {
namespace {
constexpr float kTag = 202021.25f;  // "PIEH" read as a little-endian float
}

void write_flo(const std::string& path, const cv::Mat& flow) {
  CV_Assert(flow.type() == CV_32FC2);
  std::string bytes(12 + flow.total() * 8, '\0');
  const int32_t size[2] = {flow.cols, flow.rows};
  std::memcpy(bytes.data(), &kTag, 4);
  std::memcpy(bytes.data() + 4, size, 8);
  const cv::Mat dense = flow.isContinuous() ? flow : flow.clone();
  std::memcpy(bytes.data() + 12, dense.data, flow.total() * 8);
  write_file_atomically(path, bytes);
}

cv::Mat read_flo(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read flow file '" + path + "'");
  float tag = 0;
  int32_t size[2] = {0, 0};
  in.read(reinterpret_cast<char*>(&tag), 4);
  in.read(reinterpret_cast<char*>(size), 8);
  if (!in || tag != kTag || size[0] <= 0 || size[1] <= 0 || size[0] > 1 << 16 || size[1] > 1 << 16)
    throw InputError("'" + path + "' is not a Middlebury .flo file");
  cv::Mat flow(size[1], size[0], CV_32FC2);
  in.read(reinterpret_cast<char*>(flow.data), static_cast<std::streamsize>(flow.total() * 8));
  if (!in) throw InputError("flow file '" + path + "' is truncated");
  return flow;
}

}  // namespace impasto
