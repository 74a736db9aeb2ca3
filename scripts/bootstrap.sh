#!/usr/bin/env bash
# Makes sure this machine has what `npm test` and `npm run demo` need: Node >= 20, redis-server and
# BLAST+. Runs before every test run, so it only checks when all is present (no network, well
# under a second); on Debian/Ubuntu it installs what is missing with apt-get (as root, or through
# `sudo -n` when that needs no password), and otherwise stops and says exactly what to run.
# It never starts a Redis service: the project starts its own redis-server.
set -euo pipefail

missing_pkgs=()
missing_bins=()

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

# One binary: prints its path and first version line, or records its apt package as missing.
check_bin() {
  local bin="$1" pkg="$2" version_arg="$3" path version
  if path="$(command -v "$bin" 2>/dev/null)"; then
    version="$("$path" "$version_arg" 2>&1 | head -n 1 || true)"
    say "$(printf '%-12s' "$bin") ok  $path  ${version}"
  else
    say "$(printf '%-12s' "$bin") MISSING (apt package $pkg)"
    missing_bins+=("$bin")
    case " ${missing_pkgs[*]-} " in *" $pkg "*) ;; *) missing_pkgs+=("$pkg") ;; esac
  fi
}

check_all() {
  missing_pkgs=()
  missing_bins=()
  check_bin redis-server redis-server --version
  check_bin blastn ncbi-blast+ -version
  check_bin makeblastdb ncbi-blast+ -version
  check_bin blastdbcmd ncbi-blast+ -version
}

manual_instructions() {
  local brew=() conda=() pkg
  for pkg in "${missing_pkgs[@]}"; do
    case "$pkg" in
      redis-server) brew+=(redis); conda+=("conda install -c conda-forge redis") ;;
      ncbi-blast+) brew+=(blast); conda+=("conda install -c bioconda blast") ;;
    esac
  done
  local conda_line
  conda_line="$(printf ' && %s' "${conda[@]}")"
  cat >&2 <<EOF
bootstrap: missing: ${missing_bins[*]}
bootstrap: install them with one of these, then run the command again:
  Debian/Ubuntu: sudo apt-get install -y ${missing_pkgs[*]}
  macOS:         brew install ${brew[*]}
  conda:         ${conda_line# && }
EOF
}

check_node
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
