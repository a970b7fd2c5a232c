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

// Two reports of one template (the second and third days of an exam's
// registration): written independently, sharing the agency, the exam and the
// jobs, told apart by the day they open with. The first opens with its
// dateline; the second is its body, to be opened with "本报讯 10月24日，",
// another day, the same day or none.
inline constexpr std::string_view exam_registration_day2 =
    "新华社北京10月23日电 "
    "国家公务员考试报名进入第二天。国家公务员局的数据显示，截至下午四点，已有十二万人提交报名申请"
    "，其中七万多人通过了资格审查。海关系统一个基层职位吸引了上千人报考，成为目前竞争最激烈的岗位"
    "。";
inline constexpr std::string_view exam_registration_day3_body =
    "记者从国家公务员局了解到，公务员考试报名持续升温，第三天报名人数突破二十万，不少考生选择税务"
    "岗位。专家提醒考生理性选择职位，不要扎堆报考热门岗位，同时留意审核结果。";

}  // namespace samestory::test
