#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errors.hpp"

namespace pebench {

namespace fs = std::filesystem;

std::string this_host() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

fs::path temp_path_for(const fs::path& path) {
  return path.parent_path() /
         ("." + path.filename().string() + "." + this_host() + "." + std::to_string(::getpid()) + ".tmp");
}

bool owner_is_gone(const std::string& host, long pid, double age_s) {
  if (host != this_host()) return age_s > kStaleOwnerSeconds;
  if (pid <= 0) return true;
  if (pid == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

[[noreturn]] static void fail_io(const std::string& what, const fs::path& path) {
  throw RuntimeError(what + " '" + path.string() + "': " + std::strerror(errno));
}

static void write_all(int fd, const std::string& text, const fs::path& path) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot write", path);
    written += static_cast<size_t>(n);
  }
}

static void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // some file systems refuse; the rename is still atomic
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  if (ec) throw RuntimeError("cannot create directory '" + path.parent_path().string() + "': " + ec.message());
  remove_orphaned_temp_files(path);
  const fs::path temp = temp_path_for(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_io("cannot create", temp);
  try {
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) fail_io("cannot sync", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {  // NFS reports a full disk as late as close()
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail_io("cannot write", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail_io("cannot rename into", path);
  }
  fsync_directory(path.parent_path());
}

// ".<name>.<host>.<pid>.tmp" -> host and pid; false for any other name.
static bool parse_temp_name(const std::string& name, const std::string& prefix, std::string& host, long& pid) {
  const std::string suffix = ".tmp";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string owner = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  const auto dot = owner.rfind('.');
  if (dot == std::string::npos) {  // ".<name>.<pid>.tmp" of older versions: no host
    host = this_host();
    pid = std::atol(owner.c_str());
    return owner.find_first_not_of("0123456789") == std::string::npos;
  }
  host = owner.substr(0, dot);
  const std::string digits = owner.substr(dot + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  pid = std::atol(digits.c_str());
  return true;
}

void remove_orphaned_temp_files(const fs::path& path) {
  const std::string prefix = "." + path.filename().string() + ".";
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(path.parent_path().empty() ? "." : path.parent_path(), ec)) {
    std::string host;
    long pid = 0;
    if (!parse_temp_name(entry.path().filename().string(), prefix, host, pid)) continue;
    std::error_code time_error;
    const auto modified = fs::last_write_time(entry.path(), time_error);
    const double age = time_error ? 0.0 : std::chrono::duration<double>(now - modified).count();
    if (owner_is_gone(host, pid, age)) fs::remove(entry.path(), time_error);
  }
}

}  // namespace pebench
