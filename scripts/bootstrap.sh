#!/usr/bin/env bash
# Makes sure this machine has what `npm test` and `npm run demo` need: Node >= 20, redis-server and
# the tools' binaries, listed with their packages in scripts/tool-packages.tsv (generated from the
# catalog), plus what only the tests use (oracles, and Ceph's radosgw, the S3 server that checks
# signatures). With queue names as arguments (`bootstrap.sh blast`) only what those queues need is
# checked; without, everything the tests need. Runs before every test run, so it only checks when
# all is present (no network, well under a second); on Debian/Ubuntu it installs what is missing
# with apt-get (as root, or through `sudo -n` when that needs no password), and otherwise stops
# and says exactly what to run. It never starts a Redis service: the project starts its own.
# Without queue names it also provides the MCP conformance suite and the Node 22 it runs on, with
# npm, in .cache/node22 (see install_conformance_toolchain; nothing of the system's changes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
packages_file="$here/tool-packages.tsv"
wanted_queues=("$@")
missing_pkgs=()
missing_bins=()
brew_pkgs=()
conda_lines=()
apt_only=()

say() { printf 'bootstrap: %s\n' "$*"; }

# Node >= 20, since the project uses its APIs (and the engines field says so).
check_node() {
  if ! command -v node >/dev/null 2>&1; then
    say "node         MISSING (need Node.js >= 20: https://nodejs.org/ or your package manager)"
    exit 1
  fi
  local version major
  version="$(node -p 'process.versions.node')"
  major="${version%%.*}"
  if [ "$major" -lt 20 ]; then
    say "node         $version is too old (need >= 20: https://nodejs.org/, nvm install 20, or your package manager)"
    exit 1
  fi
  say "node         ok  $version"
}

# Whether a row's queues ("blast", "align,variant", "*", "tests") are wanted this run.
wanted() {
  local queues="$1" q
  [ "${#wanted_queues[@]}" -eq 0 ] && return 0
  [ "$queues" = "*" ] && return 0
  for q in "${wanted_queues[@]}"; do
    case ",$queues," in *",$q,"*) return 0 ;; esac
  done
  return 1
}

add_once() { # array-name value
  local -n list="$1"
  case " ${list[*]-} " in *" $2 "*) ;; *) list+=("$2") ;; esac
}

# One binary: prints its path and version line, or records its packages as missing. The version
# line is the first that holds a dotted number, else the first line: Debian's chromium wrapper
# prints a shell complaint of its own ahead of its version on some machines.
check_bin() {
  local bin="$1" flag="$2" apt="$3" brew="$4" conda="$5" path version out
  if path="$(command -v "$bin" 2>/dev/null)"; then
    if [ "$flag" = "-" ]; then
      version="$("$path" 2>&1 | grep -m1 -i version || true)"
    else
      out="$("$path" "$flag" 2>&1 || true)"
      version="$(printf '%s\n' "$out" | grep -m1 -E '[0-9]+\.[0-9]+' || printf '%s\n' "$out" | head -n 1)"
    fi
    say "$(printf '%-12s' "$bin") ok  $path  ${version}"
  else
    say "$(printf '%-12s' "$bin") MISSING (apt package $apt)"
    missing_bins+=("$bin")
    add_once missing_pkgs "$apt"
    # "-": Homebrew or conda has no package of it (radosgw is packaged for Debian/Ubuntu only).
    if [ "$brew" = "-" ] || [ "$conda" = "-" ]; then add_once apt_only "$bin"; fi
    [ "$brew" = "-" ] || add_once brew_pkgs "$brew"
    [ "$conda" = "-" ] || add_once conda_lines "conda install -c ${conda/ / }"
  fi
}

check_all() {
  missing_pkgs=()
  missing_bins=()
  brew_pkgs=()
  conda_lines=()
  apt_only=()
  local bin flag apt brew conda queues
  while IFS=$'\t' read -r bin flag apt brew conda queues; do
    case "$bin" in '#'* | '') continue ;; esac
    wanted "$queues" || continue
    check_bin "$bin" "$flag" "$apt" "$brew" "$conda"
  done <"$packages_file"
}

manual_instructions() {
  local conda_line
  cat >&2 <<EOT
bootstrap: missing: ${missing_bins[*]}
bootstrap: install them with one of these, then run the command again:
  Debian/Ubuntu: sudo apt-get install -y ${missing_pkgs[*]}
EOT
  [ "${#brew_pkgs[@]}" -eq 0 ] || printf '  macOS:         brew install %s\n' "${brew_pkgs[*]}" >&2
  if [ "${#conda_lines[@]}" -ne 0 ]; then
    conda_line="$(printf ' && %s' "${conda_lines[@]}")"
    printf '  conda:         %s\n' "${conda_line# && }" >&2
  fi
  if [ "${#apt_only[@]}" -ne 0 ]; then
    printf '  (no Homebrew or conda package has %s: the tests that need them run on Debian/Ubuntu)\n' "${apt_only[*]}" >&2
  fi
}

# The official MCP conformance suite (tests/conformance) needs Node 22 (it imports fs.globSync),
# which the project itself does not. npm's `node` package brings a Node 22 binary into a prefix of
# our own, beside the suite, both pinned by scripts/conformance-toolchain's lockfile; `npm ci`
# runs there, with that package.json's allowScripts approving the one install script it needs
# (node's, which fetches the binary for this platform). Skipped when the installed copy of the
# lockfile matches and both binaries are there, and in an installed package (no tests there).
install_conformance_toolchain() {
  local spec="$here/conformance-toolchain" prefix="$here/../.cache/node22"
  local node22="$prefix/node_modules/.bin/node" suite="$prefix/node_modules/.bin/conformance"
  [ -f "$spec/package-lock.json" ] || return 0
  if [ -x "$node22" ] && [ -e "$suite" ] && cmp -s "$spec/package-lock.json" "$prefix/package-lock.json"; then
    say "conformance  ok  $(cd "$prefix" && pwd)  Node $("$node22" --version)"
    return 0
  fi
  say "conformance  installing Node 22 and @modelcontextprotocol/conformance with npm into .cache/node22"
  mkdir -p "$prefix"
  cp "$spec/package.json" "$spec/package-lock.json" "$prefix/"
  if ! (cd "$prefix" && npm ci --no-audit --no-fund --loglevel=error) || [ ! -x "$node22" ] || [ ! -e "$suite" ]; then
    rm -f "$prefix/package-lock.json" # so the next run tries again
    say "conformance  FAILED to install with npm ci in .cache/node22 (it needs the npm registry); run this script again"
    exit 1
  fi
  say "conformance  ok  $(cd "$prefix" && pwd)  Node $("$node22" --version)"
}

check_node
[ "${#wanted_queues[@]}" -ne 0 ] || install_conformance_toolchain
check_all
[ "${#missing_pkgs[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get not found, so nothing can be installed automatically"
  manual_instructions
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "installing needs root, and sudo is not available without a password"
  manual_instructions
  exit 1
fi

say "installing with apt-get: ${missing_pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
# ${a[@]+…} keeps an empty array from tripping `set -u` in older bash.
${as_root[@]+"${as_root[@]}"} apt-get update -qq
${as_root[@]+"${as_root[@]}"} apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"

check_all
if [ "${#missing_pkgs[@]}" -ne 0 ]; then
  say "still missing after apt-get install: ${missing_bins[*]}"
  manual_instructions
  exit 1
fi
say "all set"
