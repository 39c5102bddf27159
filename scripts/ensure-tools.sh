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

# uv must answer the two ways the Makefile calls it: `uv` on PATH (it prepends ~/.local/bin) and
# `python3 -m uv` (its fallback when uv was not on PATH as make started, as on a fresh machine).
# Debian's python3 refuses `pip install` into itself or the user site (PEP 668) and may have no
# pip at all, so uv goes into a private folder with `pip install --target` (which PEP 668 allows):
# the binary is linked into ~/.local/bin and a .pth in the user site lets `python3 -m uv` import it.
UV_HOME="$HOME/.local/share/slate/uv"
LOCAL_BIN="$HOME/.local/bin"

uv_answers() {
  local found
  found="$(command -v uv 2>/dev/null || true)"
  # a uv on PATH outside ~/.local/bin was on PATH before make started: the Makefile uses it
  if [ -n "$found" ] && [ "$(dirname "$found")" != "$LOCAL_BIN" ]; then return 0; fi
  [ -n "$found" ] || [ -x "$LOCAL_BIN/uv" ] || return 1
  python3 -m uv --version >/dev/null 2>&1
}

# pip of a throwaway venv (needs Debian's python3-venv, which carries its own pip)
uv_from_venv() {
  python3 -m venv --clear "$UV_HOME/venv" >/dev/null 2>&1 || return 1
  "$UV_HOME/venv/bin/python" -m pip install --quiet --root-user-action=ignore --upgrade --target "$UV_HOME/pkg" uv || return 1
  rm -rf "$UV_HOME/venv"
}

# the system's pip, which allows --target despite PEP 668 (needs Debian's python3-pip)
uv_from_system_pip() {
  python3 -m pip --version >/dev/null 2>&1 || return 1
  python3 -m pip install --quiet --root-user-action=ignore --upgrade --target "$UV_HOME/pkg" uv
}

register_uv() {
  local site
  [ -x "$UV_HOME/pkg/bin/uv" ] || { log "uv was installed but $UV_HOME/pkg/bin/uv is missing"; return 1; }
  mkdir -p "$LOCAL_BIN"
  # never replace a uv the user put there; only our own (possibly stale) link
  if [ ! -e "$LOCAL_BIN/uv" ] || [ "$(readlink "$LOCAL_BIN/uv")" = "$UV_HOME/pkg/bin/uv" ]; then
    ln -sfn "$UV_HOME/pkg/bin/uv" "$LOCAL_BIN/uv"
  fi
  site="$(python3 -m site --user-site)"
  mkdir -p "$site"
  printf '%s\n' "$UV_HOME/pkg" >"$site/slate-uv.pth"
}

ensure_uv() {
  if uv_answers; then return; fi
  log "installing uv from PyPI into $UV_HOME"
  mkdir -p "$UV_HOME"
  if ! uv_from_venv && ! uv_from_system_pip; then
    log "python3 has neither venv nor pip: installing python3-venv and python3-pip from Debian"
    apt_install python3-venv python3-pip
    uv_from_venv || uv_from_system_pip
  fi
  register_uv
  if ! uv_answers; then
    log "uv is installed in $UV_HOME/pkg but 'python3 -m uv' does not run it (is the user site disabled?)"
    return 1
  fi
  log "uv $("$LOCAL_BIN/uv" --version | cut -d' ' -f2) ready: $LOCAL_BIN/uv and python3 -m uv"
}

ensure_packages() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
  # the workspace's browser tests drive Debian's Chromium through its own driver (Selenium)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

ensure_uv
ensure_packages
