#pragma once
// Forking the child process an isolated push source runs in, so that it cannot outlive its
// parent or hold what is not its own.
//
// The child dies with the thread that forked it (PR_SET_PDEATHSIG; that thread is the worker
// that owns the partition, and it outlives the partition), and so with the whole parent
// process, however that ends: a SIGKILL of the parent leaves no child blocked on a pipe. It
// keeps only the standard descriptors and the ones it is given: never another partition's
// pipes or the recovery store's files, which would keep those open after the parent died.
// So a push object must open its connections in run(), not in its constructor.

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace weir::push::detail {

/// In a new child: closes every descriptor but 0, 1, 2 and `keep`.
inline void close_all_but(std::initializer_list<int> keep) {
  std::vector<int> k{0, 1, 2};
  k.insert(k.end(), keep.begin(), keep.end());
  std::sort(k.begin(), k.end());
  k.erase(std::unique(k.begin(), k.end()), k.end());
  unsigned next = 0;  // the lowest descriptor not yet kept or closed
  for (const int fd : k) {
    if (static_cast<unsigned>(fd) > next) ::close_range(next, static_cast<unsigned>(fd) - 1, 0);
    next = static_cast<unsigned>(fd) + 1;
  }
  ::close_range(next, ~0U, 0);
}

/// Forks. In the child (returns 0): bound to die with the forking thread, default handlers
/// for crash signals, Ctrl-C ignored (the parent tells it to stop), and only the standard
/// descriptors and `keep` open. In the parent: the child's pid; throws if fork failed.
inline pid_t fork_child(std::initializer_list<int> keep) {
  const pid_t parent = ::getpid();
  std::fflush(nullptr);  // the child must not write this process's buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
  if (pid > 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before the line above
  // a crash here ends this process the plain way, not through handlers the parent set
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM}) std::signal(sig, SIG_DFL);
  std::signal(SIGINT, SIG_IGN);
  close_all_but(keep);
  return 0;
}

}  // namespace weir::push::detail
