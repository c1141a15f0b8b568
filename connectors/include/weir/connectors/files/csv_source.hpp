#pragma once
// CSVSource: the rows of one CSV file as records named by its header row, one partition
// named by the path.
//
// The first row names the fields. Fields may be quoted (`quote`, default '"'); a quoted
// field may hold separators, newlines and doubled quotes ("" for "). Rows end at '\n',
// "\r\n" or a lone '\r' (old Mac files); blank lines are skipped. A row is malformed when
// its field count differs from the header's, a quote is not closed before the end of the
// file, a quote appears inside an unquoted field, text follows a closing quote, or it takes
// more than max_row_bytes (its fields' bytes plus 32 bytes a field: a row of 20 MB of
// commas would otherwise hold 640 MB of empty fields). With OnMalformed::raise (the default) a
// malformed row stops the run with an error naming the file and the row's first line; with
// OnMalformed::emit it becomes a CsvRow with `error` set (and no fields), passed downstream
// in order, so the user can route it elsewhere (for example with op::branch).
//
// The snapshot is the byte offset and line number after the last row delivered, with a
// digest of what the file held (file_position.hpp); a resumed run reads the header again and
// continues at the next row of the same file. A file replaced or rewritten since is refused,
// or read again from its start (CsvOptions::on_changed = OnFileChanged::restart). A missing file is
// an error when the dataflow is built.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/connectors/files/file_position.hpp"
#include "weir/inputs/source.hpp"

namespace weir::files {

struct CsvRow {
  /// The header's field names, shared by every row of the file.
  std::shared_ptr<const std::vector<std::string>> header;
  std::vector<std::string> fields;
  /// The line the row starts on (1 is the header).
  std::uint64_t line = 0;
  /// For a malformed row (OnMalformed::emit): what is wrong, naming the file and line.
  std::optional<std::string> error;

  /// The field named `name`; throws std::out_of_range naming it if the header has none.
  [[nodiscard]] const std::string& operator[](std::string_view name) const;
  bool operator==(const CsvRow& o) const {
    return fields == o.fields && line == o.line && error == o.error &&
           (header == o.header || (header && o.header && *header == *o.header));
  }
};

/// Where a CSV partition stands: the byte offset and line number of its next row, and the
/// digest of the file's bytes before it (file_digest).
struct CsvPosition {
  std::uint64_t offset = 0;
  std::uint64_t line = 1;
  std::uint64_t digest = 0;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& offset& line& digest;
  }
  bool operator==(const CsvPosition&) const = default;
};

enum class OnMalformed { raise, emit };

struct CsvOptions {
  char separator = ',';
  char quote = '"';
  std::size_t batch_size = 1000;
  OnMalformed on_malformed = OnMalformed::raise;
  /// The most memory one row may take (see above); past it the row is malformed.
  std::size_t max_row_bytes = std::size_t{16} << 20U;
  /// Resuming a file that changed since its snapshot: refuse it, or read it from the start.
  OnFileChanged on_changed = OnFileChanged::raise;
};

class CSVSource final : public FixedPartitionedSource<CsvRow, CsvPosition> {
 public:
  explicit CSVSource(std::filesystem::path path, CsvOptions options = {});

  [[nodiscard]] std::vector<std::string> list_parts() const override;
  std::unique_ptr<StatefulSourcePartition<CsvRow, CsvPosition>> build_part(
      const std::string& step_id, const std::string& for_part,
      std::optional<CsvPosition> resume_state) const override;

 private:
  std::filesystem::path path_;
  CsvOptions options_;
};

}  // namespace weir::files
