// Test-only: building documents and options for the clustering tests.
#pragma once

#include <samestory/cluster.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace samestory::test {

// Options with a few fields set (designated initializers trip -Wmissing-field-initializers).
template <class T, class F>
T with(F f) {
  T o;
  f(o);
  return o;
}

inline document doc(document_id id, std::string_view text,
                    std::optional<std::int64_t> time = std::nullopt) {
  document d;
  d.id = id;
  d.text = text;
  d.time = time;
  return d;
}

// A made-up word per number: three syllables of sixteen, so 4096 words that
// no stop-word list or dictionary knows and no two topics share by accident.
inline std::string word(unsigned k) {
  static const char* const syl[] = {"ka", "lo", "mi", "ru", "te", "sa", "po", "ni",
                                    "ve", "do", "zu", "fa", "ge", "hi", "jo", "bu"};
  std::string w;
  for (int i = 0; i < 3; ++i) {
    w += syl[k % 16];
    k /= 16;
  }
  return w;
}

}  // namespace samestory::test
