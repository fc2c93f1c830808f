#!/usr/bin/env bash
# The GPU checks of the CUDA build, for a machine with CUDA, CMake, ninja and a CUDA PyTorch 2.x
# install (whose LibTorch and NCCL vdep builds against) but none of vdep's other libraries: it
# unpacks what scripts/gpu/pack-deps.sh gathered into .gpu-deps/, builds vdep with CUDA, then runs
#   1. pretrain_step_bench at a ~1B LLM (TinyLlama-1.1B) with 576 image tokens, bf16 autocast;
#   2. a short toy run as one process of a world of one on the NCCL backend (ZeRO-2), then the
#      same run resumed from its pre-training checkpoint (the GPU's generator state comes back);
#   3. the toy experiment on one GPU;
#   4. the test suites (ctest), with what time is left: on this machine `device = "auto"` is the GPU.
# Logs and results go to $OUT (default: gpu-check/). Usage: scripts/gpu/check.sh [SECONDS]
# where SECONDS (default 560) bounds the whole script: each step gets what is left of it.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-gpu-check}
mkdir -p "$out"
deadline=$(( $(date +%s) + ${1:-560} ))
left() { echo $(( deadline - $(date +%s) )); }
# `timeout` with what is left minus $2, divided by $1, and at least 1 s (`timeout 0` never stops);
# -k: a process stuck in NCCL may not heed SIGTERM.
within() { local s=$(( ($(left) - ${2:-0}) / $1 )); (( s > 0 )) || s=1; echo "-k 10 $s"; }
step() { echo; echo "=== $(date +%T) [$(left) s left] $*"; }

{
step "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch, torch.utils; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI, "prefix", torch.utils.cmake_prefix_path)'
torch_prefix=$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
torch_root=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
ls -d "$torch_root"/include/gloo 2>/dev/null || echo "no gloo headers in $torch_root/include"
ls -d "$torch_root"/../nvidia/*/include/nccl.h 2>/dev/null
c++ --version | head -1; cmake --version | head -1; nvcc --version | tail -1; nproc

step "unpack .gpu-deps"
deps=/opt/vdep-deps
mkdir -p "$deps"
for deb in .gpu-deps/debs/*.deb; do
  if command -v dpkg >/dev/null; then dpkg -x "$deb" "$deps"; else ar p "$deb" data.tar.xz | tar -xJ -C "$deps"; fi
done
lib="$deps/usr/lib/x86_64-linux-gnu"
# Stand-ins first (see pack-deps.sh); lapack/ and blas/ are where Debian's alternatives would point.
export LD_LIBRARY_PATH="$PWD/.gpu-deps/stubs:$lib:$lib/lapack:$lib/blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$deps/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$deps"
pkg_config=$(command -v pkg-config || echo "$deps/usr/bin/pkgconf")
"$pkg_config" --modversion tomlplusplus sentencepiece || exit 1

step "configure"
# spdlog was built against Debian's fmt 9, and so must the code that calls it be; LibTorch ships
# its own fmt among its headers, which come first. -I folders are searched before -isystem ones.
mkdir -p "$deps/fmt-first" && ln -sfn "$deps/usr/include/fmt" "$deps/fmt-first/fmt"
ls -d "$torch_root/include/fmt" 2>/dev/null && grep -m1 "define FMT_VERSION" "$torch_root/include/fmt/base.h" "$torch_root/include/fmt/core.h" 2>/dev/null
export CUDACXX=$(command -v nvcc) TORCH_CUDA_ARCH_LIST=9.0
# The system's g++, not $CXX: the lent machine's CXX (/opt/gcc/bin/g++) left libstdc++ out of the
# binaries, which then took the copies of it that LibTorch exports (see docs/distributed.md).
cmake -S . -B build-cuda -G Ninja -DCMAKE_CXX_COMPILER="$(command -v g++)" -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS=-I$deps/fmt-first" "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON \
  "-DCMAKE_PREFIX_PATH=$torch_prefix;$deps/usr" -DPKG_CONFIG_EXECUTABLE="$pkg_config" 2>&1 |
  grep -v "^-- \(Looking\|Performing\|Check\|Detecting\)" || exit 1

step "build"
# A unity build (CMake batches a target's sources into a few files) parses LibTorch's headers a
# few times instead of once per file: device time is short. The programs the checks run first.
bin=build-cuda/bin
timeout $(within 1 60) cmake --build build-cuda -j "$(nproc)" -- -k 0 vdep-run pretrain_step_bench \
  vdep_encoder_clip_vit vdep_llm_llama vdep_objective_lm vdep_objective_vdep vdep_objective_contrastive \
  vdep_dataset_shapes || { echo "build failed"; exit 1; }
needed=$(readelf -d $bin/vdep-run | awk '/NEEDED/ {printf "%s ", $NF}')
echo "libraries of vdep-run, in the order the dynamic linker searches them: $needed"
# See docs/distributed.md: LibTorch's exported copies of libstdc++ must not come first.
[[ $needed == "[libstdc++"* ]] || echo "WARNING: libstdc++ is not vdep-run's first library: expect crashes"

step "pretrain_step_bench: tinyllama-1.1b, 576 image tokens, bf16"
timeout $(within 4) $bin/pretrain_step_bench --device cuda --preset tinyllama-1.1b --batch 16 --text 64 \
  --iterations 5 --warmup 2 --precision bf16 --peak-tflops 989 | tee "$out/pretrain_step_bench.txt"

toy=experiments/toy_shapes.toml
rm -rf runs/toy_nccl runs/toy_shapes  # an earlier call on the same machine left them
step "NCCL, world size 1 (ZeRO-2): short toy run"
RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=29533 \
  timeout $(within 3) $bin/vdep-run $toy --set name=toy_nccl --set device=cuda \
  --set distributed.backend=nccl --set distributed.strategy=zero2 \
  --set stage.encoder.epochs=1 --set stage.sft.epochs=1
echo "exit $?"
cp runs/toy_nccl/metrics.jsonl "$out/nccl_metrics_first.jsonl" 2>/dev/null
step "NCCL, world size 1: the same run resumed from its pretrain checkpoint"
# vdep resumes from the latest checkpoint only: the SFT ones move aside.
pretrained=$(ls -d runs/toy_nccl/checkpoints/pretrain-step-* | sort -V | tail -1)
mkdir -p runs/toy_nccl/first-sft && mv runs/toy_nccl/checkpoints/sft-step-* runs/toy_nccl/first-sft/
RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=29534 \
  timeout $(within 3) $bin/vdep-run $toy --set name=toy_nccl --set device=cuda \
  --set distributed.backend=nccl --set distributed.strategy=zero2 \
  --set stage.encoder.epochs=1 --set stage.sft.epochs=1 --resume "$pretrained"
echo "exit $?"
cp runs/toy_nccl/metrics.jsonl "$out/nccl_metrics.jsonl" 2>/dev/null

step "toy experiment on one GPU"
start=$(date +%s)
timeout $(within 2) $bin/vdep-run $toy --set device=cuda
echo "exit $? after $(( $(date +%s) - start )) s"
cp runs/toy_shapes/eval.json "$out/toy_eval.json" 2>/dev/null
cp runs/toy_shapes/metrics.jsonl "$out/toy_metrics.jsonl" 2>/dev/null

step "the rest of the build: test suites and benchmarks"
timeout $(within 1 90) cmake --build build-cuda -j "$(nproc)" -- -k 0
step "tests"
timeout $(within 1 5) ctest --test-dir build-cuda -j "$(nproc)" --timeout 120 --output-on-failure | tee "$out/ctest.txt"
step "done"
} 2>&1 | tee "$out/check.log"
