// Tests for dateline.hpp: the day a report opens with.
#include <samestory/dateline.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using samestory::find_dateline;
using samestory::month_day;

namespace {
std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST_CASE("dateline: the opening forms of Chinese, Japanese and Korean reports", "[dateline]") {
  CHECK(find_dateline("新华社北京11月8日电 国家统计局今天发布") == month_day{11, 8});
  CHECK(find_dateline("新京报讯 （记者 刘玮）10月30日，据香港媒体报道") == month_day{10, 30});
  CHECK(find_dateline("2018年11月08日 10:32 新浪体育") == month_day{11, 8});
  CHECK(find_dateline("東京11月8日共同 政府は") == month_day{11, 8});
  CHECK(find_dateline("서울 11월 8일 연합뉴스") == month_day{11, 8});
  CHECK(find_dateline("本报讯 １１月９日，") == month_day{11, 9});  // full-width digits
  CHECK(find_dateline("记者 3 月 5 日 获悉") == month_day{3, 5});   // spaced out
}

TEST_CASE("dateline: what is not a date", "[dateline]") {
  CHECK_FALSE(find_dateline(""));
  CHECK_FALSE(find_dateline("WASHINGTON, Nov. 8 (Reuters) - The Federal Reserve"));
  CHECK_FALSE(find_dateline("本月8日"));       // no month number
  CHECK_FALSE(find_dateline("11月份的数据"));  // no day
  CHECK_FALSE(find_dateline("123月5日"));      // three digits before the month sign
  CHECK_FALSE(find_dateline("11月123日"));     // three digits before the day sign
  CHECK_FALSE(find_dateline("13月5日 0月5日 5月0日 5月32日"));  // out of range
  CHECK_FALSE(find_dateline("11月8일"));                        // the signs of two languages
  CHECK_FALSE(find_dateline("1\xff月8日"));                     // invalid UTF-8 splits it
  // An impossible month does not end the search: the next date counts.
  CHECK(find_dateline("13月5日，11月9日") == month_day{11, 9});
  CHECK(find_dateline("\xff\xfe"
                      "11月8日") == month_day{11, 8});  // junk before it is skipped
}

TEST_CASE("dateline: only the opening is searched", "[dateline]") {
  // "1月2日" is 4 code points: it fits after 96 others, not after 97.
  CHECK(find_dateline(repeat("啊", 96) + "1月2日") == month_day{1, 2});
  CHECK_FALSE(find_dateline(repeat("啊", 97) + "1月2日"));
  CHECK(samestory::dateline_search_chars == 100);
  // A huge text costs no more than its opening.
  CHECK_FALSE(find_dateline(std::string(1 << 20, 'x') + "1月2日"));
}
