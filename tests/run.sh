#!/usr/bin/env bash
# The whole check, as the README says and as CI runs it: install what the tests need
# (Python packages, Debian's Chromium and CJK fonts), then lint, type-check, check the import layers and test,
# browser tests included, on every core. Extra arguments go to pytest (e.g. `bash tests/run.sh -k metrics`).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "Installing ${need_apt[*]} (Debian packages) ..."
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

echo "== ruff"
python -m ruff check .
python -m ruff format --check .
echo "== mypy"
python -m mypy
echo "== import layers"
lint-imports --no-cache
echo "== pytest"
# One worker per core, each taking whole test files (module fixtures such as a browser test's server stay
# in one worker); PYTEST_WORKERS=0 runs in one process.
python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
