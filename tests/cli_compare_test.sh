#!/usr/bin/env bash
# CLI tests for `samestory compare`, run by CTest (tests/CMakeLists.txt):
#   cli_compare_test.sh BINARY DATA_DIR SEEDS_DIR WORK_DIR CASE
# Each CASE runs the binary and checks exit code and output against what
# docs/cli.md and the help text promise. Fixtures: tests/data/compare
# (article.txt; repost.txt, the same article inside page chrome; other.txt,
# an unrelated article; page.html, the article as an HTML page; docs.jsonl)
# and the bundled seed articles (000, 001, 003 one story, 002 another).
set -u
bin="$1" data="$2" seeds="$3" work="$4" case="$5"
mkdir -p "$work"
out="$work/$case.out" err="$work/$case.err"
s0="$seeds/000_1429655e81e706ba.txt"
s1="$seeds/001_16c679fa5d3af775.txt"
s2="$seeds/002_a4a25052c983028c.txt"
. "$(dirname "$0")/cli_lib.sh"
# json EXPR: evaluates a Python expression over the JSON object on stdout (as `j`).
json() {
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$out" "$1" || fail "JSON check failed: $1"
}

case "$case" in
  copy)
    # The repost inside page chrome: a copy; the report names the removed lines.
    run 0 compare "$data/article.txt" "$data/repost.txt"
    [ "$(head -n 1 "$out")" == "verdict: copy" ] || fail "first line"
    sed -n 2p "$out" | grep -q '^why: ' || fail "second line is not the reason"
    stdout_has "the normalized texts are identical"
    stdout_has '"Related stories"'
    stdout_has '"Sign in"'
    stdout_has "figures"
    stdout_has "shared passages: 1 "
    stdout_has "normalized A"
    [ ! -s "$err" ] || fail "stderr should be empty"
    ;;
  story)
    # Seeds 000 (Traditional, heavy chrome) and 001 (Simplified): one story.
    run 0 compare "$s0" "$s1"
    [ "$(head -n 1 "$out")" == "verdict: story" ] || fail "first line"
    stdout_has "story_threshold"
    stdout_has "title_like_run"
    ;;
  different)
    run 0 compare "$data/article.txt" "$data/other.txt"
    [ "$(head -n 1 "$out")" == "verdict: different" ] || fail "first line"
    stdout_has "< story_threshold"
    # Another event (002) against seed 001.
    run 0 compare "$s1" "$s2"
    [ "$(head -n 1 "$out")" == "verdict: different" ] || fail "seeds 001 and 002"
    ;;
  json)
    run 0 compare --json "$s0" "$s1"
    [ "$(wc -l <"$out")" -eq 1 ] || fail "one line of JSON expected"
    json 'j["verdict"] == "story" and j["rule"] == "story_score"'
    json 'all(k in j for k in ("jaccard_estimate", "jaccard_exact", "containment", "story_score", "shared_spans"))'
    json '0 <= j["jaccard_exact"] < j["thresholds"]["copy_jaccard"]'
    json 'j["story_score"] >= j["thresholds"]["story_threshold"]'
    json 'len(j["a"]["removed_lines"]) >= 10 and j["a"]["normalized"]'
    run 0 compare --json "$data/article.txt" "$data/repost.txt"
    json 'j["verdict"] == "copy" and j["rule"] == "exact_text" and j["jaccard_exact"] == 1'
    json '"Sign in" in [l["text"] for l in j["b"]["removed_lines"]]'
    run 0 compare --json "$data/article.txt" "$data/other.txt"
    json 'j["verdict"] == "different" and j["shared_spans"] == []'
    ;;
  json_spans)
    # Byte ranges refer to the files as given: slice them and compare.
    as=("$data/article.txt" "$s0" "$s1")
    bs=("$data/repost.txt" "$s1" "$s0")
    for k in 0 1 2; do
      run 0 compare --json "${as[$k]}" "${bs[$k]}"
      python3 - "$out" "${as[$k]}" "${bs[$k]}" <<'EOF' || fail "span bytes differ for ${as[$k]} ${bs[$k]}"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
a = open(sys.argv[2], "rb").read()
b = open(sys.argv[3], "rb").read()
assert j["shared_spans"], "no shared spans"
for s in j["shared_spans"]:
    piece = a[s["a_begin"]:s["a_end"]].decode("utf-8")
    assert piece == s["text"], (piece, s["text"])
    assert 0 <= s["b_begin"] < s["b_end"] <= len(b)
    b[s["b_begin"]:s["b_end"]].decode("utf-8")  # whole characters
for l in j["b"]["removed_lines"]:
    assert b[l["begin"]:l["end"]].decode("utf-8") == l["text"], l
EOF
    done
    # In the repost, the article starts after 7 chrome lines and is quoted whole.
    run 0 compare --json "$data/article.txt" "$data/repost.txt"
    start=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().index(b"Harbor bridge"))' "$data/repost.txt")
    json 'j["shared_spans"][0]["b_begin"] == '"$start"' and j["shared_spans"][0]["a_begin"] == 0'
    ;;
  jsonl)
    run 0 compare --json "$data/docs.jsonl#bridge" "$data/article.txt"
    json 'j["verdict"] == "copy" and j["a"]["kind"] == "jsonl" and j["a"]["title"] == "Harbor bridge reopens"'
    # A numeric id is matched by its text.
    run 0 compare "$data/docs.jsonl#17" "$data/other.txt"
    [ "$(head -n 1 "$out")" == "verdict: copy" ] || fail "id 17"
    # An excerpt of the article: a copy by containment.
    run 0 compare --json "$data/docs.jsonl#excerpt" "$data/docs.jsonl#bridge"
    json 'j["verdict"] == "copy" and j["rule"].startswith("containment")'
    run 1 compare "$data/docs.jsonl#nope" "$data/article.txt"
    stderr_has "docs.jsonl"
    stderr_has '"nope"'
    ;;
  html)
    # The page's <title> is its title; nav items are chrome; the body is the article.
    run 0 compare --json "$data/page.html" "$data/article.txt"
    json 'j["verdict"] == "copy" and j["a"]["kind"] == "html"'
    json 'j["a"]["title"] == "Harbor bridge reopens after three years of repairs"'
    json '"tracking" not in j["a"]["normalized"]'
    run 0 compare --full --json "$data/page.html" "$data/article.txt"
    json 'all(j["a"]["text"].encode()[s["a_begin"]:s["a_end"]].decode() == s["text"] for s in j["shared_spans"])'
    ;;
  stdin)
    "$bin" compare - "$data/repost.txt" <"$data/article.txt" >"$out" 2>"$err" || fail "exit code $?"
    [ "$(head -n 1 "$out")" == "verdict: copy" ] || fail "stdin as A"
    stdout_has "document A: - (stdin"
    "$bin" compare --json "$data/other.txt" - <"$data/article.txt" >"$out" 2>"$err" || fail "exit code $?"
    json 'j["verdict"] == "different" and j["b"]["kind"] == "stdin"'
    run 2 compare - - </dev/null
    stderr_has "standard input"
    ;;
  missing)
    run 1 compare "$data/article.txt" "$work/does-not-exist.txt"
    stderr_has "does-not-exist.txt"
    [ ! -s "$out" ] || fail "no output expected"
    run 1 compare "$work/nothing.jsonl#3" "$data/article.txt"
    stderr_has "nothing.jsonl"
    run 1 compare "$data" "$data/article.txt"
    stderr_has "directory"
    # Invalid UTF-8 (strict): exit 1, naming the side and the byte offset.
    printf 'valid start \303\050 then junk\n' >"$work/bad.txt"
    run 1 compare "$data/article.txt" "$work/bad.txt"
    stderr_has "invalid UTF-8 at byte 12"
    stderr_has "bad.txt"
    ;;
  dateline)
    # Two reports of one template (an exam's registration, days two and
    # three): the different datelines halve the story score.
    run 0 compare "$data/day2.txt" "$data/day3.txt"
    [ "$(head -n 1 "$out")" == "verdict: different" ] || fail "first line"
    stdout_has "datelines: A 10-23, B 10-24 (different days: the story score is times dateline_factor 0.50)"
    stdout_has "why: story score 0.1"
    stdout_has " (datelines 10-23 and 10-24 differ: x dateline_factor 0.50) < average_story_threshold 0.16"
    run 0 compare --dateline-factor 1 "$data/day2.txt" "$data/day3.txt"
    [ "$(head -n 1 "$out")" == "verdict: story" ] || fail "first line without the factor"
    run 0 compare --json "$data/day2.txt" "$data/day3.txt"
    json 'j["a"]["dateline"] == "10-23" and j["b"]["dateline"] == "10-24"'
    json 'j["thresholds"]["dateline_factor"] == 0.5'
    run 0 compare --json "$data/article.txt" "$data/other.txt"
    json 'j["a"]["dateline"] is None and j["b"]["dateline"] is None'
    run 2 compare --dateline-factor 0 "$data/day2.txt" "$data/day3.txt"
    stderr_has "--dateline-factor"
    ;;
  usage)
    run 2 compare --bogus "$data/article.txt" "$data/other.txt"
    stderr_has "--bogus"
    run 2 compare "$data/article.txt"
    run 2 compare "$data/article.txt" "$data/other.txt" "$data/repost.txt"
    run 2 compare --threshold 1.5 "$data/article.txt" "$data/other.txt"
    run 2 compare --window 3x "$data/article.txt" "$data/other.txt"
    run 2 compare --threshold
    ;;
  help)
    run 0 compare --help
    stdout_has "samestory compare"
    stdout_has "FILE.jsonl#ID"
    stdout_has "examples:"
    run 0 --help
    stdout_has "compare"
    ;;
  *)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok [$case]"
