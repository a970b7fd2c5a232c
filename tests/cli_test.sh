#!/usr/bin/env bash
# CLI tests for the samestory binary, run by CTest (tests/CMakeLists.txt):
#   cli_test.sh BINARY DATA_DIR WORK_DIR CASE
# Each CASE runs the binary and compares exit code, stdout and stderr with
# what docs/cli.md and the help texts promise. Fixtures: tests/data/cli.
set -u
bin="$1" data="$2" work="$3" case="$4"
mkdir -p "$work"
out="$work/$case.out" err="$work/$case.err"
. "$(dirname "$0")/cli_lib.sh"

# The fixture's expected assignments: a3 is an exact copy of a1, 40 of 2;
# numeric ids are printed as strings; a quote in an id is escaped.
all_joined='{"id": "a1", "story": "a1", "copy": "a1"}
{"id": "2", "story": "2", "copy": "2"}
{"id": "a3", "story": "a1", "copy": "a1"}
{"id": "40", "story": "2", "copy": "2"}
{"id": "e\"q", "story": "e\"q", "copy": "e\"q"}'
# With a 72 h window, 40 (12 days after 2) starts its own copy group and story.
windowed='{"id": "a1", "story": "a1", "copy": "a1"}
{"id": "2", "story": "2", "copy": "2"}
{"id": "a3", "story": "a1", "copy": "a1"}
{"id": "40", "story": "40", "copy": "40"}
{"id": "e\"q", "story": "e\"q", "copy": "e\"q"}'

case "$case" in
  cluster)
    run 0 cluster "$data/docs.jsonl"
    expect_stdout "$all_joined"
    [ "$(wc -l <"$out")" -eq 5 ] || fail "expected 5 lines"
    ;;
  cluster_stdin)
    "$bin" cluster - <"$data/docs.jsonl" >"$out" 2>"$err" || fail "exit code $?"
    expect_stdout "$all_joined"
    ;;
  cluster_online)
    run 0 cluster --online "$data/docs.jsonl"
    expect_stdout "$all_joined"
    ;;
  cluster_window)
    run 0 cluster --window 72h "$data/docs.jsonl"
    expect_stdout "$windowed"
    run 0 cluster --online --window 3d "$data/docs.jsonl"
    expect_stdout "$windowed"
    run 0 cluster --window 30d "$data/docs.jsonl"
    expect_stdout "$all_joined"
    ;;
  cluster_dateline)
    # Reports of one template that open on different days: two stories by
    # default (docs/tuning.md, dateline_factor), one with the factor off.
    run 0 cluster "$data/datelines.jsonl"
    expect_stdout '{"id": "day2", "story": "day2", "copy": "day2"}
{"id": "day3", "story": "day3", "copy": "day3"}'
    run 0 cluster --dateline-factor 1 "$data/datelines.jsonl"
    expect_stdout '{"id": "day2", "story": "day2", "copy": "day2"}
{"id": "day3", "story": "day2", "copy": "day3"}'
    # Online as well: the second report meets a story of another day.
    run 0 cluster --online "$data/datelines.jsonl"
    expect_stdout '{"id": "day2", "story": "day2", "copy": "day2"}
{"id": "day3", "story": "day3", "copy": "day3"}'
    run 0 cluster --online --dateline-factor 1 "$data/datelines.jsonl"
    expect_stdout '{"id": "day2", "story": "day2", "copy": "day2"}
{"id": "day3", "story": "day2", "copy": "day3"}'
    run 2 cluster --dateline-factor 1.5 "$data/datelines.jsonl"
    stderr_has "--dateline-factor"
    ;;
  cluster_usage)
    run 2 cluster --window 5x "$data/docs.jsonl"
    stderr_has "--window"
    run 2 cluster --window h "$data/docs.jsonl"
    run 2 cluster --window 0h "$data/docs.jsonl"
    run 2 cluster --window -3h "$data/docs.jsonl"
    run 2 cluster --threshold 1.5 "$data/docs.jsonl"
    run 2 cluster --threshold 0 "$data/docs.jsonl"
    run 2 cluster --level words "$data/docs.jsonl"
    run 2 cluster --bogus "$data/docs.jsonl"
    run 2 cluster
    run 2 cluster "$data/docs.jsonl" "$data/dup.jsonl"
    run 2 cluster --window
    run 2 frobnicate
    run 2
    ;;
  cluster_duplicate_id)
    run 1 cluster "$data/dup.jsonl"
    stderr_has "line 3"
    stderr_has "line 1"
    stderr_has '"x"'
    [ ! -s "$out" ] || fail "no output expected"
    ;;
  cluster_malformed)
    run 1 cluster "$data/malformed.jsonl"
    stderr_has "line 2"
    [ ! -s "$out" ] || fail "no output expected"
    run 1 cluster "$work/does-not-exist.jsonl"
    ;;
  cluster_directory)
    # .txt and .html files are documents, id = file name; other files are ignored.
    run 0 cluster "$data/pages"
    expect_stdout '{"id": "a.txt", "story": "a.txt", "copy": "a.txt"}
{"id": "b.html", "story": "a.txt", "copy": "a.txt"}
{"id": "c.txt", "story": "c.txt", "copy": "c.txt"}'
    run 0 cluster --online "$data/pages"
    expect_stdout '{"id": "a.txt", "story": "a.txt", "copy": "a.txt"}
{"id": "b.html", "story": "a.txt", "copy": "a.txt"}
{"id": "c.txt", "story": "c.txt", "copy": "c.txt"}'
    ;;
  cluster_output)
    run 0 cluster --output clusters "$data/docs.jsonl"
    [ "$(wc -l <"$out")" -eq 3 ] || fail "expected 3 story lines"
    grep -qF '{"level": "stories", "id": "a1", "size": 2, "representative": "a1", "members": ["a1", "a3"], "links": [' "$out" || fail "story a1"
    grep -qF '"members": ["2", "40"]' "$out" || fail "story 2"
    run 0 cluster --level copies --output clusters --format tsv "$data/docs.jsonl"
    expect_stdout "$(printf 'cluster\tsize\trepresentative\tmembers\na1\t2\ta1\ta1 a3\n2\t2\t2\t2 40\ne"q\t1\te"q\te"q')"
    run 0 cluster --format tsv "$data/docs.jsonl"
    expect_stdout "$(printf 'id\tstory\tcopy\na1\ta1\ta1\n2\t2\t2\na3\ta1\ta1\n40\t2\t2\ne"q\te"q\te"q')"
    run 0 cluster --online --output clusters "$data/docs.jsonl"
    grep -qF '"members": ["a1", "a3"], "links": [{"a": "a1", "b": "a3", "similarity": 1.0000}]' "$out" || fail "online links"
    run 2 cluster --output words "$data/docs.jsonl"
    run 2 cluster --format csv "$data/docs.jsonl"
    ;;
  cluster_skip_bad)
    # Line 2 is malformed, line 3 repeats id a, line 4 has a number for text.
    run 1 cluster "$data/mixed.jsonl"
    stderr_has "line 2"
    run 0 cluster --skip-bad "$data/mixed.jsonl"
    expect_stdout '{"id": "a", "story": "a", "copy": "a"}
{"id": "d", "story": "a", "copy": "a"}'
    stderr_has "3 bad records skipped"
    stderr_has "line 2"
    run 0 cluster --online --skip-bad "$data/mixed.jsonl"
    expect_stdout '{"id": "a", "story": "a", "copy": "a"}
{"id": "d", "story": "a", "copy": "a"}'
    ;;
  cluster_limits)
    # A text over a limit is a bad record whose message names the limit
    # (docs/reliability.md); a limit out of range is a usage error.
    run 1 cluster --max-shingles 3 "$data/docs.jsonl"
    stderr_has "shingle_options::max_shingles"
    run 0 cluster --online --skip-bad --max-document-bytes 10 "$data/docs.jsonl"
    expect_stdout '{"id": "e\"q", "story": "e\"q", "copy": "e\"q"}'
    stderr_has "4 bad records skipped"
    stderr_has "normalize_options::max_document_bytes"
    run 0 cluster --max-document-bytes 64K --max-shingles 1M "$data/docs.jsonl"
    expect_stdout "$all_joined"
    run 2 cluster --max-shingles 0 "$data/docs.jsonl"
    stderr_has "--max-shingles"
    run 2 cluster --max-document-bytes 5G "$data/docs.jsonl"
    run 2 cluster --max-document-bytes 12x "$data/docs.jsonl"
    ;;
  cluster_quiet)
    # Not a terminal: no progress output, with or without --quiet.
    run 0 cluster "$data/docs.jsonl"
    [ ! -s "$err" ] || fail "stderr should be empty"
    run 0 cluster --quiet --online "$data/docs.jsonl"
    [ ! -s "$err" ] || fail "stderr should be empty"
    ;;
  cluster_directory_jsonl)
    # A directory's .jsonl files are read as JSONL, in name order with its pages.
    run 0 cluster "$data/feeds"
    expect_stdout '{"id": "j1", "story": "j1", "copy": "j1"}
{"id": "j2", "story": "j2", "copy": "j2"}
{"id": "x.txt", "story": "j1", "copy": "j1"}'
    ;;
  cluster_progress)
    # On a terminal (script(1) provides one) a progress line appears on
    # stderr; --quiet silences it. bsdutils, which has script, is essential.
    script -qec "$bin cluster $data/docs.jsonl >/dev/null" /dev/null >"$err" 2>&1 </dev/null ||
      fail "script failed"
    grep -q "docs/s" "$err" || fail "no progress line on a terminal"
    script -qec "$bin cluster --quiet $data/docs.jsonl >/dev/null" /dev/null >"$err" 2>&1 </dev/null ||
      fail "script failed"
    ! grep -q "docs/s" "$err" || fail "progress despite --quiet"
    ;;
  eval)
    # Expected line from: /usr/bin/python3 tools/score.py gold.jsonl cluster pred.jsonl story
    run 0 eval --gold "$data/gold.jsonl" --gold-key cluster --pred "$data/pred.jsonl" --pred-key story
    expect_stdout '{"n": 8, "gold_clusters": 4, "pred_clusters": 6, "pair_p": 0.5, "pair_r": 0.2, "pair_f1": 0.2857, "bcubed_p": 0.875, "bcubed_r": 0.5833, "bcubed_f1": 0.7, "ari": 0.2045}'
    # ...and score.py gold.jsonl cluster gold.jsonl cluster
    run 0 eval --gold "$data/gold.jsonl" --gold-key cluster --pred "$data/gold.jsonl" --pred-key cluster
    expect_stdout '{"n": 8, "gold_clusters": 4, "pred_clusters": 4, "pair_p": 1.0, "pair_r": 1.0, "pair_f1": 1.0, "bcubed_p": 1.0, "bcubed_r": 1.0, "bcubed_f1": 1.0, "ari": 1.0}'
    run 2 eval --gold "$data/gold.jsonl" --gold-key cluster
    run 1 eval --gold "$data/malformed.jsonl" --gold-key cluster --pred "$data/pred.jsonl" --pred-key story
    stderr_has "line 2"
    ;;
  help)
    run 0 cluster --help
    grep -qF 'samestory cluster' "$out" || fail "cluster help"
    run 0 eval --help
    grep -qF 'samestory eval' "$out" || fail "eval help"
    run 0 --help
    grep -qF 'cluster' "$out" || fail "main help"
    ;;
  *)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
echo "ok [$case]"
