#pragma once
#include <optional>
#include <string>

namespace impasto {

// Damage that OpenCV decodes past without a word (libjpeg's and libpng's warnings are swallowed,
// the missing part of a cut file comes out grey). The encoded bytes are decoded once more with the
// codec library itself and every warning or error about the data counts: a JPEG cut short or with
// corrupt entropy data, a PNG with a bad CRC or no IEND, a WebP shorter than its RIFF header says.
// Returns a short description of the damage ("JPEG: Premature end of JPEG file"), or nothing for
// an intact file and for formats other than JPEG, PNG and WebP (left to OpenCV).
std::optional<std::string> image_damage(const std::string& bytes);

}  // namespace impasto
