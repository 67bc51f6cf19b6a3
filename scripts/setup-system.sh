#!/usr/bin/env bash
# Install the system packages the project needs on Debian/Ubuntu:
# CJK fonts, Pango and HarfBuzz-Subset for WeasyPrint, poppler for PDF tests,
# gettext for translations, chromium for browser tests, docker-compose to
# validate docker-compose.yml. Skips what is already installed.
set -euo pipefail

packages=(
  fonts-noto-cjk fonts-arphic-ukai
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  poppler-utils gettext chromium docker-compose
)

# A bare Debian/Ubuntu python3 has no venv module until python3-venv is installed.
python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup-system: not a Debian/Ubuntu system; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup-system: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Without HarfBuzz-Subset WeasyPrint falls back to fontTools: ~40x slower with CJK fonts.
if ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then
  echo "setup-system: libharfbuzz-subset.so.0 is missing; PDF rendering would be very slow" >&2
  exit 1
fi
