// Cell claims: two `pebench run` processes on one output directory (Slurm
// shards on a shared file system, or the same command started twice) must
// never train or write the same cell at the same time. Before a cell runs,
// its runner creates ".seed<k>.json.lock" beside the result, already holding
// "<host> <pid>" (written to a private file, then hard-linked into place: one
// process wins, and no lock is ever seen empty); other runs skip the cell.
// The lock goes when the cell's result is written (or the cell is given up).
//
// A lock whose owner is gone (killed: the same host and no such process; or
// another host's lock whose heartbeat stopped, see owner_is_gone) is stale
// and taken over: renamed aside (one process wins the rename), re-read to be
// sure it is still the stale one, and removed. Held locks are touched every
// kHeartbeatSeconds so that runs on other hosts can tell a live lock from a
// dead one by its age.
#pragma once
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

namespace pebench {

class CellLocks {
 public:
  static constexpr double kHeartbeatSeconds = 60;

  CellLocks();
  ~CellLocks();  // releases every lock still held
  CellLocks(const CellLocks&) = delete;
  CellLocks& operator=(const CellLocks&) = delete;

  // Claims the cell whose result file is `result`; false if another live run
  // holds it. RuntimeError if the lock cannot be created for another reason.
  bool try_claim(const std::filesystem::path& result);
  // Gives the claim up (no-op if not held).
  void release(const std::filesystem::path& result);

  static std::filesystem::path lock_path(const std::filesystem::path& result);

 private:
  void heartbeat();

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<std::filesystem::path> held_;  // lock paths
  std::thread heartbeat_;
};

}  // namespace pebench
