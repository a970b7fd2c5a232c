#!/usr/bin/env bash
# CLI tests of --store redis://HOST:PORT/NAME, run by CTest with the label
# "redis" (tests/CMakeLists.txt):
#   cli_redis_test.sh BINARY DATA_DIR WORK_DIR CASE
# They need the servers of scripts/redis-servers (SAMESTORY_REDIS and
# SAMESTORY_REDIS_CLUSTER); without them they fail, never pass silently.
set -u
bin="$1" data="$2" work="$3" case="$4"
mkdir -p "$work"
out="$work/$case.out" err="$work/$case.err"
. "$(dirname "$0")/cli_lib.sh"
docs="$data/docs.jsonl"
[ -n "${SAMESTORY_REDIS:-}" ] && [ -n "${SAMESTORY_REDIS_CLUSTER:-}" ] ||
  fail "SAMESTORY_REDIS and SAMESTORY_REDIS_CLUSTER must be set (scripts/redis-servers start DIR; source DIR/env), or skip with ctest -LE redis"
# A name per run and case: runs never see each other's keys.
name="cli-$case-$$"
drop() { "$bin" index drop --store "redis://$1/$name" 2>/dev/null || true; }

case "$case" in
  redis_index_build_query)
    for server in "$SAMESTORY_REDIS" "$SAMESTORY_REDIS_CLUSTER"; do
      store="redis://$server/$name"
      run 0 index build --store "$store" "$docs"
      # The same answers as the file index (cli_index_test.sh), from Redis.
      run 0 index query --store "$store" "$docs"
      expect_stdout '{"id": "a1", "matches": [{"id": "a3", "similarity": 1.0000}]}
{"id": "2", "matches": [{"id": "40", "similarity": 1.0000}]}
{"id": "a3", "matches": [{"id": "a1", "similarity": 1.0000}]}
{"id": "40", "matches": [{"id": "2", "similarity": 1.0000}]}
{"id": "e\"q", "matches": []}'
      # Another process adds a copy; the next query sees it at once.
      head -1 "$docs" | sed 's/"id": "a1"/"id": "new"/' >"$work/new.jsonl"
      run 0 index build --store "$store" "$work/new.jsonl"
      run 0 index query --store "$store" --limit 2 "$work/new.jsonl"
      expect_stdout '{"id": "new", "matches": [{"id": "a1", "similarity": 1.0000}, {"id": "a3", "similarity": 1.0000}]}'
      # Dropped on every node: nothing is left to match.
      run 0 index drop --store "$store"
      stderr_has "keys deleted"
      run 0 index query --store "$store" "$work/new.jsonl"
      expect_stdout '{"id": "new", "matches": []}'
      drop "$server"
    done
    ;;
  redis_index_mismatch)
    store="redis://$SAMESTORY_REDIS_CLUSTER/$name"
    run 0 index build --store "$store" "$docs"
    run 1 index query --store "$store" --threshold 0.8 "$docs"
    stderr_has "threshold = 0.5 and is being loaded with threshold = 0.8"
    stderr_has "$store"
    drop "$SAMESTORY_REDIS_CLUSTER"
    ;;
  redis_usage)
    run 2 index build --store "http://x/y" "$docs"
    stderr_has "redis://HOST:PORT/NAME"
    run 2 index build --store "redis://$SAMESTORY_REDIS/bad{name}" "$docs"
    stderr_has "[A-Za-z0-9_.-]"
    run 2 index build --out "$work/x.smst" --store "redis://$SAMESTORY_REDIS/$name" "$docs"
    stderr_has "one of them"
    run 2 index drop "$docs"
    stderr_has "index drop takes --store URL"
    ;;
  redis_unreachable)
    # Port 1 on loopback: nothing listens. Exit 1 naming the server, after the retries.
    run 1 index build --store "redis://127.0.0.1:1/$name" "$docs"
    stderr_has "127.0.0.1:1"
    stderr_has "Connection refused"
    ;;
  redis_cluster_resumes)
    store="redis://$SAMESTORY_REDIS_CLUSTER/$name"
    head -3 "$docs" >"$work/first.jsonl"
    tail -2 "$docs" >"$work/second.jsonl"
    run 0 cluster --store "$store" "$work/first.jsonl"
    cp "$out" "$work/first.out"
    # A second run resumes the stories: 40 joins the story of 2 from run one.
    run 0 cluster --store "$store" "$work/second.jsonl"
    story_of_2=$(grep '"id": "2"' "$work/first.out" | sed 's/.*"story": "\([0-9a-f]*\)".*/\1/')
    [ -n "$story_of_2" ] || fail "no story label for 2 in run one"
    stdout_has "{\"id\": \"40\", \"story\": \"$story_of_2\""
    # The whole input again: every document keeps its assignment.
    run 0 cluster --store "$store" "$docs"
    head -3 "$out" >"$work/again.out"
    cmp -s "$work/again.out" "$work/first.out" || fail "assignments changed on a rerun"
    # Other clustering options are refused, naming the setting.
    run 1 cluster --store "$store" --threshold 0.9 "$docs"
    stderr_has "was saved with"
    drop "$SAMESTORY_REDIS_CLUSTER"
    ;;
  *)
    fail "unknown case"
    ;;
esac
exit 0
