#include "cli/given_options.h"

namespace impasto {

batch::GivenOptions given_options(const CLI::App& command, const std::function<bool(const std::string&)>& wanted) {
  batch::GivenOptions given;
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() == 0 || !wanted(option->get_name())) continue;
    const bool flag = option->get_expected_max() == 0;
    given.push_back({option->get_name(), flag ? std::vector<std::string>{} : option->results()});
  }
  return given;
}

}  // namespace impasto
