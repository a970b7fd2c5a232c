#!/usr/bin/env bash
# Writes the committed seed corpora under tests/fuzz/corpus/<target>/.
#   tests/fuzz/make_corpus.sh [SEEDS_PROGRAM]
# Text seeds are written here with printf; the loaders' seeds come from the
# library itself through the samestory_fuzz_seeds program (tests/fuzz/make_seeds.cpp),
# built in build/h-fuzz unless its path is given. Every seed is hand-made or made
# by the library; nothing is copied from crawled data. Files of other names
# (regression inputs named crash-*) are left alone. Deterministic: running it
# again rewrites the same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="$here/corpus"

# seed DIR NAME BYTES: BYTES in printf %b notation (\xHH, \n, \0).
seed() {
  mkdir -p "$1"
  printf '%b' "$3" >"$1/$2"
}

# The text seeds the UTF-8, normalizer and shingle targets share. $2, when
# given, is one byte put in front of every seed (the shingle target's options).
text_seeds() {
  local d="$1" p="${2-}"
  seed "$d" empty "$p"
  seed "$d" ascii_sentence "${p}The council voted on Tuesday to close the old harbour bridge.\n"
  seed "$d" latin_greek_cyrillic "${p}Ünïcödé façade, Ελληνικά κείμενα, Русский текст, straße STRASSE\n"
  seed "$d" rtl_scripts "${p}עברית טקסט و العربية نص\n"
  seed "$d" cjk_simplified "${p}特斯拉CEO埃隆·马斯克周二宣布，公司将在上海新建一座超级工厂。\n"
  seed "$d" cjk_traditional "${p}馬斯克週二宣佈，公司將在臺灣設立新據點。\n"
  seed "$d" kana_hangul "${p}東京でカタカナとひらがな、서울에서 한국어 뉴스\n"
  # Conjoining jamo (U+1100 U+1161 U+11A8) and Hangul compatibility jamo take ICU's slow path.
  seed "$d" hangul_jamo "${p}\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8 \xe3\x84\xb1\xe3\x85\x8f\n"
  seed "$d" thai_dictionary "${p}ภาษาไทยไม่มีช่องว่างระหว่างคำ ລາວ ខ្មែរ\n"
  seed "$d" fullwidth_ligatures "${p}ＡＩ２０２６ ﬁﬂ ① ㈱ ™ ½ Ⅻ\n"
  # Combining marks: decomposed, stacked, at the start, and after a separator.
  seed "$d" combining_marks "${p}e\xcc\x81 a\xcc\x88\xcc\x81 \xcc\x81start x \xcc\x81 Z\xcd\x91\xcc\xa1\xcd\x9c\n"
  seed "$d" invalid_then_combining "${p}x\xff\xcc\x81y \xc3\xa9\x80\xcc\x88\n"
  seed "$d" apostrophes_periods "${p}don't U.S. 3.14 rock'n'roll l'été e.g.\n"
  seed "$d" junk_punctuation "${p}!!!???...,,,;;;———……【】《》「」“”‘’·•·*#@\$%^&*()_+=\n"
  seed "$d" zero_width_bom "${p}\xef\xbb\xbfa\xe2\x80\x8bb\xe2\x80\x8dc\xc2\xad\xe2\x80\x8fd\n"
  seed "$d" emoji_4byte "${p}news 😀 🇨🇳 👩‍👩‍👧 𝔘𝔫𝔦 𠀀\n"
  seed "$d" nul_bytes "${p}a\0b\0\0c \0\n\0"
  seed "$d" crlf_lines "${p}first line\r\nsecond line\r\n\r\nthird\r"
  seed "$d" page_chrome "${p}首页 > 新闻 > 正文\nHome | News | Sport\n2026-01-04 05:30\n浏览:249 次\n马斯克表示，工厂将于明年投产，预计年产能达到五十万辆，这将是公司在海外最大的工厂。\n分享到：微信 微博\n相关新闻\n版权所有 © 2026\n"
  # Ill-formed UTF-8, one kind per file (Unicode table 3-7).
  seed "$d" invalid_lone_continuation "${p}a\x80b\xbfc"
  seed "$d" invalid_overlong_2byte "${p}\xc0\x80 \xc1\xbf"
  seed "$d" invalid_overlong_3byte "${p}\xe0\x80\x80 \xe0\x9f\xbf"
  seed "$d" invalid_overlong_4byte "${p}\xf0\x80\x80\x80 \xf0\x8f\xbf\xbf"
  seed "$d" invalid_surrogates "${p}\xed\xa0\x80 \xed\xbf\xbf \xed\xa0\xbd\xed\xb8\x80"
  seed "$d" invalid_above_10ffff "${p}\xf4\x90\x80\x80 \xf7\xbf\xbf\xbf"
  seed "$d" invalid_never_bytes "${p}\xf5\xf8\xfc\xfe\xff"
  seed "$d" invalid_truncated_middle "${p}a\xe4\xb8b\xf0\x9f\x98c\xc3"
  seed "$d" invalid_truncated_end "${p}中文\xe4\xb8"
  seed "$d" repeated_characters "${p}$(printf 'ha%.0s' {1..120}) $(printf '中%.0s' {1..60})\n"
}

text_seeds "$corpus/utf8"
text_seeds "$corpus/normalize"
# The shingle target reads options from the first byte (shingle_fuzz.cpp):
# 0x00 cjk_n = word_n = 1, 0x2a defaults (3, 3) with chrome removal, 0xff all high bits.
text_seeds "$corpus/shingle" '\x2a'
seed "$corpus/shingle" options_00_chrome_off '\x00特斯拉CEO埃隆·马斯克 and the U.S. council\n'
seed "$corpus/shingle" options_ff_k128 '\xff特斯拉CEO埃隆·马斯克 and the U.S. council\nsecond line\n'
seed "$corpus/shingle" options_1f_breaks '\x1ffirst paragraph words\nsecond paragraph words\n'

c="$corpus/chrome"
seed "$c" empty ''
seed "$c" page_chrome '首页 > 新闻 > 正文\nHome | News | Sport\n2026-01-04 05:30\n浏览:249 次\n马斯克表示，工厂将于明年投产，预计年产能达到五十万辆，这将是公司在海外最大的工厂。\n分享到：微信 微博\n相关新闻\n版权所有 © 2026\n'
seed "$c" english_article 'Menu\nHome\nWorld\nBusiness\n\nThe council voted on Tuesday to close the old harbour bridge, citing safety reports.\nEngineers said repairs would cost more than a new crossing.\nShare this article\nRelated: Bridge closures across the region\n(c) 2026 Gazette. All rights reserved.\n'
seed "$c" three_documents_formfeed 'Home | News\nFirst story: the council met to discuss the harbour bridge.\n(c) Gazette\fHome | News\nSecond story: engineers inspected the harbour bridge today.\n(c) Gazette\fHome | News\nThird story: the bridge closes next week, officials said.\n(c) Gazette'
seed "$c" crlf_and_blank_lines 'title\r\n\r\n  \r\nbody line with enough words to count as a sentence.\r\n\r'
seed "$c" duplicate_lines 'same line\nsame line\nA real sentence sits here, long enough to be the body.\nsame line\n'
seed "$c" invalid_utf8_lines 'ok line\n\xff\xfe bad\nmid\xe4\xb8 line\n\xed\xa0\x80 surrogate\n\xc0\xaf'
seed "$c" nul_and_junk '\0\0\n!!!...???\n——\n\0a\0\n'
seed "$c" timestamps_counters '2026-01-04 05:30\n浏览:249 次\n12:00\n阅读 1024\n'
seed "$c" html_page '<!DOCTYPE html><html><head><title> Harbour &amp; bridge </title><style>p{color:red}</style><script>var a="<p>";</script></head><body><nav><a href="/">Home</a> | <a>News</a></nav><article><h1>Bridge closes</h1><p>The council voted on <b>Tuesday</b> to close the old harbour bridge.</p><!-- comment <p>hidden</p> --><p>Repairs&nbsp;would cost&#160;more.</p><ul><li>One</li><li>Two</li></ul></article><footer>&copy; 2026</footer></body></html>'
seed "$c" html_entities '<p>&lt;tag&gt; &amp &ampx &#65;&#x4e2d;&#X6587; &#0; &#xD800; &#x110000; &#99999999999999; &#128;&#150; &notit; &nbsp;&NotAnEntity; &#; &#x;</p>'
seed "$c" html_pre_and_breaks '<pre>line one\n  indented\r\nline three</pre><br><br/>after<div>block</div><td>cell</td><tr><h2>head</h2>'
seed "$c" html_broken '<p class="unclosed>text <b>bold <i>nested</p> stray < and <<< > <!-- never closed <script>x'
seed "$c" html_raw_text '<textarea><p>not a tag</p></textarea><title>a</title><title>second</title><svg><text>hidden</text></svg><noscript>nojs</noscript><template>t</template>visible'
seed "$c" html_cjk '<html><head><title>新闻 — 马斯克</title></head><body><div class="nav">首页 | 新闻</div><p>特斯拉CEO埃隆·马斯克周二宣布，公司将在上海新建一座工厂。</p><p>分享到：微信</p></body></html>'

j="$corpus/jsonl"
seed "$j" empty ''
seed "$j" records '{"id": 1, "title": "Bridge", "text": "The council voted.", "date": "2014-03-10T16:52:50Z", "source": "gazette.example"}\n{"id": "b-2", "text": "马斯克表示", "date": "2026-01-04 05:30:00", "url": "https://news.example.cn:8080/a?b=c"}\n{"id": 3, "text": null, "title": null, "date": null, "publisher": "Wire"}\n'
seed "$j" bom_crlf_blank '\xef\xbb\xbf{"id": 1, "text": "x"}\r\n\r\n   \n{"id": 2, "text": "y"}\r\n'
seed "$j" escapes '{"id": "e", "text": "quote \\" backslash \\\\ slash \\/ \\b\\f\\n\\r\\t \\u0000 \\u00e9 \\u4e2d \\ud83d\\ude00"}\n'
seed "$j" bad_escapes '{"id": 1, "text": "lone \\ud800 high"}\n{"id": 2, "text": "lone \\udc00 low"}\n{"id": 3, "text": "\\x41 \\u12"}\n{"id": 4, "text": "raw\ttab"}\n'
seed "$j" numbers '{"id": 12345678901234567890, "date": 1700000000}\n{"id": -0, "date": 1.5e9}\n{"id": 1e999, "date": -1e999}\n{"id": 1.50, "date": 9223372036854775808}\n{"id": 0.1e-400}\n{"id": 01}\n{"id": 1.}\n{"id": -}\n'
seed "$j" dates '{"id": 1, "date": "2024-02-29"}\n{"id": 2, "date": "2023-02-29"}\n{"id": 3, "date": "2026-01-04T05:30+08:00"}\n{"id": 4, "date": "2026-01-04T05:30:00.123-05:30"}\n{"id": 5, "date": "2026-13-01"}\n{"id": 6, "date": "0000-01-01t00:00:00z"}\n{"id": 7, "date": "9999-12-31 23:59:59"}\n{"id": 8, "date": true}\n'
seed "$j" wrong_types '[1, 2]\n"string"\n{"text": "no id"}\n{"id": true}\n{"id": 1, "text": 5}\n{"id": 1, "title": []}\n{"id": 1, "source": "", "url": "", "publisher": ""}\n'
seed "$j" malformed '{"id": 1,}\n{"id" 1}\n{id: 1}\n{"id": 1} extra\n{"id": 1\n\x7b"a":\n}\nnull\ntrue false\n'
seed "$j" deep_nesting "$(printf '[%.0s' {1..70})$(printf ']%.0s' {1..70})\n$(printf '{\"a\":%.0s' {1..63})1$(printf '}%.0s' {1..63})\n"
seed "$j" invalid_utf8 '{"id": 1, "text": "bad \xff byte"}\n{"id": 2, "text": "\xed\xa0\x80"}\n{"id": 3, "\xc0\xaf": 1}\n'
seed "$j" nul_in_line '{"id": 1, "text": "a"}\0\n{"id": 2\0}\n'
seed "$j" duplicate_keys '{"id": 1, "id": 2, "text": "a", "text": "b"}\n'
seed "$j" url_hosts '{"id": 1, "url": "http://user:pw@Example.COM:80/path"}\n{"id": 2, "url": "//no-scheme.example/x"}\n{"id": 3, "url": "not a url"}\n{"id": 4, "url": "https://[::1]:443/"}\n'

# The loaders' seeds: valid objects serialized by the library, plus two refusals.
seeds_program="${1-}"
if [[ -z "$seeds_program" ]]; then
  cmake -S "$root" -B "$root/build/h-fuzz" -DCMAKE_BUILD_TYPE=Release -DSAMESTORY_WERROR=ON \
        -DSAMESTORY_BUILD_BENCH=OFF >/dev/null
  cmake --build "$root/build/h-fuzz" -j2 --target samestory_fuzz_seeds >/dev/null
  seeds_program="$root/build/h-fuzz/tests/fuzz/samestory_fuzz_seeds"
fi
mkdir -p "$corpus/signature_loaders"
"$seeds_program" "$corpus/signature_loaders"
seed "$corpus/signature_loaders" empty ''
seed "$corpus/signature_loaders" magic_only 'SMST'

for d in "$corpus"/*/; do
  printf '%s: %s files\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
