#!/usr/bin/env bash
# Runs examples/crawler_dedup on its bundled stream (examples/data/crawl) and
# checks the decisions that must hold. Run by CTest as example.crawler_dedup:
#   example_crawler_dedup.sh BINARY
set -euo pipefail
bin="$1"
out="$("$bin")" # a non-zero exit fails the test here
fail() {
  echo "FAIL: $*" >&2
  echo "--- output:" >&2
  echo "$out" >&2
  exit 1
}
# decision ID: the text after date, time and ID on ID's line ("new story ...",
# "copy of X ...", "same story as X ..."), spaces squeezed.
decision() {
  awk -v id="$1" '$1 ~ /^[0-9][0-9][0-9][0-9]-/ && $3 == id {
    $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' <<<"$out"
}
# expect ID PREFIX: ID got exactly one decision, and it starts with PREFIX.
expect() {
  local got
  got="$(decision "$1")"
  [ "$(grep -c . <<<"$got")" -eq 1 ] || fail "$1: expected one decision line, got: '$got'"
  [[ "$got" == "$2"* ]] || fail "$1: expected '$2...', got '$got'"
}

# Copies join their original's copy group: a repost under other page chrome,
# a word-for-word syndication, a Traditional-script repost, a spin with junk
# punctuation and an excerpt (found by containment).
expect seed000-repost 'copy of seed000 (near'
expect ferry-syndicated 'copy of ferry (exact'
expect seed001-hant 'copy of seed001 (near'
expect seed001-spun 'copy of seed001 (near'
expect seed003-excerpt 'copy of seed003 (near'

# Independent write-ups: 000, 001 and 003 report one event (Musk on a podcast),
# 002 is another event on the same broad topic; the two cold-wave reports are
# one event too.
expect seed000 'new story'
expect seed001 'same story as seed000 '
expect seed003 'same story as seed000 '
expect seed002 'new story'
expect cold-wave 'new story'
expect cold-wave-schools 'same story as cold-wave '

# Unrelated invented events each start a story.
expect ferry 'new story'
expect museum 'new story'
expect kettle-recall 'new story'
expect marathon 'new story'

# The time window: seed000's story closes once the clock is 48 h past its last
# document, so the late repost, six days on, is a new story, not a copy.
closed="$(grep -n 'closed stories: \(.*, \)\?seed000[,;]' <<<"$out" | cut -d: -f1 | head -1 || true)"
late="$(grep -n ' seed000-late-repost ' <<<"$out" | cut -d: -f1 | head -1 || true)"
[ -n "$closed" ] || fail "the window never closed seed000's story"
[ -n "$late" ] && [ "$closed" -lt "$late" ] || fail "seed000's story must close before the late repost"
expect seed000-late-repost 'new story'

# Every line of the stream got one decision, and the summary adds them up.
[ "$(grep -c '^[0-9][0-9][0-9][0-9]-' <<<"$out")" -eq 16 ] || fail "expected 16 decisions"
grep -qx '16 documents: 11 copy groups in 8 stories.' <<<"$out" || fail "summary line"
grep -q '^Held now: 2 documents, 2 open stories' <<<"$out" || fail "held-now line"

# Errors go to stderr with exit code 1.
rc=0
err="$("$bin" /nonexistent/stream.jsonl 2>&1 >/dev/null)" || rc=$?
[ "$rc" -eq 1 ] || fail "a missing input exited $rc, expected 1"
[[ "$err" == *"cannot open /nonexistent/stream.jsonl"* ]] || fail "stderr lacks the path: '$err'"
echo "example.crawler_dedup: all decisions as expected"
