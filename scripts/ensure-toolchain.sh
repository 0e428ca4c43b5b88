#!/usr/bin/env bash
# ensure-toolchain.sh [--test] — makes sure this machine has what corio
# builds with: emcc (Debian's emscripten, 3.1.6 on bookworm), make, node >= 18,
# OpenSSL's headers (libssl-dev, for native TLS) and a C compiler that links
# sanitized programs (clang, else gcc); with --test also Chromium, for the
# browser tests, openssl, for the TLS test's certificates, clang-format, for
# the format test, and the oldest
# Node package.json admits (scripts/oldest-node.mjs). As root it
# installs missing Debian packages without asking (works with CI=true and no
# stdin); otherwise it names the command to run and fails. Then it runs npm
# ci / npm install if package.json lists packages that node_modules lacks.
# When everything is present it only checks, in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()    # packages without which the build cannot work
prefer=()  # packages the build is better with (clang over gcc)

have() { command -v "$1" >/dev/null 2>&1; }

# Whether compiler $1 has the ASan and UBSan runtimes emscripten.mk's native
# tests link with (Debian's clang has them in libclang-rt-14-dev).
can_sanitize() {
  local lib
  case "$1" in
    clang) lib=$(clang --print-runtime-dir)/libclang_rt.asan-$(uname -m).a ;;
    *) lib=$("$1" -print-file-name=libasan.so) ;;
  esac
  [ -f "$lib" ]
}

have emcc || need+=(emscripten)
have make || need+=(make)
# OpenSSL's headers and libraries: native TLS streams link with them.
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
node_major() { local v; v=$(node --version); v=${v#v}; echo "${v%%.*}"; }
if ! have node || [ "$(node_major)" -lt 18 ]; then
  need+=(nodejs npm)
fi
if [ "${1:-}" = --test ] && ! [ -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
# The native TLS test makes its throwaway CA and certificate with openssl.
if [ "${1:-}" = --test ] && ! have openssl; then
  need+=(openssl)
fi
# The format test checks the C files with clang-format.
if [ "${1:-}" = --test ] && ! have clang-format; then
  need+=(clang-format)
fi
if have clang; then
  can_sanitize clang || need+=(libclang-rt-14-dev)
elif have gcc && can_sanitize gcc; then
  prefer+=(clang libclang-rt-14-dev)
else
  need+=(clang libclang-rt-14-dev)
fi

if [ ${#need[@]} -gt 0 ] || { [ ${#prefer[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; }; then
  packages=("${need[@]}" "${prefer[@]}")
  install="apt-get update && apt-get install -y ${packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-toolchain: missing: ${need[*]}" >&2
    echo "ensure-toolchain: install them as root with:" >&2
    echo "  sudo sh -c '$install'" >&2
    exit 1
  fi
  echo "ensure-toolchain: installing ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q </dev/null
  apt-get install -y -q "${packages[@]}" </dev/null
fi

# npm packages: only when package.json lists some that are not installed.
if ! node -e '
  const p = require("./package.json");
  const names = Object.keys({ ...p.dependencies, ...p.devDependencies });
  const fs = require("fs");
  process.exit(names.every((n) => fs.existsSync(`node_modules/${n}/package.json`)) ? 0 : 1);
'; then
  echo "ensure-toolchain: installing npm packages" >&2
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund </dev/null
  else
    npm install --no-audit --no-fund </dev/null
  fi
fi

# The package tests run the installed package on the oldest Node that
# package.json's engines admits too: fetched once into build/oldest-node/.
if [ "${1:-}" = --test ]; then
  node scripts/oldest-node.mjs >/dev/null
fi
