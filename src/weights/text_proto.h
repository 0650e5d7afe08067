#pragma once
#include <string>
#include <vector>

namespace impasto {

// A protobuf text-format message read without its schema: fields in file order, each either a
// scalar (kept as text) or a nested message. `name: [a, b]` becomes two fields named `name`.
struct TextField;
struct TextMessage {
  std::vector<TextField> fields;
  const TextField* first(const std::string& name) const;  // nullptr when absent
  std::vector<const TextField*> all(const std::string& name) const;
};

struct TextField {
  std::string name;
  int line = 0;
  bool is_message = false;
  bool quoted = false;  // a string literal (value holds its unescaped contents)
  std::string value;    // scalar: the literal as written (number, enum name, true/false) or string contents
  TextMessage message;  // when is_message
};

// Parses protobuf text format: `#` comments, quoted strings with escapes, `{}` or `<>` blocks, the
// optional colon before a block, `,`/`;` separators and `[...]` lists. Throws InputError naming
// `where` and the line.
TextMessage parse_text_proto(const std::string& text, const std::string& where);

}  // namespace impasto
