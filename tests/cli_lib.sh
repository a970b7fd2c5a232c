# Shared by the CLI test scripts (cli_test.sh, cli_compare_test.sh,
# cli_tools_test.sh): source it after setting bin, case, out and err.

# fail MESSAGE: reports the case's output and fails it.
fail() {
  echo "FAIL [$case]: $*" >&2
  echo "--- stdout:" >&2; head -c 4000 "$out" >&2
  echo "--- stderr:" >&2; cat "$err" >&2
  exit 1
}
# run EXPECTED_CODE ARGS...: runs the binary, checks the exit code.
run() {
  local want="$1"; shift
  "$bin" "$@" >"$out" 2>"$err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "exit code $got, expected $want (args: $*)"
}
# expect_stdout TEXT: stdout must be exactly TEXT (plus the final newline).
expect_stdout() {
  [ "$(cat "$out")" == "$1" ] || fail "stdout differs from:
$1"
}
stdout_has() { grep -qF -- "$1" "$out" || fail "stdout lacks '$1'"; }
stdout_lacks() { ! grep -qF -- "$1" "$out" || fail "stdout holds '$1'"; }
stderr_has() { grep -qF -- "$1" "$err" || fail "stderr lacks '$1'"; }
