#!/usr/bin/env bash
# Install FandolFang-Regular.otf, the free 仿宋 (all 6,763 GB2312 hanzi; GPL with font exception),
# taken out of Debian's texlive-lang-chinese package rather than installing it: the package would pull
# in TeX Live (22 packages with --no-install-recommends, hundreds of MB) for one 7 MB font file.
# Idempotent; needs root (or sudo) and apt. Used by scripts/setup-system.sh and the Dockerfile.
set -euo pipefail

dest=/usr/local/share/fonts/fandol
font=FandolFang-Regular.otf
if [ -s "$dest/$font" ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # apt's _apt user writes the download here
(cd "$work" && apt-get download -qq texlive-lang-chinese 2>/dev/null)
deb=$(ls "$work"/texlive-lang-chinese_*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" \
  "./usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$font" \
  ./usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz ./usr/share/doc/texlive-doc/fonts/fandol/README
$sudo install -d "$dest"
$sudo install -m 644 "$work/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$font" \
  "$work/usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz" "$work/usr/share/doc/texlive-doc/fonts/fandol/README" "$dest/"
$sudo fc-cache -f "$dest" >/dev/null
echo "install-fandol: installed $dest/$font"
