#pragma once
// FileSink: writes the values of a keyed stream of lines to one file, a line each ('\n'
// appended), exactly once across crashes and resumes.
//
// The file is the sink's only partition, named by its path. A fresh run starts the file
// empty. Each snapshot is the file's length after the epoch's writes, synced to disk first;
// a resumed run truncates the file to the length its last committed epoch recorded, so the
// lines of epochs replayed after a crash are never doubled. A file shorter than its
// snapshot was changed outside the dataflow: resuming from it is an error naming the file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/outputs/sink.hpp"

namespace weir::files {

/// One open output file at a known length; the partition FileSink builds.
class FileWriter final {
 public:
  /// Opens `path` (creating it) and truncates it to `length` (0 when fresh).
  FileWriter(const std::filesystem::path& path, std::optional<std::uint64_t> length);
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();

  /// Appends each line and a '\n'; returns once the bytes are written to the file.
  void write_lines(const std::vector<std::string>& lines);
  /// Syncs the file to disk and returns its length.
  std::uint64_t sync();
  void close();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t length_ = 0;
  std::string buffer_;
};

/// A sink partition writing lines to one file through a FileWriter, exactly once: its
/// snapshot is the synced length, and resuming truncates to it. FileSink and DirSink use it.
class FileSinkPartition final : public StatefulSinkPartition<std::string, std::uint64_t> {
 public:
  FileSinkPartition(const std::filesystem::path& path, std::optional<std::uint64_t> length)
      : file_(path, length) {}
  void write_batch(std::vector<std::string>&& items) override { file_.write_lines(items); }
  [[nodiscard]] std::uint64_t snapshot() override { return file_.sync(); }
  void close() override { file_.close(); }

 private:
  FileWriter file_;
};

template <class K = std::string>
class FileSink final : public FixedPartitionedSink<std::string, std::uint64_t, K> {
 public:
  explicit FileSink(std::filesystem::path path) : path_(std::move(path)) {}

  [[nodiscard]] std::vector<std::string> list_parts() const override { return {path_.string()}; }

  std::unique_ptr<StatefulSinkPartition<std::string, std::uint64_t>> build_part(
      const std::string& /*step_id*/, const std::string& /*for_part*/,
      std::optional<std::uint64_t> resume_state) const override {
    return std::make_unique<FileSinkPartition>(path_, resume_state);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace weir::files
