# Shared set-up for scripts/start and scripts/test (sourced, not run).
# Installs what efactura needs on a Debian machine: system packages, uv, and the locked
# Python environment in .venv.  Safe to run again: every step checks before it acts.

set -euo pipefail

EFACTURA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# Debian packages: WeasyPrint's Pango stack and fonts (PDFs), xmlsec1 (independent signature
# check in tests), gettext (translations), chromium (browser tests), poppler-utils (PDF text).
RUNTIME_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ca-certificates)
TEST_PACKAGES=(chromium xmlsec1 poppler-utils gettext zbar-tools)

ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Find a Python >= 3.12: $EFACTURA_PYTHON, then python3.13/python3.12/python3 on PATH, then
# pyenv-installed versions (pyenv shims only work for the selected version, so look at the
# real binaries).
find_python() {
  local candidates=()
  [ -n "${EFACTURA_PYTHON:-}" ] && candidates+=("$EFACTURA_PYTHON")
  # An existing environment keeps its interpreter (uv would rebuild .venv for another one).
  [ -x "$EFACTURA_ROOT/.venv/bin/python" ] && candidates+=("$(readlink -f "$EFACTURA_ROOT/.venv/bin/python")")
  for name in python3.12 python3.13 python3.14 python3; do
    command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for dir in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V); do
    candidates+=("$dir/bin/python3")
  done
  for py in "${candidates[@]}"; do
    if [ -x "$py" ] && "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then UV="$(command -v uv)"; return 0; fi
  local boot="$EFACTURA_ROOT/.cache/bootstrap"
  if [ ! -x "$boot/bin/uv" ]; then
    say "Installing uv into $boot"
    "$PYTHON" -m venv "$boot" || die "could not create a virtualenv with $PYTHON (on Debian: apt-get install python3-venv)"
    "$boot/bin/python" -m pip install -q uv
  fi
  UV="$boot/bin/uv"
}

# Node.js runs the local OpenID provider (tools/oidc-provider, node's oidc-provider) that stands
# in for a bank's identity provider in the demo and in the single sign-on tests.  A node that is
# already installed (Debian's or another) is kept; otherwise Debian's nodejs and npm.
ensure_oidc_provider() {
  local dir="$EFACTURA_ROOT/tools/oidc-provider"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ensure_packages nodejs npm
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
     || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Installing the local OpenID provider (npm ci in tools/oidc-provider)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# axe-core (tools/axe, from the npm registry): the accessibility rules the browser tests run
# over the main pages, and the screenshots script.
ensure_axe() {
  local dir="$EFACTURA_ROOT/tools/axe"
  if ! command -v npm >/dev/null 2>&1; then
    ensure_packages nodejs npm
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
     || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Installing axe-core (npm ci in tools/axe)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_env() {
  PYTHON="$(find_python)" || die "efactura needs Python >= 3.12; install it (e.g. apt-get install python3.12) or set EFACTURA_PYTHON"
  ensure_uv
  say "Syncing the locked Python environment (.venv) with $PYTHON"
  (cd "$EFACTURA_ROOT" && "$UV" sync --locked --python "$PYTHON" "$@")
}
