# Sourced by the scripts: make .venv with Python 3.11 and install a requirements file when it changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
ensure_venv() {
  local req="$1" stamp=".venv/.installed-$(basename "$1")"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local want; want="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing $req into .venv ..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$req"
    echo "$want" > "$stamp"
  fi
  .venv/bin/flask --app wsgi i18n compile >/dev/null
}
