#include "weir/connectors/files/csv_source.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

#include "file_checks.hpp"

namespace weir::files {

const std::string& CsvRow::operator[](std::string_view name) const {
  if (header) {
    for (std::size_t i = 0; i < header->size() && i < fields.size(); ++i) {
      if ((*header)[i] == name) {
        return fields[i];
      }
    }
  }
  throw std::out_of_range(fmt::format("the CSV row of line {} has no field '{}'", line, name));
}

namespace {

// Reads CSV records from a stream, keeping the byte offset and line number.
class CsvReader {
 public:
  CsvReader(const std::filesystem::path& path, const CsvOptions& o, CsvPosition at)
      : path_(path), in_(path, std::ios::binary), options_(o), at_(at) {
    if (!in_) {
      throw std::runtime_error(fmt::format("cannot open file '{}'", path.string()));
    }
    in_.seekg(static_cast<std::streamoff>(at.offset));
  }

  struct Record {
    std::vector<std::string> fields;
    std::uint64_t line = 0;
    std::optional<std::string> error;
  };

  /// The next record (blank lines skipped), or none at the end of the file.
  std::optional<Record> next() {
    while (true) {
      int c = peek();
      if (c == EOF) {
        return std::nullopt;
      }
      if (c == '\n' || c == '\r') {  // a blank line
        take();
        end_line(c);
        continue;
      }
      return record();
    }
  }

  [[nodiscard]] CsvPosition position() const { return at_; }
  [[nodiscard]] std::string where(std::uint64_t line) const {
    return fmt::format("file '{}' line {}", path_.string(), line);
  }

 private:
  int peek() { return in_.peek(); }
  int take() {
    const int c = in_.get();
    if (c != EOF) {
      ++at_.offset;
      if (c == '\n') {
        ++at_.line;
      }
    }
    return c;
  }
  // After a row's end `c` ('\n' or '\r') was taken: a "\r\n" takes its '\n', a lone '\r'
  // ends a line by itself.
  void end_line(int c) {
    if (c != '\r') {
      return;
    }
    if (peek() == '\n') {
      take();
    } else {
      ++at_.line;
    }
  }

  // skips the rest of the physical line (after a malformed field)
  void skip_line() {
    for (int c = take(); c != EOF; c = take()) {
      if (c == '\n' || c == '\r') {
        end_line(c);
        return;
      }
    }
  }

  Record record() {
    Record r;
    r.line = at_.line;
    std::string field;
    bool quoted = false;    // the current field was quoted and its quote closed
    std::size_t bytes = 0;  // what the row takes so far, counted as it grows
    auto fail = [&](std::string what) {
      r.fields.clear();
      r.fields.shrink_to_fit();
      r.error = fmt::format("{}: {}", where(r.line), what);
      skip_line();
      return r;
    };
    auto too_large = [&] {
      return fail(fmt::format("the row takes more than {} bytes (CsvOptions::max_row_bytes)",
                              options_.max_row_bytes));
    };
    while (true) {
      const int c = take();
      if (c == EOF || c == '\n' || c == '\r') {
        end_line(c);
        r.fields.push_back(std::move(field));
        return r;
      }
      if (++bytes > options_.max_row_bytes) {
        return too_large();
      }
      if (c == options_.separator) {
        r.fields.push_back(std::move(field));
        field.clear();
        quoted = false;
        bytes += sizeof(std::string);
        if (bytes > options_.max_row_bytes) {
          return too_large();
        }
      } else if (c == options_.quote) {
        if (quoted || !field.empty()) {
          return fail("a quote inside an unquoted field");
        }
        // a quoted field: up to the closing quote ("" is one quote)
        while (true) {
          const int q = take();
          if (q == EOF) {
            r.fields.clear();
            r.error = fmt::format("{}: a quoted field is not closed before the end of the file",
                                  where(r.line));
            return r;
          }
          if (++bytes > options_.max_row_bytes) {
            return too_large();
          }
          if (q == options_.quote) {
            if (peek() == options_.quote) {
              take();
              field.push_back(options_.quote);
              continue;
            }
            break;
          }
          field.push_back(static_cast<char>(q));
        }
        quoted = true;
      } else if (quoted) {
        return fail("text after a closing quote");
      } else {
        field.push_back(static_cast<char>(c));
      }
    }
  }

  std::filesystem::path path_;
  std::ifstream in_;
  CsvOptions options_;
  CsvPosition at_;
};

class CsvPartition final : public StatefulSourcePartition<CsvRow, CsvPosition> {
 public:
  CsvPartition(const std::filesystem::path& path, const CsvOptions& o,
               std::optional<CsvPosition> resume)
      : path_(path), reader_(path, o, {}), options_(o) {
    auto header = reader_.next();
    if (!header) {
      done_ = true;  // an empty file: no header, no rows
      return;
    }
    if (header->error) {
      throw std::runtime_error(*header->error);
    }
    header_ = std::make_shared<const std::vector<std::string>>(std::move(header->fields));
    if (resume && resume_offset(path, {resume->offset, resume->digest}, o.on_changed) != 0) {
      reader_ = CsvReader(path, o, *resume);
    }
  }

  NextBatch<CsvRow> next_batch() override {
    if (done_) {
      return end_of_partition;
    }
    std::vector<CsvRow> out;
    while (out.size() < options_.batch_size) {
      auto r = reader_.next();
      if (!r) {
        done_ = true;
        break;
      }
      if (!r->error && r->fields.size() != header_->size()) {
        r->error = fmt::format("{}: {} fields, but the header has {}", reader_.where(r->line),
                               r->fields.size(), header_->size());
        r->fields.clear();
      }
      if (r->error && options_.on_malformed == OnMalformed::raise) {
        throw std::runtime_error(*r->error);
      }
      out.push_back(CsvRow{header_, std::move(r->fields), r->line, std::move(r->error)});
    }
    if (out.empty() && done_) {
      return end_of_partition;
    }
    return out;
  }

  [[nodiscard]] CsvPosition snapshot() override {
    CsvPosition at = reader_.position();
    at.digest = file_digest(path_, at.offset);
    return at;
  }

 private:
  std::filesystem::path path_;
  CsvReader reader_;
  CsvOptions options_;
  std::shared_ptr<const std::vector<std::string>> header_;
  bool done_ = false;
};

}  // namespace

CSVSource::CSVSource(std::filesystem::path path, CsvOptions options)
    : path_(std::move(path)), options_(options) {
  if (options_.batch_size == 0) {
    options_.batch_size = 1;
  }
}

std::vector<std::string> CSVSource::list_parts() const { return detail::one_file_parts(path_); }

std::unique_ptr<StatefulSourcePartition<CsvRow, CsvPosition>> CSVSource::build_part(
    const std::string& /*step_id*/, const std::string& /*for_part*/,
    std::optional<CsvPosition> resume_state) const {
  return std::make_unique<CsvPartition>(path_, options_, resume_state);
}

}  // namespace weir::files
