#pragma once
// Where a file partition stands, and enough of what the file held to tell, on resume, whether
// it is still the same file: FileSource, DirSource and CSVSource snapshot a FilePosition.
//
// The digest covers the file's first and last 4 KiB before the offset (FNV-1a). A file that
// was only appended to still matches; a file replaced or rewritten (shorter than the offset,
// or other bytes there) does not, and resuming it is refused (OnFileChanged::raise, the
// default) or starts it over from its first byte (OnFileChanged::restart): never a silent
// resume in the middle of other content. A rewrite that keeps both 4 KiB stretches is not
// seen.

#include <cstdint>
#include <filesystem>

namespace weir::files {

struct FilePosition {
  /// The byte after the last item delivered.
  std::uint64_t offset = 0;
  /// Of the file's bytes before `offset` (file_digest).
  std::uint64_t digest = 0;
  template <class Ar>
  void serialize(Ar& ar, unsigned /*version*/) {
    ar& offset& digest;
  }
  bool operator==(const FilePosition&) const = default;
};

/// What resuming a file that changed since its snapshot does.
enum class OnFileChanged { raise, restart };

/// The digest of `path`'s bytes [0, min(4096, offset)) and [max(0, offset - 4096), offset).
/// Throws if the file cannot be read or is shorter than `offset`.
std::uint64_t file_digest(const std::filesystem::path& path, std::uint64_t offset);

/// The position of `path` at `offset`, with its digest.
FilePosition position_in(const std::filesystem::path& path, std::uint64_t offset);

/// Where a resumed partition of `path` starts: `at.offset` if the file still holds what it
/// held there; else 0 with OnFileChanged::restart, or a std::runtime_error naming the file.
std::uint64_t resume_offset(const std::filesystem::path& path, const FilePosition& at,
                            OnFileChanged on_changed);

}  // namespace weir::files
