#!/usr/bin/env bash
# Installs, from Debian 12's archive, everything vdep needs to build and test.
# Idempotent: packages already present are left alone, and it says what it installs.
# Run as root (or with sudo available).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # LibTorch 1.13 (CPU) with its c10d Gloo backend; OpenBLAS with threads, without which
  # LibTorch's fp32 matmul falls back to the reference BLAS (about 10x slower)
  libtorch-dev libgloo-dev libopenblas0-pthread
  # plugin loading: Boost.DLL, header-only (built on std::filesystem)
  libboost-dev
  # configuration, logging, JSON
  libtomlplusplus-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  # tokenizers: library and the spm_train/spm_encode command-line tools
  libsentencepiece-dev sentencepiece
  # images: core + imgproc for drawing and resampling, imgcodecs for JPEG/PNG/WebP/BMP decoding
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  # tests
  libgtest-dev libgmock-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
