#!/usr/bin/env bash
# CLI tests for samestory index build|query, run by CTest (tests/CMakeLists.txt):
#   cli_index_test.sh BINARY DATA_DIR WORK_DIR CASE
# Fixtures: tests/data/cli/docs.jsonl (two pairs of copies and an empty text).
# A damaged index file must give exit 1 and a message that says what is
# wrong, for every kind of damage, and never a crash (exit > 2 or a signal).
set -u
bin="$1" data="$2" work="$3" case="$4"
mkdir -p "$work"
out="$work/$case.out" err="$work/$case.err"
. "$(dirname "$0")/cli_lib.sh"
docs="$data/docs.jsonl"
index="$work/$case.smst"

case "$case" in
  index_build_query)
    run 0 index build --out "$index" "$docs"
    [ -s "$index" ] || fail "no index file written"
    run 0 index query --index "$index" "$docs"
    expect_stdout '{"id": "a1", "matches": [{"id": "a3", "similarity": 1.0000}]}
{"id": "2", "matches": [{"id": "40", "similarity": 1.0000}]}
{"id": "a3", "matches": [{"id": "a1", "similarity": 1.0000}]}
{"id": "40", "matches": [{"id": "2", "similarity": 1.0000}]}
{"id": "e\"q", "matches": []}'
    # New documents, from standard input: a copy of a1 under another id matches both.
    printf '%s\n' "$(head -1 "$docs" | sed 's/"id": "a1"/"id": "new"/')" >"$work/new.jsonl"
    "$bin" index query --index "$index" - <"$work/new.jsonl" >"$out" 2>"$err" || fail "stdin query failed"
    expect_stdout '{"id": "new", "matches": [{"id": "a1", "similarity": 1.0000}, {"id": "a3", "similarity": 1.0000}]}'
    run 0 index query --limit 1 --index "$index" "$work/new.jsonl"
    expect_stdout '{"id": "new", "matches": [{"id": "a1", "similarity": 1.0000}]}'
    ;;
  index_rebuild_is_atomic)
    run 0 index build --out "$index" "$docs"
    cp "$index" "$work/first.smst"
    # A failing build (bad input) leaves the previous index untouched.
    run 1 index build --out "$index" "$data/malformed.jsonl"
    cmp -s "$index" "$work/first.smst" || fail "a failed build changed the index"
    [ -z "$(ls "$work" | grep '\.tmp-')" ] || fail "temporary file left behind"
    ;;
  index_damaged)
    run 0 index build --out "$index" "$docs"
    size=$(stat -c %s "$index")
    # Truncated in the header (every offset) and then at every 53rd byte, and
    # one bit flipped in every 97th byte: one process per try, so a sample;
    # saved_state_test.cpp tries every offset and every bit in the library.
    for n in $(seq 0 24) $(seq 25 53 "$((size - 1))") $((size - 8)) $((size - 1)); do
      head -c "$n" "$index" >"$work/cut.smst"
      run 1 index query --index "$work/cut.smst" "$docs"
      stderr_has "cut.smst: format error at byte"
    done
    for ((n = 0; n < size; n += 97)); do
      python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[int(sys.argv[2])] ^= 1 << (int(sys.argv[2]) % 8); open(sys.argv[3], 'wb').write(b)" "$index" "$n" "$work/flip.smst"
      run 1 index query --index "$work/flip.smst" "$docs"
      stderr_has "flip.smst: format error at byte"
    done
    # Another kind of file, an empty one, a directory, a missing one.
    run 1 index query --index "$docs" "$docs"
    stderr_has 'expected magic "SMST"'
    : >"$work/empty.smst"
    run 1 index query --index "$work/empty.smst" "$docs"
    stderr_has "format error at byte 0"
    run 1 index query --index "$work" "$docs"
    stderr_has "cannot read"
    run 1 index query --index "$work/absent.smst" "$docs"
    stderr_has "cannot open"
    ;;
  index_settings_mismatch)
    run 0 index build --threshold 0.8 --out "$index" "$docs"
    run 1 index query --index "$index" "$docs"
    stderr_has "saved with threshold = 0.8 and is being loaded with threshold = 0.5"
    run 0 index query --threshold 0.8 --index "$index" "$docs"
    run 1 index query --threshold 0.8 --k 64 --index "$index" "$docs"
    stderr_has "num_hashes = 128"
    ;;
  index_usage)
    run 2 index
    stderr_has "index needs 'build', 'query' or 'drop'"
    run 2 index build "$docs"
    stderr_has "index build needs --out FILE"
    run 2 index query --out x "$docs"
    stderr_has "unknown option --out"
    run 2 index build --out x --threshold 1 "$docs"
    stderr_has "--threshold"
    run 0 index --help
    stdout_has "samestory index build (--out FILE | --store URL)"
    ;;
  *)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
