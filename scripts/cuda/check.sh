#!/usr/bin/env bash
# The GPU checks in one run: builds Impasto against the CUDA libtorch of this machine's python3 torch,
# runs the GPU-marked tests (impasto_gpu_tests), `impasto bench --device cuda` in every precision and
# timed 500-iteration runs of VGG-19 and SqueezeNet at 512 px, and writes what it measured to OUTDIR.
#
#   scripts/cuda/check.sh [--sysroot ARCHIVE] [--shared DIR] [--jobs N] OUTDIR
#
# --sysroot: a .tar.xz from scripts/cuda/make-sysroot.py, for a machine without Impasto's Debian
#            build dependencies (the tool's GPU machines have CUDA and PyTorch but no Debian packages).
# --shared:  a folder laid out as ../shared (images/, models/), when the checkout has none beside it.
set -uo pipefail
cd "$(dirname "$0")/../.."
sysroot_archive="" shared="" jobs="$(nproc)"
while [ $# -gt 1 ]; do
  case "$1" in
    --sysroot) sysroot_archive="$2"; shift 2 ;;
    --shared) shared="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "check.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="${1:?usage: scripts/cuda/check.sh [--sysroot ARCHIVE] [--shared DIR] OUTDIR}"
work=/tmp/impasto-cuda-check  # everything; OUTDIR gets check.log, runs.json, bench.json and five pictures
mkdir -p "$out" "$work"
log="$out/check.log"
exec > >(tee -a "$log") 2>&1
start=$SECONDS
stage() { echo; echo "=== [$((SECONDS - start)) s] $*"; }

stage "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
lscpu | grep -E '^Model name|^CPU\(s\)' || true
g++ --version | head -1; cmake --version | head -1
torch_prefix="$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"

cmake_args=()
if [ -n "$sysroot_archive" ]; then
  stage "unpacking the build dependencies ($sysroot_archive)"
  mkdir -p /tmp/impasto-sysroot && tar -C /tmp/impasto-sysroot -xJf "$sysroot_archive" || exit 1
  s=/tmp/impasto-sysroot/sysroot
  export PKG_CONFIG_LIBDIR="$s/usr/lib/x86_64-linux-gnu/pkgconfig:$s/usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$s"
  # DT_RPATH (not RUNPATH): it also finds the libraries that the packed libraries themselves need.
  links="-Wl,-rpath-link,$s/lib -Wl,-rpath,$s/lib -Wl,--disable-new-dtags -Wl,--allow-shlib-undefined"
  cmake_args+=(-DCMAKE_PREFIX_PATH="$s/usr" -DBLA_VENDOR=OpenBLAS
               -DOpenCV_DIR="$s/usr/lib/x86_64-linux-gnu/cmake/opencv4"
               -DCMAKE_CXX_FLAGS="-isystem $s/usr/include -isystem $s/usr/include/x86_64-linux-gnu"
               -DCMAKE_EXE_LINKER_FLAGS="$links" -DCMAKE_SHARED_LINKER_FLAGS="$links")
fi
if [ -n "$shared" ] && [ ! -e ../shared ]; then ln -s "$(realpath "$shared")" ../shared; fi

stage "configuring against the CUDA libtorch"
export PATH="/usr/local/cuda/bin:$PATH"
prefixes="$torch_prefix"
for a in "${cmake_args[@]}"; do case "$a" in -DCMAKE_PREFIX_PATH=*) prefixes="$torch_prefix;${a#-DCMAKE_PREFIX_PATH=}" ;; esac; done
filtered=()
for a in "${cmake_args[@]}"; do case "$a" in -DCMAKE_PREFIX_PATH=*) ;; *) filtered+=("$a") ;; esac; done
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMPASTO_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$prefixes" -DTORCH_CUDA_ARCH_LIST=9.0 ${filtered[@]+"${filtered[@]}"} \
  > "$work/configure.txt" 2>&1 || { tail -40 "$work/configure.txt"; exit 1; }
grep -iE "torch|cuda|opencv" "$work/configure.txt" | head -8
[ -n "$sysroot_archive" ] && export LD_LIBRARY_PATH="$s/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

stage "building impasto_gpu_tests, then impasto, with $jobs jobs"
cmake --build build-cuda --target impasto_gpu_tests -j "$jobs" -- -k 0 > "$work/build.txt" 2>&1
tests_built=$?
cmake --build build-cuda --target impasto -j "$jobs" -- -k 0 >> "$work/build.txt" 2>&1
cli_built=$?
grep -E "error|Error" "$work/build.txt" | head -40
[ $tests_built -eq 0 ] || [ $cli_built -eq 0 ] || { tail -20 "$work/build.txt"; exit 1; }
impasto=build-cuda/impasto

if [ $tests_built -eq 0 ]; then
  stage "GPU-marked tests"
  timeout 300 build-cuda/impasto_gpu_tests --gtest_color=no
fi
[ $cli_built -eq 0 ] || { echo "impasto did not build: no timed runs and no bench"; exit 1; }

stage "timed runs: 500 L-BFGS iterations at 512 px, tubingen x starry_night, noise init"
images=../shared/images
for net in vgg19 squeezenet; do
  weights=(--model-file random)
  [ "$net" = squeezenet ] && weights=(--model-dir ../shared/models)
  for p in fp32 tf32 bf16 fp16; do
    # The device's memory in use, sampled every 100 ms during the run, less what was in use before it
    # (so the CUDA context is included: what a user sees the process hold in nvidia-smi).
    idle_mib=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 2>/dev/null | head -1)
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 100 > "$work/mem_${net}_$p.txt" 2>/dev/null &
    sampler=$!
    t0=$(date +%s.%N)
    timeout 120 $impasto stylize -c $images/tubingen.jpg -s $images/starry_night.jpg --model $net "${weights[@]}" \
      --size 512 --iterations 500 --init noise --device cuda --precision $p --print-every 0 \
      --output "$work/${net}_$p.png" --report "$work/${net}_$p.json" 2>&1 | tail -1
    t1=$(date +%s.%N)
    kill $sampler 2>/dev/null; wait $sampler 2>/dev/null
    peak_mib=$(sort -n "$work/mem_${net}_$p.txt" | tail -1)
    echo "$net $p: $(python3 -c "print(f'{$t1 - $t0:.2f}')") s wall, process start and image writing included;" \
         "peak GPU memory $(( ${peak_mib:-0} - ${idle_mib:-0} )) MiB"
  done
done

stage "bench --device cuda, every precision"
for p in fp32 tf32 bf16 fp16; do
  [ $((SECONDS - start)) -lt 330 ] || { echo "(no time left for --precision $p)"; continue; }
  echo "--- --precision $p"
  timeout 90 $impasto bench --device cuda --precision $p --networks vgg19,squeezenet --sizes 512 --iterations 5 \
    --json "$work/bench_$p.json" --model-dir ../shared/models
done

python3 - "$work" "$out" <<'EOF'
import json, sys
work, out = sys.argv[1], sys.argv[2]
bench = {}
for p in ("fp32", "tf32", "bf16", "fp16"):
    try:
        bench[p] = json.load(open(f"{work}/bench_{p}.json"))
    except (OSError, ValueError):
        pass
json.dump(bench, open(out + "/bench.json", "w"), indent=1)
rows = {}
for net in ("vgg19", "squeezenet"):
    for p in ("fp32", "tf32", "bf16", "fp16"):
        try:
            r = json.load(open(f"{work}/{net}_{p}.json"))
        except (OSError, ValueError):
            continue
        its = r["iterations"]
        pick = [1, 10, 50, 100, 250, 500]
        curve = {i: next((x["total_loss"] for x in its if x["iteration"] == i), None) for i in pick}
        rows[f"{net} {p}"] = {"seconds": its[-1]["seconds"], "curve": curve}
        print(f"{net:10s} {p}: optimisation {its[-1]['seconds']:.2f} s; loss at " +
              ", ".join(f"{i}: {v:.4g}" for i, v in curve.items() if v is not None))
json.dump(rows, open(out + "/runs.json", "w"), indent=1)
EOF
for picture in vgg19_fp32 vgg19_bf16 vgg19_fp16 squeezenet_fp32 squeezenet_fp16; do
  cp "$work/$picture.png" "$out/" 2>/dev/null
done
stage "done"
