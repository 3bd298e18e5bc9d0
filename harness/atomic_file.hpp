// Atomic file replacement: a reader (or a rerun after a crash) sees either the
// old file or the complete new one, never a prefix. The text goes to a temp
// file in the same directory (rename is atomic only within one file system),
// is fsync'ed, renamed over the target, and the directory is fsync'ed so the
// rename itself survives a power cut.
#pragma once
#include <filesystem>
#include <string>

namespace pebench {

// Creates parent directories as needed. RuntimeError on any I/O failure (the
// temp file is removed).
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// The temp-file name used for `path`: ".<name>.<pid>.tmp" beside it.
std::filesystem::path temp_path_for(const std::filesystem::path& path);

// Removes leftover temp files of `path` from interrupted writes (any pid).
void remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace pebench
