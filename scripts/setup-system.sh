#!/usr/bin/env bash
# Install the system packages the project needs on Debian/Ubuntu (with sudo when not root).
# Required: CJK fonts (FandolFang 仿宋 comes out of texlive-lang-chinese: scripts/install-fandol.sh), Pango and HarfBuzz-Subset for WeasyPrint, poppler for the PDF tests, venv.
# For the test suite: gettext (catalogue checks), chromium (browser tests), docker-compose (compose
# file check); where a distribution lacks one of these, the tests that need it skip and say why. npm (with
# nodejs) installs ofd.js for the OFD reader test in chromium (scripts/ofdjs.sh).
set -euo pipefail

required=(fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-ukai fonts-symbola fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)
optional=(gettext chromium docker-compose)
# A bare Debian/Ubuntu python3 has no venv module until python3-venv is installed.
python3 -c "import ensurepip, venv" 2>/dev/null || required+=(python3-venv)
# Any npm will do (one from NodeSource's nodejs too): Debian's only when there is none.
command -v npm >/dev/null || optional+=(nodejs npm)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for pkg in "${required[@]}" "${optional[@]}"; do installed "$pkg" || missing+=("$pkg"); done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup-system: not a Debian/Ubuntu system; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup-system: installing ${missing[*]}"
  $sudo apt-get update -qq
  export DEBIAN_FRONTEND=noninteractive
  for pkg in "${missing[@]}"; do
    if ! $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null; then
      if [[ " ${required[*]} " == *" $pkg "* ]]; then
        echo "setup-system: could not install $pkg, which the project needs" >&2
        exit 1
      fi
      echo "setup-system: $pkg is not available here; the tests that need it will be skipped" >&2
    fi
  done
fi

# The free 仿宋: one font file taken out of texlive-lang-chinese (not the package and its TeX Live).
if ! fc-list | grep -q FandolFang-Regular.otf; then
  [ ${#missing[@]} -gt 0 ] || { [ "$(id -u)" -eq 0 ] && apt-get update -qq || sudo apt-get update -qq; }
  "$(dirname "$0")/install-fandol.sh"
fi

# Without HarfBuzz-Subset WeasyPrint falls back to fontTools: ~40x slower with CJK fonts.
# (grep reads everything: with pipefail, grep -q could stop early and fail the pipe with SIGPIPE.)
if ! ldconfig -p | grep libharfbuzz-subset.so.0 >/dev/null; then
  echo "setup-system: libharfbuzz-subset.so.0 is missing; PDF rendering would be very slow" >&2
  exit 1
fi
