#pragma once
#include <stdexcept>
#include <string>

namespace impasto {

// Something the user supplied is wrong (file, option, layer name). The CLI maps it to exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace impasto
