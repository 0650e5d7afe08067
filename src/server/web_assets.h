#pragma once
#include <string_view>
#include <vector>

namespace impasto::server {

// A file of web/, compiled into the binary so that the studio needs nothing installed beside it.
struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

// Defined in the source that cmake/embed_assets.cmake generates.
const std::vector<WebAsset>& web_assets();

}  // namespace impasto::server
