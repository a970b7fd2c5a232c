/// @file dateline.hpp
/// The day a news report gives in its opening words.
///
/// Chinese, Japanese and Korean reports open with the day of the report or
/// of the event: "新华社北京11月8日电", "新京报讯（记者 刘玮）10月30日，",
/// "서울 11월 8일". Independent write-ups of one event mostly give the same
/// day; a league's next round, a company's later announcement or the second
/// day of an exam's registration give another, while their vocabulary is the
/// same. The story level uses the dateline as the time of a document whose
/// crawl gave none (cluster_options::dateline_factor, docs/algorithms.md §15).
#pragma once

#include <samestory/export.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace samestory {

/// A calendar day without a year: datelines do not give one.
struct month_day {
  std::uint8_t month = 0;  ///< 1..12
  std::uint8_t day = 0;    ///< 1..31
  /// @return whether both fields are equal
  friend bool operator==(const month_day&, const month_day&) = default;
};

/// How far into a text find_dateline() looks, in code points: a dateline
/// opens the report, and a date further in is usually about something else.
inline constexpr std::size_t dateline_search_chars = 100;

/// The first "M月D日" (Chinese, Japanese) or "M월 D일" (Korean) among the
/// first dateline_search_chars code points of `text`: one or two digits
/// (ASCII or full-width) not preceded by another digit, the month sign,
/// one or two digits, the day sign; spaces may stand between them. A month
/// outside 1..12 or a day outside 1..31 is not a date, and the search goes
/// on. Invalid UTF-8 is skipped over (it is never part of a date).
/// @return the date, or nullopt when the opening gives none
SAMESTORY_API std::optional<month_day> find_dateline(std::string_view text) noexcept;

}  // namespace samestory
