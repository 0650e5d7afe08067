#include "image/image_check.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
#include <jerror.h>
// clang-format on
#include <png.h>
#include <webp/decode.h>

#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <vector>

namespace impasto {
namespace {

constexpr uint64_t kMaxPixels = uint64_t{1} << 30;  // OpenCV's own limit (CV_IO_MAX_IMAGE_PIXELS)

bool starts_with(const std::string& bytes, const char* magic, size_t n, size_t at = 0) {
  return bytes.size() >= at + n && std::memcmp(bytes.data() + at, magic, n) == 0;
}

struct JpegErrors {
  jpeg_error_mgr manager;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool damaged;
};

void jpeg_fail(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  errors->manager.format_message(info, errors->message);
  errors->damaged = true;
  std::longjmp(errors->jump, 1);
}

// Warnings about the data (premature end, corrupt entropy data, bad Huffman codes, extraneous bytes)
// mean the decoder filled in what it could not read. A few warnings are about metadata only.
void jpeg_message(j_common_ptr info, int level) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  if (level >= 0 || errors->damaged) return;  // trace messages, or already damaged
  const int code = errors->manager.msg_code;
  if (code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC) return;
  errors->manager.format_message(info, errors->message);
  errors->damaged = true;
  std::longjmp(errors->jump, 1);  // no need to decode the rest
}

// Decodes every scan (at 1/8 scale: the entropy-coded data is read whole all the same).
std::optional<std::string> jpeg_damage(const std::string& bytes) {
  jpeg_decompress_struct info;
  JpegErrors errors{};
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpeg_fail;
  errors.manager.emit_message = jpeg_message;
  std::vector<JSAMPLE> row;
  row.reserve(1 << 16);
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    return std::string("JPEG: ") + errors.message;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (static_cast<uint64_t>(info.image_width) * info.image_height > kMaxPixels) {
    std::snprintf(errors.message, sizeof errors.message, "declares %ux%u pixels, more than can be decoded",
                  info.image_width, info.image_height);
    jpeg_destroy_decompress(&info);
    return std::string("JPEG: ") + errors.message;
  }
  info.scale_num = 1;
  info.scale_denom = 8;
  info.dct_method = JDCT_IFAST;
  info.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&info);
  row.resize(static_cast<size_t>(info.output_width) * static_cast<size_t>(info.output_components));
  JSAMPROW rows[1] = {row.data()};
  while (info.output_scanline < info.output_height) jpeg_read_scanlines(&info, rows, 1);
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  if (errors.damaged) return std::string("JPEG: ") + errors.message;
  return std::nullopt;
}

struct PngInput {
  const std::string* bytes;
  size_t position;
  std::string warning;  // the first warning about damage
};

void png_read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* input = static_cast<PngInput*>(png_get_io_ptr(png));
  if (n > input->bytes->size() - input->position) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, input->bytes->data() + input->position, n);
  input->position += n;
}

[[noreturn]] void png_fail(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  *text = message;
  png_longjmp(png, 1);
}

// An ancillary chunk with a bad CRC is only a warning to libpng; it still means damage. Other
// warnings (e.g. "iCCP: known incorrect sRGB profile") are about metadata of intact files.
void png_warn(png_structp png, png_const_charp message) {
  auto* input = static_cast<PngInput*>(png_get_io_ptr(png));
  if (input->warning.empty() && std::strstr(message, "CRC")) input->warning = message;
}

// Decodes every row (one at a time: no buffer of the whole image) and the chunks up to IEND,
// checking every CRC and the zlib stream.
std::optional<std::string> png_damage(const std::string& bytes) {
  std::string error;
  PngInput input{&bytes, 0, {}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, png_fail, png_warn);
  if (png == nullptr) return std::string("PNG: cannot start the decoder");
  png_infop info = png_create_info_struct(png);
  std::vector<png_byte> row;
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return "PNG: " + (error.empty() ? std::string("cannot be decoded") : error);
  }
  png_set_read_fn(png, &input, png_read_bytes);
  png_set_user_limits(png, 1u << 20, 1u << 20);
  png_read_info(png, info);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  row.resize(png_get_rowbytes(png, info));
  const png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<uint64_t>(png_get_image_width(png, info)) * height > kMaxPixels)
    png_error(png, "declares more pixels than can be decoded");
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, row.data(), nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!input.warning.empty()) return "PNG: " + input.warning;
  return std::nullopt;
}

std::optional<std::string> webp_damage(const std::string& bytes) {
  uint64_t riff = 0;
  for (int i = 7; i >= 4; --i) riff = riff << 8 | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  if (riff + 8 > bytes.size())
    return "WebP: truncated (" + std::to_string(bytes.size()) + " bytes, its RIFF header says " +
           std::to_string(riff + 8) + ")";
  int width = 0, height = 0;
  uint8_t* pixels = WebPDecodeRGB(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &width, &height);
  if (pixels == nullptr) return std::string("WebP: the image data cannot be decoded");
  WebPFree(pixels);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> image_damage(const std::string& bytes) {
  if (starts_with(bytes, "\xFF\xD8\xFF", 3)) return jpeg_damage(bytes);
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n", 8)) return png_damage(bytes);
  if (starts_with(bytes, "RIFF", 4) && starts_with(bytes, "WEBP", 4, 8)) return webp_damage(bytes);
  return std::nullopt;
}

}  // namespace impasto
