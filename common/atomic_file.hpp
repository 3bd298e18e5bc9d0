// Atomic file replacement: a reader (or a rerun after a crash) sees either the
// old file or the complete new one, never a prefix. The text goes to a temp
// file in the same directory (rename is atomic only within one file system),
// is fsync'ed, renamed over the target, and the directory is fsync'ed so the
// rename itself survives a power cut.
//
// Temp files are named after their owner, ".<name>.<host>.<pid>.tmp", so a
// process cleaning up after a killed run removes only temp files whose owner
// is gone: another process writing the same directory at the same time (a
// second shard, the same command started twice) keeps its in-flight file.
#pragma once
#include <filesystem>
#include <string>

namespace pebench {

// Creates parent directories as needed. RuntimeError on any I/O failure (the
// temp file is removed). Orphaned temp files of `path` are removed first.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// The temp-file name used for `path` by this process.
std::filesystem::path temp_path_for(const std::filesystem::path& path);

// This machine's host name ("unknown" if it has none).
std::string this_host();

// Whether the process `pid` on `host` is gone: on this host, no such process;
// on another host it cannot be asked, so only when `age_s` (seconds since the
// owner last touched its file) exceeds kStaleOwnerSeconds.
constexpr double kStaleOwnerSeconds = 600;
bool owner_is_gone(const std::string& host, long pid, double age_s);

// Removes the temp files of `path` left by writers that are gone (killed
// mid-write); those of live writers stay.
void remove_orphaned_temp_files(const std::filesystem::path& path);

}  // namespace pebench
