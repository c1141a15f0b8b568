#pragma once
// The conversions of command-line values shared by weir's flags and a program's own
// (CommandLine), and the checks of weir's flags taken together. Each throws
// std::invalid_argument with a message naming `flag` and the value.

#include <cstddef>
#include <cstdint>
#include <string>

#include "weir/runtime/run_main.hpp"

namespace weir::detail {

/// A whole number from 0.
std::size_t parse_whole(const std::string& flag, const std::string& value);
/// A whole number, possibly negative.
std::int64_t parse_integer(const std::string& flag, const std::string& value);
/// A finite number, possibly with a fraction.
double parse_number(const std::string& flag, const std::string& value);
/// 1/true/yes or 0/false/no.
bool parse_bool(const std::string& flag, const std::string& value);
/// A whole number from 1 to `most`.
std::size_t parse_count(const std::string& flag, const std::string& value, std::size_t most);
/// A number of seconds, 0 or more, with an optional fraction ("10", "0.5", "0").
Duration parse_seconds(const std::string& flag, const std::string& value);

/// Refuses flags that do not go together (-p with -i or -a, -a without -i, ...).
void check_run_flags(const RunArgs& args);

}  // namespace weir::detail
