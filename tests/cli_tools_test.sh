#!/usr/bin/env bash
# CLI tests for samestory strip, sign and bench, run by CTest (tests/CMakeLists.txt):
#   cli_tools_test.sh BINARY DATA_DIR WORK_DIR CASE
# Each CASE runs the binary and checks exit code, stdout and stderr against
# what docs/cli.md and the help texts promise. Fixtures: tests/data/tools
# (article.txt and article.html are one made-up news page with a menu, share
# links, a related list and a copyright line around a four-paragraph body).
set -u
bin="$1" data="$2" work="$3" case="$4"
mkdir -p "$work"
out="$work/$case.out" err="$work/$case.err"
. "$(dirname "$0")/cli_lib.sh"
tab=$'\t'
# py SCRIPT: runs python3 on stdout; a failed assertion fails the case.
py() { python3 -c "$1" <"$out" || fail "python check failed: $1"; }

# The article's body: headline, byline and four paragraphs.
body_lines=("Harbour town opens its first floating library to readers"
            "The town of Eastmere opened a floating library on Saturday"
            "Volunteers spent two years raising money"
            "said the project's chair"
            "The council has agreed to pay for moorings")
chrome_lines=("Home" "Technology" "Share on Facebook" "Email this article" "Related stories"
              "Fish market celebrates one hundred years" "All rights reserved")
expect_article() {
  for l in "${body_lines[@]}"; do stdout_has "$l"; done
  for l in "${chrome_lines[@]}"; do stdout_lacks "$l"; done
}

case "$case" in
  strip_text)
    run 0 strip "$data/article.txt"
    expect_article
    # Kept lines are printed as they are, byte for byte.
    grep -qxF "The town of Eastmere opened a floating library on Saturday, a converted ferry moored at the old fish quay that holds about four thousand books and a reading room for forty people." "$out" || fail "first paragraph changed"
    cp "$out" "$work/strip_text.plain"
    "$bin" strip - <"$data/article.txt" >"$out" 2>"$err" || fail "stdin: exit code $?"
    cmp -s "$out" "$work/strip_text.plain" || fail "stdin output differs from the file's"
    ;;
  strip_show_removed)
    run 0 strip --show-removed "$data/article.txt"
    [ "$(wc -l <"$out")" -eq "$(wc -l <"$data/article.txt")" ] || fail "one output line per input line expected"
    # Every line is the input line behind a two-character or '- [REASON] ' prefix.
    sed -E 's/^(  |- \[[a-z ]+\] ?)//' "$out" | cmp -s - "$data/article.txt" || fail "lines differ from the input"
    grep -qxF "  The council has agreed to pay for moorings and insurance for the first five years, after which the trust hopes that membership fees and a small café on the upper deck will cover the running costs." "$out" || fail "body line not marked kept"
    grep -qxF -- "- [link list] Home" "$out" || fail "menu item not marked as a link list"
    grep -qE -- "^- \[[a-z ]+\] Share on Facebook$" "$out" || fail "share line not marked removed"
    grep -qE -- "^- \[[a-z ]+\] Copyright 2026 Eastmere Gazette" "$out" || fail "copyright line not marked removed"
    [ "$(grep -c '^  ' "$out")" -eq 6 ] || fail "expected 6 kept lines"
    ;;
  strip_html)
    run 0 strip "$data/article.html"
    expect_article
    stdout_lacks "tracking"          # script contents
    stdout_lacks "font-family"       # style contents
    stdout_has $'\xe2\x80\x9cWe wanted a library'  # &ldquo; decoded to U+201C
    stdout_has "a small café"
    # --html reads standard input as HTML.
    "$bin" strip --html - <"$data/article.html" >"$work/strip_html.stdin" 2>"$err" || fail "--html -: exit code $?"
    cmp -s "$out" "$work/strip_html.stdin" || fail "--html - differs from the .html file"
    ;;
  strip_jsonl)
    run 0 strip "$data/docs.jsonl#library-1"
    expect_article
    cp "$out" "$work/strip_jsonl.record"
    run 0 strip "$data/article.txt"
    cmp -s "$out" "$work/strip_jsonl.record" || fail "the record's text strips unlike the same text in a file"
    run 0 strip "$data/docs.jsonl#7"  # numeric id, empty text
    [ ! -s "$out" ] || fail "empty text expected"
    run 1 strip "$data/docs.jsonl#nope"
    stderr_has 'no record with id "nope"'
    stderr_has "docs.jsonl"
    ;;
  strip_json)
    run 0 strip --json "$data/article.txt"
    [ "$(wc -l <"$out")" -eq 1 ] || fail "one line expected"
    py '
import json, sys
o = json.loads(sys.stdin.read())
assert o["lines"] == 19, o["lines"]
assert len(o["removed"]) == 13, len(o["removed"])
assert o["kept"].startswith("Harbour town opens"), o["kept"][:40]
assert {"line": 1, "reason": "title_like_run", "text": "Home"} in o["removed"], o["removed"][0]
assert all(r["reason"] != "none" for r in o["removed"])
assert not any("floating library on Saturday" in r["text"] for r in o["removed"])
'
    # "kept" is exactly what the plain form prints.
    python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["kept"] + "\n")' <"$out" >"$work/strip_json.kept"
    run 0 strip "$data/article.txt"
    cmp -s "$out" "$work/strip_json.kept" || fail "--json kept differs from the plain output"
    ;;
  strip_errors)
    run 1 strip "$work/does-not-exist.txt"
    stderr_has "does-not-exist.txt"
    # "Good line.\n" is 11 bytes and "Bad " 4 more: the stray 0xFF is byte 15.
    printf 'Good line.\nBad \xff here, in a sentence long enough to be a paragraph of body text.\n' >"$work/bad.txt"
    run 1 strip "$work/bad.txt"
    stderr_has "bad.txt"
    stderr_has "invalid UTF-8 at byte 15"
    printf '<p>Good line.</p>\n<p>Bad \xff here</p>\n' >"$work/bad.html"
    run 1 strip "$work/bad.html"
    stderr_has "invalid UTF-8 at byte 25"  # the offset in the file, not in the extracted text
    run 0 strip --lenient "$work/bad.txt"
    run 2 strip
    run 2 strip "$data/article.txt" "$data/article.html"
    run 2 strip --bogus "$data/article.txt"
    run 2 strip --json --show-removed "$data/article.txt"
    ;;
  strip_help)
    run 0 strip --help
    stdout_has "usage: samestory strip"
    stdout_has "examples:"
    stdout_has "link list"
    run 0 --help
    stdout_has "strip"
    ;;
  sign_deterministic)
    run 0 sign "$data/docs.jsonl"
    cp "$out" "$work/sign.first"
    run 0 sign "$data/docs.jsonl"
    cmp -s "$out" "$work/sign.first" || fail "two runs differ"
    [ "$(wc -l <"$out")" -eq 5 ] || fail "5 lines expected"
    # id<TAB>hex, 128 values of 8 hex digits each.
    [ "$(grep -cxE "[^${tab}]+${tab}[0-9a-f]{1024}" "$out")" -eq 5 ] || fail "bad line format"
    a=$(awk -F'\t' '$1 == "a" { print $2 }' "$out")
    b=$(awk -F'\t' '$1 == "b" { print $2 }' "$out")
    c=$(awk -F'\t' '$1 == "c" { print $2 }' "$out")
    [ -n "$a" ] || fail "no signature for a"
    [ "$a" == "$b" ] || fail "identical texts, different signatures"
    [ "$a" != "$c" ] || fail "different texts, same signature"
    # An empty text has no shingles: every value is ffffffff.
    grep -qxE "7$tab(ffffffff){128}" "$out" || fail "empty document"
    # Known answers: a change here changes every saved signature (STYLE.md 5).
    [ "${a:0:32}" == "1181adb105230f0fc555c955ba4e38b0" ] || fail "one-permutation values of a changed: ${a:0:32}"
    "$bin" sign - <"$data/docs.jsonl" >"$out" 2>"$err" || fail "stdin: exit code $?"
    cmp -s "$out" "$work/sign.first" || fail "standard input signs differently"
    # A directory: its pages by file name, then its .jsonl records. The HTML
    # page and the text page hold one article, so one signature.
    run 0 sign "$data"
    [ "$(cut -f1 "$out" | tr '\n' ' ')" == "article.html article.txt a b c library-1 7 " ] ||
      fail "directory ids"
    [ "$(head -2 "$out" | cut -f2 | sort -u | wc -l)" -eq 1 ] || fail "the HTML and text pages sign differently"
    ;;
  sign_formats)
    for scheme in one-permutation classic simhash; do
      run 0 sign --scheme "$scheme" --k "$([ $scheme == simhash ] && echo 64 || echo 16)" "$data/docs.jsonl"
      cp "$out" "$work/sign_formats.$scheme.hex"
      run 0 sign --scheme "$scheme" --k "$([ $scheme == simhash ] && echo 64 || echo 16)" --format json "$data/docs.jsonl"
      python3 - "$out" "$work/sign_formats.$scheme.hex" "$scheme" <<'EOF' || fail "json and hex disagree ($scheme)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
hexes = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
scheme = sys.argv[3]
assert [[r["id"], r["signature"]] for r in rows] == hexes, (rows, hexes)
for r in rows:
    assert r["scheme"] == scheme and r["seed"] == 0
    assert r["k"] == (64 if scheme == "simhash" else 16)
    assert len(r["signature"]) == (16 if scheme == "simhash" else 128), r
by_id = {r["id"]: r for r in rows}
assert by_id["a"]["set_size"] == by_id["b"]["set_size"] > 10
assert by_id["7"]["set_size"] == 0
EOF
    done
    cmp -s "$work/sign_formats.one-permutation.hex" "$work/sign_formats.classic.hex" && fail "classic equals one-permutation"
    grep -qxF "7${tab}0000000000000000" "$work/sign_formats.simhash.hex" || fail "empty SimHash is not 0"
    # Known answer for the SimHash of a.
    grep -qxF "a${tab}63d5d98e59b292d5" "$work/sign_formats.simhash.hex" || fail "SimHash of a changed"
    ;;
  sign_seed)
    run 0 sign "$data/docs.jsonl"
    cp "$out" "$work/sign_seed.0"
    run 0 sign --seed 1 "$data/docs.jsonl"
    a0=$(awk -F'\t' '$1 == "a" { print $2 }' "$work/sign_seed.0")
    a1=$(awk -F'\t' '$1 == "a" { print $2 }' "$out")
    b1=$(awk -F'\t' '$1 == "b" { print $2 }' "$out")
    [ "$a0" != "$a1" ] || fail "--seed 1 gives the signature of seed 0"
    [ "$a1" == "$b1" ] || fail "identical texts differ under seed 1"
    run 0 sign --seed 0 "$data/docs.jsonl"
    cmp -s "$out" "$work/sign_seed.0" || fail "--seed 0 is not the default"
    run 0 sign --scheme simhash --seed 1 "$data/docs.jsonl"
    cp "$out" "$work/sign_seed.sim1"
    run 0 sign --scheme simhash "$data/docs.jsonl"
    cmp -s "$out" "$work/sign_seed.sim1" && fail "SimHash ignores the seed"
    run 0 sign --seed 18446744073709551615 "$data/docs.jsonl"
    ;;
  sign_usage)
    run 2 sign --k 0 "$data/docs.jsonl"
    stderr_has "--k"
    run 2 sign --k 4097 "$data/docs.jsonl"
    run 2 sign --k abc "$data/docs.jsonl"
    run 2 sign --k -5 "$data/docs.jsonl"
    run 2 sign --k "$data/docs.jsonl"
    run 2 sign --scheme simhash --k 128 "$data/docs.jsonl"
    run 2 sign --scheme bbit "$data/docs.jsonl"
    run 2 sign --seed 18446744073709551616 "$data/docs.jsonl"
    run 2 sign --format csv "$data/docs.jsonl"
    run 2 sign
    run 1 sign "$work/does-not-exist.jsonl"
    stderr_has "does-not-exist.jsonl"
    ;;
  sign_help)
    run 0 sign --help
    stdout_has "usage: samestory sign"
    stdout_has "examples:"
    stdout_has "most"
    ;;
  bench_table)
    run 0 bench --mb 1 --reps 1
    for row in text-pipeline floor minhash-one-permutation minhash-classic simhash; do
      grep -qE "^  $row +" "$out" || fail "no $row row"
    done
    # Every row's MB/s (third column) is a positive number.
    awk '/^  (text-pipeline|floor|minhash|simhash)/ { n++; if (!($3 > 0)) exit 1 } END { exit n != 5 }' "$out" || fail "a rate is not positive"
    grep -qE "^  floor +- +[0-9.]+ +[0-9]+ +[0-9.]+ +1\.00x$" "$out" || fail "floor ratio is not 1.00x"
    stdout_has "synthetic corpus"
    ;;
  bench_json)
    run 0 bench --mb 1 --reps 1 --k 64 --json
    python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$out" || fail "not JSON lines"
    py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
names = [r["name"] for r in rows]
assert names == ["text-pipeline", "floor", "minhash-one-permutation", "minhash-classic", "simhash"], names
for r in rows:
    assert r["mb_per_s"] > 0 and r["docs_per_s"] > 0 and r["ns_per_shingle"] > 0, r
    assert r["corpus"] == "synthetic" and r["reps"] == 1 and r["documents"] > 100, r
    assert 1.0 <= r["mb"] < 1.1, r
assert rows[1]["ratio_to_floor"] == 1.0
assert rows[2]["k"] == 64 and rows[3]["k"] == 64 and rows[4]["k"] == 64
'
    run 0 bench --jsonl "$data/docs.jsonl" --reps 2 --json
    py '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 5 and all(r["documents"] == 5 and r["mb_per_s"] > 0 for r in rows), rows
'
    ;;
  bench_usage)
    run 2 bench --mb 0
    stderr_has "--mb"
    run 2 bench --mb x
    run 2 bench --reps 0
    run 2 bench --reps 1.5
    run 2 bench --k 5000
    run 2 bench --bogus
    run 1 bench --jsonl "$work/does-not-exist.jsonl"
    stderr_has "does-not-exist.jsonl"
    run 0 bench --help
    stdout_has "usage: samestory bench"
    stdout_has "examples:"
    ;;
  *)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok [$case]"
