#pragma once
// key_text: how a step's error shows the key it was at (StepError::key()).

#include <fmt/format.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace weir::detail {

/// How an error shows key `*key`: a string in quotes, any other type as fmt formats it, cut
/// to 200 characters; nothing for no key or a type fmt cannot format.
template <class K>
std::optional<std::string> key_text(const K* key) {
  constexpr std::size_t kLongest = 200;
  std::optional<std::string> text;
  if constexpr (std::is_convertible_v<const K&, std::string_view>) {
    if (key != nullptr) {
      text = fmt::format("'{}'", std::string_view(*key));
    }
  } else if constexpr (fmt::is_formattable<K>::value) {
    if (key != nullptr) {
      text = fmt::format("{}", *key);
    }
  }
  if (text && text->size() > kLongest) {
    *text = text->substr(0, kLongest) + "...";
  }
  return text;
}

}  // namespace weir::detail
