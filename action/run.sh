#!/usr/bin/env bash
# Runs the installed custody with the action's `args` input and writes a step summary.
# Inputs arrive through the environment only (see action.yml):
#   CUSTODY_BIN   the binary install.sh installed
#   CUSTODY_ARGS  the command line after `custody`, split on whitespace (no quotes, no
#                 globbing, no variable expansion: it is never evaluated by a shell);
#                 empty: install only, nothing is run
# The exit code is custody's own (0 fine, 1 findings, 2 bad input or usage), also written
# to $GITHUB_OUTPUT as exit-code.
set -euo pipefail

die() {
    printf 'custody action: error: %s\n' "$*" >&2
    exit 2
}

bin=${CUSTODY_BIN-}
[ -n "$bin" ] && [ -x "$bin" ] || die "custody is not installed (CUSTODY_BIN='$bin')"

# Word splitting with globbing off: "check --client *" passes a literal "*".
set -f
IFS=$' \t\r\n'
# shellcheck disable=SC2206 # splitting is the documented behaviour
args=(${CUSTODY_ARGS-})
set +f
unset IFS
if [ "${#args[@]}" -eq 0 ]; then
    echo "custody action: no args given: custody is installed and on PATH, nothing run" >&2
    exit 0
fi

out=$(mktemp)
trap 'rm -f -- "$out"' EXIT
set +e
"$bin" "${args[@]}" | tee -- "$out"
code=${PIPESTATUS[0]}
set -e

if [ -n "${GITHUB_OUTPUT-}" ]; then
    printf 'exit-code=%s\n' "$code" >>"$GITHUB_OUTPUT"
fi

case "$code" in
    0) meaning="success" ;;
    1) meaning="findings (a control fails or lacks evidence, a pack does not verify, or an unjustified weakening)" ;;
    2) meaning="bad input or usage (see the log)" ;;
    *) meaning="unexpected exit" ;;
esac

# A fence longer than any run of backticks in the text, so nothing in it can close the
# block early (client names and Graph data end up in custody's output).
fence_for() {
    local longest
    longest=$(LC_ALL=C grep -o '`\+' -- "$1" 2>/dev/null | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }')
    [ "$longest" -lt 3 ] && longest=2
    printf '%*s' "$((longest + 1))" '' | tr ' ' '`'
}

markdown=false
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --format=markdown) markdown=true ;;
        --format) [ "${args[i + 1]-}" = markdown ] && markdown=true ;;
    esac
done

if [ -n "${GITHUB_STEP_SUMMARY-}" ]; then
    # GitHub refuses a step summary over 1 MiB: keep well inside it.
    limit=900000
    size=$(wc -c <"$out" | tr -d ' ')
    shown=$(mktemp)
    trap 'rm -f -- "$out" "$shown"' EXIT
    head -c "$limit" -- "$out" >"$shown"
    cmd=$(mktemp)
    trap 'rm -f -- "$out" "$shown" "$cmd"' EXIT
    printf 'custody %s\n' "${args[*]}" >"$cmd"
    cfence=$(fence_for "$cmd")
    {
        printf '### custody: exit %s, %s\n\n' "$code" "$meaning"
        printf '%s\n' "$cfence"
        cat -- "$cmd"
        printf '%s\n\n' "$cfence"
        if [ "$markdown" = true ]; then
            # custody's Markdown output escapes what it quotes from client data.
            cat -- "$shown"
            echo
        elif [ -s "$shown" ]; then
            ofence=$(fence_for "$shown")
            printf '%s\n' "$ofence"
            cat -- "$shown"
            # Close on a line of its own, without adding a blank line inside the block.
            [ -n "$(tail -c 1 -- "$shown")" ] && echo
            printf '%s\n' "$ofence"
        fi
        if [ "$size" -gt "$limit" ]; then
            printf '\n_Output cut at %s of %s bytes: the whole output is in the job log._\n' "$limit" "$size"
        fi
    } >>"$GITHUB_STEP_SUMMARY"
fi
exit "$code"
