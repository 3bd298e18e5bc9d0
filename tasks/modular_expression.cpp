#include "tasks/modular_expression.hpp"

#include <string>

#include "common/errors.hpp"

namespace pebench {

namespace {

// Recursive-descent parser; every intermediate value stays in [0, modulus).
class ModularParser {
 public:
  ModularParser(std::string_view text, int modulus) : text_(text), modulus_(modulus) {}

  int parse_all() {
    const int value = expression();
    if (position_ != text_.size()) fail("unexpected symbol");
    return value;
  }

 private:
  int expression() {
    int value = term();
    while (peek() == '+' || peek() == '-') {
      const char op = text_[position_++];
      const int right = term();
      value = reduce(op == '+' ? value + right : value - right);
    }
    return value;
  }

  int term() {
    int value = factor();
    while (peek() == '*') {
      ++position_;
      value = reduce(static_cast<long long>(value) * factor());
    }
    return value;
  }

  int factor() {
    const char symbol = peek();
    if (symbol == '-') {
      ++position_;
      return reduce(-factor());
    }
    if (symbol >= '0' && symbol <= '9') {
      ++position_;
      return reduce(symbol - '0');
    }
    if (symbol == '(') {
      ++position_;
      const int value = expression();
      if (peek() != ')') fail("expected ')'");
      ++position_;
      return value;
    }
    fail(symbol ? "expected a digit, '-' or '('" : "expression ends early");
    return 0;
  }

  char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }
  int reduce(long long value) const { return static_cast<int>(((value % modulus_) + modulus_) % modulus_); }
  [[noreturn]] void fail(const char* what) const {
    throw UsageError("malformed expression '" + std::string(text_) + "': " + what + " at position " +
                     std::to_string(position_));
  }

  std::string_view text_;
  int modulus_;
  size_t position_ = 0;
};

}  // namespace

int evaluate_modular_expression(std::string_view text, int modulus) {
  return ModularParser(text, modulus).parse_all();
}

}  // namespace pebench
