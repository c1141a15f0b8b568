// weir-recovery: makes and inspects recovery stores.
//
//   weir-recovery init DIR N   creates partitions part-0..N-1.sqlite3 in DIR (which must exist)
//   weir-recovery info DIR     prints the partitions, every execution's dataflow and worker
//                              frontiers, and the epoch the next run resumes at
//   weir-recovery backup DIR DEST
//                              copies every partition of DIR into DEST (an existing directory
//                              without partitions) at one consistent point, while runs may go
//                              on; restoring is copying DEST's files into an empty directory
//
// Exit codes: 0 done, 1 the store refused (message on stderr), 2 a bad command line.

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "weir/recovery/store.hpp"

namespace {

constexpr const char* kUsage =
    "usage: weir-recovery init DIR N   create N partitions in the existing directory DIR\n"
    "       weir-recovery info DIR     show what the store in DIR holds\n"
    "       weir-recovery backup DIR DEST\n"
    "                                  copy the store in DIR into the existing directory DEST\n"
    "                                  at one consistent point (runs may go on)\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "weir-recovery: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int info(const std::string& dir) {
  auto store = weir::recovery::RecoveryStore::open(dir);
  fmt::print("partitions: {}\n", store->partition_count());
  for (const auto& ex : store->executions()) {
    fmt::print(
        "execution {}: dataflow '{}' (fingerprint {}), {} worker(s), resumed at epoch {}, "
        "frontiers:",
        ex.number, ex.dataflow.flow_id, ex.dataflow.fingerprint(), ex.workers, ex.resume_epoch);
    for (const auto& f : ex.frontiers) {
      if (f) {
        fmt::print(" {}", *f);
      } else {
        fmt::print(" -");
      }
    }
    fmt::print("\n");
  }
  fmt::print("next execution {} resumes at epoch {}\n", store->next_execution(),
             store->resume_epoch());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view cmd = argc > 1 ? argv[1] : "";
  if (cmd == "-h" || cmd == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  try {
    if (cmd == "init") {
      if (argc != 4) {
        return usage_error("init takes a directory and a partition count");
      }
      const std::string n = argv[3];
      if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(n) == 0) {
        return usage_error(
            fmt::format("the partition count must be a positive whole number, "
                        "not '{}'",
                        n));
      }
      weir::recovery::init_store(argv[2], std::stoul(n));
      fmt::print("created {} partition(s) in {}\n", n, argv[2]);
      return 0;
    }
    if (cmd == "info") {
      if (argc != 3) {
        return usage_error("info takes a directory");
      }
      return info(argv[2]);
    }
    if (cmd == "backup") {
      if (argc != 4) {
        return usage_error("backup takes the store's directory and a destination directory");
      }
      const weir::Epoch epoch = weir::recovery::backup_store(argv[2], argv[3]);
      fmt::print("copied the store in {} into {}: it resumes at epoch {}\n", argv[2], argv[3],
                 epoch);
      return 0;
    }
    return usage_error(cmd.empty() ? "a command is needed"
                                   : fmt::format("unknown command '{}'", cmd));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weir-recovery: error: %s\n", e.what());
    return 1;
  }
}
