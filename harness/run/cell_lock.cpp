#include "harness/run/cell_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "common/atomic_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

std::string owner_line() { return this_host() + " " + std::to_string(::getpid()) + "\n"; }

// The lock's text and its age in seconds; false if it cannot be read (gone).
bool read_lock(const fs::path& lock, std::string& text, double& age_s) {
  struct stat info {};
  if (::lstat(lock.c_str(), &info) != 0) return false;
  age_s = static_cast<double>(std::time(nullptr) - info.st_mtime);
  if (!S_ISREG(info.st_mode)) {  // something odd sits there: treat it as an ownerless lock
    text.clear();
    return true;
  }
  std::ifstream in(lock);
  std::stringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

// A lock is stale when its owner is gone. An empty or garbled lock is a
// writer killed between creating and filling it: stale once it is old. A lock
// naming this very process is a dead predecessor's that had the same pid (a
// container restarts with the same pids): this process never claims a cell twice.
bool is_stale(const std::string& text, double age_s) {
  if (text == owner_line()) return true;
  std::istringstream in(text);
  std::string host;
  long pid = 0;
  if (!(in >> host >> pid)) return age_s > 10;
  return owner_is_gone(host, pid, age_s);
}

// Removes a lock judged stale from `text`, unless it changed meanwhile
// (another run took it over first and holds it now).
void take_over(const fs::path& lock, const std::string& text) {
  const fs::path aside = lock.string() + "." + this_host() + "." + std::to_string(::getpid()) + ".stale";
  if (::rename(lock.c_str(), aside.c_str()) != 0) return;  // someone else moved it first
  std::string now;
  double age = 0;
  if (read_lock(aside, now, age) && now != text) {
    // Not the lock we judged: put it back (link fails if a new one appeared).
    if (::link(aside.c_str(), lock.c_str()) != 0) { /* a newer claim exists; theirs stands */ }
  }
  ::unlink(aside.c_str());
}

// Creates `lock` holding this process's owner line, or returns false if it
// exists. The line is written to a private file first and hard-linked into
// place, so the lock never exists empty: a run killed at any instant leaves
// either no lock or one that names its (dead) owner, never a nameless one
// that others must wait out. (A staged file left by a killed run is removed
// like any orphaned temp file, see try_claim.)
bool create_filled(const fs::path& lock) {
  const fs::path staged = temp_path_for(lock);
  const int fd = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeError("cannot create '" + staged.string() + "': " + std::strerror(errno));
  const std::string line = owner_line();
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int write_error = errno;
  ::close(fd);
  if (!written) {
    ::unlink(staged.c_str());
    throw RuntimeError("cannot write '" + staged.string() + "': " + std::strerror(write_error));
  }
  const bool linked = ::link(staged.c_str(), lock.c_str()) == 0;
  const int link_error = errno;
  ::unlink(staged.c_str());
  if (!linked && link_error != EEXIST)
    throw RuntimeError("cannot create '" + lock.string() + "': " + std::strerror(link_error));
  return linked;
}

}  // namespace

CellLocks::CellLocks() : heartbeat_([this] { heartbeat(); }) {}

CellLocks::~CellLocks() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  heartbeat_.join();
  for (const auto& path : std::set<fs::path>(held_)) ::unlink(path.c_str());
}

fs::path CellLocks::lock_path(const fs::path& result) {
  return result.parent_path() / ("." + result.filename().string() + ".lock");
}

bool CellLocks::try_claim(const fs::path& result) {
  const fs::path lock = lock_path(result);
  std::error_code ec;
  fs::create_directories(lock.parent_path(), ec);
  if (ec) throw RuntimeError("cannot create directory '" + lock.parent_path().string() + "': " + ec.message());
  remove_orphaned_temp_files(lock);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (create_filled(lock)) {
      std::lock_guard<std::mutex> guard(mutex_);
      held_.insert(lock);
      return true;
    }
    std::string text;
    double age = 0;
    if (!read_lock(lock, text, age)) continue;  // released meanwhile: try again
    if (!is_stale(text, age)) return false;
    take_over(lock, text);
  }
  return false;
}

void CellLocks::release(const fs::path& result) {
  const fs::path lock = lock_path(result);
  std::lock_guard<std::mutex> guard(mutex_);
  if (held_.erase(lock)) ::unlink(lock.c_str());
}

void CellLocks::heartbeat() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::duration<double>(kHeartbeatSeconds), [this] { return stopping_; }))
    for (const auto& path : held_) ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
}

}  // namespace pebench
