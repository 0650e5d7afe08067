#!/usr/bin/env bash
# Builds the library, the CLI and the unit tests with AddressSanitizer and UndefinedBehavior-
# Sanitizer into ./build-asan, and runs the fast tests there; any report fails the run.
# libtorch, OpenCV, OpenBLAS and libgomp are not instrumented (Debian's builds); what they do
# inside themselves is only suppressed where scripts/sanitizers/*.supp says why.
#
#   scripts/run-sanitizers.sh            build and run the fast tests
#   IMPASTO_ASAN_FILTER='Serve*' ...     another gtest filter
set -euo pipefail
cd "$(dirname "$0")/.."

# The fast tests: everything except suites that run whole optimisations or the CLI end to end
# (minutes under the sanitizers, and what they cover is the same library code).
FAST_TESTS='-*Cli*:Backbones*:Bench*:Animation*:TiledOptimisation*:ServeFaults*:CrossFormat*:AudioSynthesis*'
FAST_TESTS+=':SlurmCluster*:SpatialControls*:Doodle*:Controls*:Finishing*:*Photorealis*:StudioMedia*:Tuner*'
FILTER="${IMPASTO_ASAN_FILTER:-$FAST_TESTS}"

# -O1, as the ASan documentation advises: reasonable speed, and reports keep their frames.
# -fno-sanitize-recover: the first undefined behaviour aborts the test that hit it.
FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
start=$(date +%s)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMPASTO_BUILD_TESTS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > /dev/null
cmake --build build-asan -j "$(nproc)" --target impasto_tests
built=$(date +%s)

supp="$PWD/scripts/sanitizers"
# allocator_may_return_null=1: libhdf5 asks malloc for the sizes a damaged file declares (exabytes,
# in the fuzz tests) and handles the NULL it gets as a read error; ASan would abort instead.
# detect_container_overflow=0: std::vector annotations are only half there when vectors cross
# into the uninstrumented libtorch/OpenCV, which reports overflows that are not (ASan FAQ).
export ASAN_OPTIONS="detect_container_overflow=0:allocator_may_return_null=1:detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
(cd build-asan && ./impasto_tests --gtest_filter="$FILTER" --gtest_brief=1)
end=$(date +%s)
echo "sanitizers: clean (build $((built - start)) s, tests $((end - built)) s, filter $FILTER)"
