#pragma once
// StdOutSink: prints each item on its own line to standard output, formatted with fmt
// (pairs and tuples print as "(a, b)"). Each batch is written with one call, under a lock,
// so lines from different workers never interleave.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "weir/outputs/sink.hpp"

namespace weir::stdio {

/// Writes `text` to stdout in one piece; shared by every worker.
void write_stdout(const std::string& text);

template <class X>
class StdOutSink final : public DynamicSink<X> {
 public:
  std::unique_ptr<StatelessSinkPartition<X>> build(const std::string& /*step_id*/,
                                                   std::size_t /*worker_index*/,
                                                   std::size_t /*worker_count*/) const override {
    return std::make_unique<Partition>();
  }

 private:
  class Partition final : public StatelessSinkPartition<X> {
   public:
    void write_batch(std::vector<X>&& items) override {
      buffer_.clear();
      for (const auto& x : items) fmt::format_to(std::back_inserter(buffer_), "{}\n", x);
      write_stdout(buffer_);
    }

   private:
    std::string buffer_;
  };
};

}  // namespace weir::stdio
