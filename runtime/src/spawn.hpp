#pragma once
// `-p N`: runs this same executable as N local processes forming one cluster.

#include <cstddef>
#include <string>
#include <vector>

namespace weir::detail {

/// Picks N free loopback ports, writes them to an addresses file, starts N copies of this
/// executable with the same arguments less `-p`, plus `-i K -a FILE`, and waits for all of
/// them. Ctrl-C and SIGTERM are passed on to them. Once one fails, the others get SIGTERM
/// (and SIGKILL 5 s later if they are still there). Returns 0 if every process succeeded,
/// else the first failure's exit code (128 + the signal for a process killed by one).
/// `metrics_address` (--metrics): process k serves its metrics on its port + k.
int run_local_cluster(std::size_t processes, const std::vector<std::string>& argv,
                      const std::string& metrics_address);

}  // namespace weir::detail
