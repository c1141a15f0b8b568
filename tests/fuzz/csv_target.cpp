// Fuzz target: the CSV reader on hostile files. The first byte picks the separator, quote and
// what a malformed row does; the rest is the file. Reading may fail with an exception naming
// the file and line, never crash, loop or hold more than a row's bound in memory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <weir/connectors/files/csv_source.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("weir_csv_fuzz_" + std::to_string(::getpid()));
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data) + 1, static_cast<std::streamsize>(size - 1));
  }
  weir::files::CsvOptions o;
  o.separator = (data[0] & 1U) != 0 ? ';' : ',';
  o.quote = (data[0] & 2U) != 0 ? '\'' : '"';
  o.on_malformed =
      (data[0] & 4U) != 0 ? weir::files::OnMalformed::emit : weir::files::OnMalformed::raise;
  o.batch_size = 1 + (data[0] >> 4U);
  o.max_row_bytes = 4096;
  try {
    weir::files::CSVSource source(file, o);
    auto part = source.build_part("fuzz.csv", file.string(), std::nullopt);
    while (true) {
      auto batch = part->next_batch();
      if (!batch.has_value()) {
        break;
      }
    }
  } catch (const std::exception&) {  // a malformed file is refused with a message
  }
  return 0;
}
