#include "weights/text_proto.h"

#include <impasto/errors.h>

#include <cctype>

namespace impasto {

const TextField* TextMessage::first(const std::string& name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const TextField*> TextMessage::all(const std::string& name) const {
  std::vector<const TextField*> out;
  for (const auto& f : fields)
    if (f.name == name) out.push_back(&f);
  return out;
}

namespace {

struct Token {
  enum class Kind { End, Word, String, Punct } kind = Kind::End;
  std::string text;  // Punct: the character; String: unescaped contents
  int line = 1;
};

class Parser {
 public:
  Parser(const std::string& text, std::string where) : text_(text), where_(std::move(where)) { advance(); }

  TextMessage parse_all() { return parse_fields('\0'); }

 private:
  [[noreturn]] void fail(const std::string& what, int line) const {
    throw InputError(where_ + ":" + std::to_string(line) + ": " + what);
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::End: return "the end of the file";
      case Token::Kind::String: return "a string";
      default: return "'" + t.text + "'";
    }
  }

  bool is_punct(char c) const { return tok_.kind == Token::Kind::Punct && tok_.text[0] == c; }

  // Fields up to the closing character (or the end of the text when close is '\0'). Blocks nest by
  // recursion, so their depth is limited: real networks nest 3 or 4 levels.
  TextMessage parse_fields(char close) {
    if (depth_ > kMaxDepth) fail("blocks nested more than " + std::to_string(kMaxDepth) + " levels deep", tok_.line);
    ++depth_;
    TextMessage m;
    while (!(close ? is_punct(close) : tok_.kind == Token::Kind::End)) {
      if (tok_.kind == Token::Kind::End) fail(std::string("missing '") + close + "' at the end of the file", tok_.line);
      if (tok_.kind != Token::Kind::Word) fail("expected a field name, got " + describe(tok_), tok_.line);
      TextField field;
      field.name = tok_.text;
      field.line = tok_.line;
      advance();
      const bool colon = is_punct(':');
      if (colon) advance();
      if (is_punct('[')) {
        advance();
        while (!is_punct(']')) {
          m.fields.push_back(parse_value(field, colon));
          if (is_punct(',')) advance();
          else if (!is_punct(']')) fail("expected ',' or ']' in the list '" + field.name + "'", tok_.line);
        }
        advance();
      } else {
        m.fields.push_back(parse_value(field, colon));
      }
      if (is_punct(',') || is_punct(';')) advance();
    }
    if (close) advance();
    --depth_;
    return m;
  }

  TextField parse_value(TextField field, bool colon) {
    if (is_punct('{') || is_punct('<')) {
      const char close = tok_.text[0] == '{' ? '}' : '>';
      advance();
      field.is_message = true;
      field.message = parse_fields(close);
      return field;
    }
    if (!colon) fail("expected ':' or '{' after '" + field.name + "', got " + describe(tok_), tok_.line);
    if (tok_.kind == Token::Kind::String) {
      field.quoted = true;
      // Adjacent string literals concatenate, as in C.
      while (tok_.kind == Token::Kind::String) {
        field.value += tok_.text;
        advance();
      }
      return field;
    }
    if (tok_.kind != Token::Kind::Word) fail("expected a value for '" + field.name + "', got " + describe(tok_), tok_.line);
    field.value = tok_.text;
    advance();
    return field;
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  static bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '+';
  }

  void advance() {
    skip_space_and_comments();
    tok_ = Token{};
    tok_.line = line_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    if (c == '"' || c == '\'') {
      tok_.kind = Token::Kind::String;
      tok_.text = read_string(c);
    } else if (is_word_char(c)) {
      tok_.kind = Token::Kind::Word;
      while (pos_ < text_.size() && is_word_char(text_[pos_])) tok_.text += text_[pos_++];
    } else if (std::string("{}<>[]:,;").find(c) != std::string::npos) {
      tok_.kind = Token::Kind::Punct;
      tok_.text = std::string(1, c);
      ++pos_;
    } else {
      fail(std::string("unexpected character '") + c + "'", line_);
    }
  }

  std::string read_string(char quote) {
    const int start_line = line_;
    std::string s;
    for (++pos_;; ++pos_) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') fail("unterminated string", start_line);
      char c = text_[pos_];
      if (c == quote) break;
      if (c == '\\' && pos_ + 1 < text_.size()) {
        c = text_[++pos_];
        switch (c) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            int v = 0;
            for (int i = 0; i < 3 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++i)
              v = v * 8 + (text_[pos_++] - '0');
            --pos_;
            c = static_cast<char>(v);
            break;
          }
          default: break;  // \\ \" \' and anything else stand for themselves
        }
      }
      s += c;
    }
    ++pos_;
    return s;
  }

  static constexpr int kMaxDepth = 100;
  const std::string& text_;
  std::string where_;
  int depth_ = 0;
  size_t pos_ = 0;
  int line_ = 1;
  Token tok_;
};

}  // namespace

TextMessage parse_text_proto(const std::string& text, const std::string& where) {
  return Parser(text, where).parse_all();
}

}  // namespace impasto
