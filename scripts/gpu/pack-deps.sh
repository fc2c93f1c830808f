#!/usr/bin/env bash
# Gathers, on a Debian 12 machine with network access to its archive, what scripts/gpu/check.sh
# needs on a GPU machine that has CUDA, CMake, ninja and a PyTorch install but none of vdep's other
# libraries and no package registry. Writes .gpu-deps/ (keep it out of git: .git/info/exclude):
#   debs/   Debian 12 packages: the headers and shared libraries vdep builds against, pkg-config
#   stubs/  stand-ins for the libraries OpenCV's imgcodecs links but never calls when it reads and
#           writes PNG, JPEG and WebP: GDAL, GDCM (DICOM), OpenEXR, OpenJPEG and libtiff come, with
#           all they depend on, to 154 Debian packages and 138 MB of .debs. Each stand-in defines
#           the functions imgcodecs imports from that library, as functions that return 0 (the EXR
#           codec constructs OpenEXR objects when imgcodecs registers its codecs), under the
#           library's soname and symbol version.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu-deps
rm -rf "$out" && mkdir -p "$out/debs" "$out/stubs"

packages=(
  # headers
  libboost1.74-dev libtomlplusplus-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsentencepiece-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  # shared libraries, and what they link that a CUDA image may not have
  libtomlplusplus3 libspdlog1.10 libfmt9 libsentencepiece0 libprotobuf-lite32
  libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406 libtbb12 liblapack3 libblas3 libgfortran5
  libglx0 libglvnd0 libpng16-16 libjpeg62-turbo libwebp7
  # pkg-config, which vdep's CMake uses for toml++ and sentencepiece
  pkgconf pkgconf-bin libpkgconf3
  # the test suites, and the SentencePiece command-line tools the tokenizer tests compare against
  libgtest-dev libgmock-dev sentencepiece
)
if ! (cd "$out/debs" && apt-get download "${packages[@]}" > ../apt.log 2>&1); then
  cat "$out/apt.log" >&2
  exit 1
fi

# The stand-ins are made from the very imgcodecs that travels.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
for deb in "$out"/debs/libopencv-imgcodecs406_*.deb; do dpkg -x "$deb" "$unpacked"; done
imgcodecs=$(find "$unpacked" -name 'libopencv_imgcodecs.so.4*' -type f | head -1)
nm -D --undefined-only "$imgcodecs" | awk '{print $2}' | sed 's/@.*//' | sort -u > "$unpacked/imports"

stub() {  # soname, symbol version ("" for none)
  local soname=$1 version=$2 real
  real=$(ldconfig -p | awk -v n="$soname" '$1 == n && !found {print $NF; found = 1}')
  [ -n "$real" ] || { echo "pack-deps: $soname is not installed here; install it to read its symbols" >&2; exit 1; }
  {
    echo ".text"
    nm -D --defined-only "$real" | awk '{print $3}' | sed 's/@.*//' | sort -u | comm -12 - "$unpacked/imports" |
      while read -r symbol; do
        printf '.globl %s\n.type %s,@function\n%s:\n  xorl %%eax, %%eax\n  ret\n' "$symbol" "$symbol" "$symbol"
      done
  } > "$unpacked/$soname.s"
  local script=()
  if [ -n "$version" ]; then
    echo "$version { global: *; };" > "$unpacked/$soname.map"
    script=("-Wl,--version-script=$unpacked/$soname.map")
  fi
  gcc -shared -nostdlib "-Wl,-soname,$soname" "${script[@]}" -o "$out/stubs/$soname" "$unpacked/$soname.s"
}
stub libgdal.so.32 ""
stub libgdcmMSFF.so.3.0 ""
stub libgdcmDSED.so.3.0 ""
stub libOpenEXR-3_1.so.30 ""
stub libopenjp2.so.7 ""
stub libtiff.so.6 LIBTIFF_4.0

echo "pack-deps: $(ls "$out/debs" | wc -l) packages and $(ls "$out/stubs" | wc -l) stand-ins in $out ($(du -sh "$out" | cut -f1))"
