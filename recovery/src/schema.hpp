#pragma once
// The tables of a recovery partition (store.hpp says what each holds) and the identity of what
// wrote it.

#include <string>

namespace weir::recovery::schema {

/// The statements that make a partition's tables (run once, by init).
extern const char* const kTables;
/// What this build writes; a store written in another format is refused.
std::string format_id();
/// A new random id for the partitions of one init.
std::string new_store_id();

}  // namespace weir::recovery::schema
