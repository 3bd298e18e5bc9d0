// Quoting user-supplied text in one-line messages. A value may hold anything
// (a newline, an escape sequence, a megabyte): control characters are escaped
// so an error stays one line, and long text is shortened so it stays readable.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>

namespace pebench {

// `text` with control characters escaped (\n, \r, \t, \xNN), cut after
// `max_bytes` bytes with a note of the full size.
inline std::string printable(const std::string& text, size_t max_bytes = std::string::npos) {
  std::string out;
  const size_t shown = text.size() > max_bytes ? max_bytes : text.size();
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

// 'text' for a message: printable and at most 80 bytes of it.
inline std::string quote_value(const std::string& text) { return "'" + printable(text, 80) + "'"; }

}  // namespace pebench
