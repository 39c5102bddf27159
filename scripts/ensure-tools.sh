#!/usr/bin/env bash
# Install what `make demo` and `make test` need on a fresh Debian machine that has only Python:
# uv (from PyPI), the locked environment, ffmpeg (and fonts for burned-in watermarks, espeak-ng
# for test speech) from Debian's packages. Each step runs only when its tool is missing.
set -euo pipefail

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then return; fi
  if [ -x "$HOME/.local/bin/uv" ]; then return; fi
  log "installing uv from PyPI"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
}

ensure_packages() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_uv
ensure_packages
