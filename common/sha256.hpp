// SHA-256 (FIPS 180-4) of a byte string or a file, as 64 lowercase hex digits.
// Used to record which plugin library produced a result (a file name alone
// does not say which build it was).
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace pebench {

std::string sha256_hex(std::string_view bytes);
// Throws std::runtime_error if the file cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace pebench
