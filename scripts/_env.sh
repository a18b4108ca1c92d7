# Shared by scripts/start and scripts/test: a project virtualenv kept in step
# with pyproject.toml. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"; else sudo -n "$@"; fi
}

apt_install() {
  echo "==> apt-get install $*"
  if [ -z "${_SLRT_APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    _SLRT_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  # The distribution's own build first: Debian's python3.11 is compiled with
  # PGO and LTO, and ran bench/load_register.py about 15% faster on the same
  # machine than a python3.11 built from source (pyenv) found earlier on PATH.
  for candidate in /usr/bin/python3.11 python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 atau lebih baru tidak ditemukan." >&2
  return 1
}

ensure_venv() {
  # $1: the extras to install ("" or "dev")
  local extras="${1:-}" spec="." stamp
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x "$VENV/bin/python" ]; then
    local py; py="$(find_python)"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      "$py" -m venv "$VENV"
    fi
  fi
  # The versions come from constraints.txt (the set the tests passed with); a change to
  # it or to pyproject.toml installs again.
  stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras:-base}"
  if [ ! -f "$stamp" ]; then
    echo "==> pip install -c constraints.txt -e '$spec'"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -c constraints.txt -e "$spec"
    touch "$stamp"
  fi
}

flask() {
  "$VENV/bin/python" -m flask --app wsgi "$@"
}
