#!/usr/bin/env bash
# Installs one custody release binary for this runner, verified, for the custody GitHub
# Action (action.yml). Every input arrives through the environment, never through the
# command line of a `run:` step, so a workflow expression can never become shell code.
#
#   install.sh resolve   validate the version, pick the release asset for this runner,
#                        and print (and write to $GITHUB_OUTPUT) dir=, asset=, key=
#   install.sh install   download the asset and SHA256SUMS, verify the checksum (and the
#                        build provenance attestation with `gh`, where available), install
#                        it as DIR/custody, put DIR on $GITHUB_PATH
#
# Environment:
#   CUSTODY_VERSION        the release tag, vMAJOR.MINOR.PATCH[-PRERELEASE] (required)
#   CUSTODY_REPOSITORY     OWNER/REPO publishing the releases; default: the repository
#                          the action was taken from (CUSTODY_ACTION_REPOSITORY, else the
#                          OWNER/REPO in $GITHUB_ACTION_PATH, else $GITHUB_REPOSITORY for
#                          a local `uses: ./` in custody's own repository)
#   CUSTODY_DOWNLOAD_BASE  release download root; default https://github.com/$CUSTODY_REPOSITORY/releases/download
#                          (https only; http only to 127.0.0.1 or localhost, for tests)
#   CUSTODY_INSTALL_ROOT   where versions are installed; default $RUNNER_TOOL_CACHE/custody
#   CUSTODY_ATTESTATION    auto (default: verify when gh and GH_TOKEN are there),
#                          required (refuse without a verified attestation), off
#   RUNNER_OS, RUNNER_ARCH set by GitHub Actions; uname is used when they are not set
set -euo pipefail
umask 022

die() {
    printf 'custody action: error: %s\n' "$*" >&2
    exit 1
}
note() { printf 'custody action: %s\n' "$*" >&2; }

# The version becomes a URL path segment, a folder name and a cache key: only a
# semantic-version tag is accepted, nothing that a shell, a URL or a path could read
# as anything else.
check_version() {
    local v=${CUSTODY_VERSION-}
    [ -n "$v" ] || die "no version given: set the action's 'version' input to a release tag such as v0.2.0"
    local semver='^v(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})(-[0-9A-Za-z-]{1,20}(\.[0-9A-Za-z-]{1,20}){0,4})?$'
    if [ "${#v}" -gt 64 ] || ! [[ $v =~ $semver ]]; then
        die "version '$(printf '%s' "$v" | LC_ALL=C tr -c '[:alnum:].+-' '?' | cut -c1-80)' is not a release tag: expected vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (letters, digits, '-' and '.'), such as v0.2.0"
    fi
}

# The release asset built for this runner (see .github/workflows/release.yml).
platform_asset() {
    local os=${RUNNER_OS-} arch=${RUNNER_ARCH-}
    if [ -z "$os" ]; then
        case "$(uname -s)" in
            Linux) os=Linux ;;
            Darwin) os=macOS ;;
            MINGW* | MSYS* | CYGWIN*) os=Windows ;;
            *) os=$(uname -s) ;;
        esac
    fi
    if [ -z "$arch" ]; then
        case "$(uname -m)" in
            x86_64 | amd64) arch=X64 ;;
            aarch64 | arm64) arch=ARM64 ;;
            *) arch=$(uname -m) ;;
        esac
    fi
    case "$os/$arch" in
        Linux/X64) echo custody-x86_64-unknown-linux-musl ;;
        Linux/ARM64) echo custody-aarch64-unknown-linux-musl ;;
        Windows/X64) echo custody-x86_64-pc-windows-msvc.exe ;;
        macOS/ARM64) echo custody-aarch64-apple-darwin ;;
        *)
            local shown
            shown=$(printf '%s/%s' "$os" "$arch" | LC_ALL=C tr -c '[:alnum:]/_-' '?' | cut -c1-40)
            die "no custody release binary for this runner ($shown): releases are built for Linux/X64, Linux/ARM64 (static, musl), Windows/X64 and macOS/ARM64; build from source with 'cargo install --locked --git https://github.com/OWNER/custody --tag VERSION' elsewhere"
            ;;
    esac
}

install_root() {
    if [ -n "${CUSTODY_INSTALL_ROOT-}" ]; then
        echo "$CUSTODY_INSTALL_ROOT"
    elif [ -n "${RUNNER_TOOL_CACHE-}" ]; then
        echo "$RUNNER_TOOL_CACHE/custody"
    else
        echo "${HOME:?HOME is not set}/.cache/custody"
    fi
}

# Where the releases come from: the action's own repository unless told otherwise, so
# `uses: OWNER/custody@SHA` installs OWNER's releases and nobody else's.
release_repo() {
    local r=${CUSTODY_REPOSITORY-}
    if [ -z "$r" ]; then r=${CUSTODY_ACTION_REPOSITORY-}; fi
    if [ -z "$r" ] && [ -n "${GITHUB_ACTION_PATH-}" ]; then
        # Remote actions are checked out as .../_actions/OWNER/REPO/REF.
        local p=${GITHUB_ACTION_PATH//\\//}
        if [[ $p =~ /_actions/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/[^/]+/?$ ]]; then
            r="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
        fi
    fi
    if [ -z "$r" ]; then r=${GITHUB_REPOSITORY-}; fi
    [[ $r =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "the repository publishing custody releases is not OWNER/REPO: set the action's 'repository' input"
    printf '%s\n' "$r"
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum -- "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 -- "$1" | cut -d' ' -f1
    else
        die "neither sha256sum nor shasum is available to verify the download"
    fi
}

# The one SHA256SUMS line for the asset ("<hex>  <name>" or "<hex> *<name>"): exactly
# one, with a 64-digit hash, or the release is refused.
expected_sum() {
    local sums=$1 asset=$2 found
    found=$(awk -v name="$asset" '($2 == name || $2 == "*" name) && NF == 2 { print tolower($1) }' "$sums")
    [ -n "$found" ] || die "SHA256SUMS of $CUSTODY_VERSION lists no $asset: refusing to install an unlisted binary"
    [ "$(printf '%s\n' "$found" | wc -l)" -eq 1 ] || die "SHA256SUMS of $CUSTODY_VERSION lists $asset more than once: refusing"
    [[ $found =~ ^[0-9a-f]{64}$ ]] || die "SHA256SUMS of $CUSTODY_VERSION has a malformed hash for $asset: refusing"
    printf '%s\n' "$found"
}

download_base() {
    local base=${CUSTODY_DOWNLOAD_BASE-}
    if [ -z "$base" ]; then
        base="https://github.com/$(release_repo)/releases/download"
    fi
    # A host name and a plain path: no user info ("https://github.com@evil/"), no query.
    local https='^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$'
    local loopback='^http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$'
    [[ $base =~ $https || $base =~ $loopback ]] \
        || die "download base must be an https URL (http only to 127.0.0.1 or localhost, for tests)"
    printf '%s\n' "${base%/}"
}

fetch() {
    local url=$1 to=$2
    command -v curl >/dev/null 2>&1 || die "curl is needed to download custody"
    local proto=(--proto '=https' --proto-redir '=https')
    case "$url" in http://*) proto=(--proto '=http' --max-redirs 0) ;; esac
    # GitHub answers release downloads with a redirect to its object storage: follow it,
    # over https only. No credentials are sent.
    curl --fail --silent --show-error --location "${proto[@]}" \
        --retry 3 --retry-delay 2 --retry-connrefused --connect-timeout 20 --max-time 300 \
        --max-filesize 209715200 --output "$to" -- "$url" \
        || die "download failed: $url"
}

resolve() {
    check_version
    local asset root dir
    asset=$(platform_asset)
    root=$(install_root)
    dir="$root/$CUSTODY_VERSION/${asset%.exe}"
    {
        echo "dir=$dir"
        echo "asset=$asset"
        echo "key=custody-$CUSTODY_VERSION-$asset"
    } | tee -a "${GITHUB_OUTPUT:-/dev/null}"
}

verify_attestation() {
    local file=$1 mode=${CUSTODY_ATTESTATION:-auto}
    case "$mode" in
        off) note "attestation check off"; return 0 ;;
        auto | required) ;;
        *) die "CUSTODY_ATTESTATION must be auto, required or off" ;;
    esac
    local why="" repo
    if ! command -v gh >/dev/null 2>&1; then
        why="the gh CLI is not installed"
    elif [ -z "${GH_TOKEN-}" ]; then
        why="no GH_TOKEN"
    fi
    if [ -n "$why" ]; then
        [ "$mode" = required ] && die "build provenance attestation could not be verified ($why) and is required: nothing installed"
        note "build provenance attestation not verified ($why); the SHA256SUMS checksum was verified"
        return 0
    fi
    repo=$(release_repo)
    gh attestation verify "$file" --repo "$repo" >&2 \
        || die "build provenance attestation of $(basename "$file") does not verify for $repo: nothing installed"
    note "build provenance attestation verified ($repo)"
}

tmp=""

install() {
    local dir asset
    check_version
    asset=$(platform_asset)
    dir="$(install_root)/$CUSTODY_VERSION/${asset%.exe}"
    local bin=custody
    case "$asset" in *.exe) bin=custody.exe ;; esac

    # A cache hit (actions/cache restored DIR): re-check the binary against the
    # SHA256SUMS it was installed with, so a damaged cache is downloaded again.
    if [ -f "$dir/$bin" ] && [ -f "$dir/SHA256SUMS" ]; then
        local want
        if want=$( (expected_sum "$dir/SHA256SUMS" "$asset") 2>/dev/null) \
            && [ "$(sha256_of "$dir/$bin")" = "$want" ]; then
            note "custody $CUSTODY_VERSION from the cache: $dir/$bin"
            publish "$dir" "$bin"
            return 0
        fi
        note "cached custody in $dir does not match its checksum: downloading again"
    fi

    local base root
    base=$(download_base)
    root=$(install_root)
    mkdir -p -- "$root"
    # Downloaded beside the install folder (same file system: the final renames are
    # atomic) and removed whatever happens: nothing unverified is ever left installed.
    tmp=$(mktemp -d "$root/.download.XXXXXX")
    trap 'rm -rf -- "$tmp"' EXIT
    fetch "$base/$CUSTODY_VERSION/SHA256SUMS" "$tmp/SHA256SUMS"
    fetch "$base/$CUSTODY_VERSION/$asset" "$tmp/$asset"
    local want got
    want=$(expected_sum "$tmp/SHA256SUMS" "$asset")
    got=$(sha256_of "$tmp/$asset")
    if [ "$got" != "$want" ]; then
        die "checksum mismatch for $asset $CUSTODY_VERSION: SHA256SUMS says $want, the download is $got; nothing installed"
    fi
    note "checksum verified: $asset sha256 $got"
    verify_attestation "$tmp/$asset"
    chmod 0755 "$tmp/$asset"
    mkdir -p -- "$dir"
    mv -f -- "$tmp/$asset" "$dir/$bin"
    mv -f -- "$tmp/SHA256SUMS" "$dir/SHA256SUMS"
    note "installed custody $CUSTODY_VERSION: $dir/$bin"
    publish "$dir" "$bin"
}

publish() {
    local dir=$1 bin=$2
    if [ -n "${GITHUB_PATH-}" ]; then
        printf '%s\n' "$dir" >>"$GITHUB_PATH"
    fi
    if [ -n "${GITHUB_OUTPUT-}" ]; then
        printf 'path=%s\n' "$dir/$bin" >>"$GITHUB_OUTPUT"
    fi
}

case "${1-}" in
    resolve) resolve ;;
    install) install ;;
    *) die "usage: install.sh resolve|install (inputs in the environment, see the header)" ;;
esac
