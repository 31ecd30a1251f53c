#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses of Fuzz/Harnesses (issue 10).
#
#   Tools/fuzz.sh <target|all> [seconds=60] [jobs=1]
#   Tools/fuzz.sh build [target|all]
#   targets: zip unpickler pth onnx avi haar groundtruth png
#
# Each module under test is compiled straight from Sources/ with -sanitize=fuzzer,address
# (no SwiftPM), into .build-fuzz/. ONNX needs only the graph IR of NN (Sources/NN/Graph) and
# the RPPG harnesses only Video/, Face/, Image/ and the ground-truth parser, so no kernels are built.
# Bounds of every run (a finding when exceeded, see docs/bad-input.md):
#   -rss_limit_mb=2048     resident memory of the whole process
#   -malloc_limit_mb=1024  any single allocation
#   -timeout=10            seconds for one input (a hang)
#   -max_len=1048576       input size (inputs are files a user may pass)
# Crashes, leaks, ooms and timeouts are written to Fuzz/findings/<target>/; the live corpus
# grows in .build-fuzz/corpus/<target>/ (the committed seeds in Fuzz/corpus/<target>/ and past
# findings in Fuzz/regressions/<target>/ are read-only inputs, replayed on every run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/.build-fuzz
mkdir -p "$B"
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -enable-testing -I "$B" -I "$ROOT/Sources/CBLAS" -I "$ROOT/Sources/CZlib")
ALL=(zip unpickler pth onnx avi haar groundtruth png)

# lib <module> <sources...>: builds .build-fuzz/lib<module>.a when a source is newer.
lib() {
    local name=$1; shift
    local out=$B/lib$name.a
    if [[ -f $out ]] && [[ -z $(find "$@" -newer "$out" 2>/dev/null | head -1) ]]; then return; fi
    echo "fuzz: building module $name" >&2
    (cd "$B" && swiftc "${FLAGS[@]}" -emit-module -emit-library -static -module-name "$name" "$@" -o "$out")
}

harness() {  # harness <target> <Harness.swift> <libs...>
    local target=$1 file=$2; shift 2
    local out=$B/$target-fuzz
    local srcs=("$ROOT/Fuzz/Harnesses/Common.swift" "$ROOT/Fuzz/Harnesses/$file")
    if [[ -f $out ]] && [[ -z $(find "${srcs[@]}" "$B"/lib*.a -newer "$out" 2>/dev/null | head -1) ]]; then return; fi
    echo "fuzz: building harness $target" >&2
    local libs=()
    for l in "$@"; do libs+=("-l$l"); done
    (cd "$B" && swiftc "${FLAGS[@]}" -module-name "${file%.swift}" "${srcs[@]}" -L "$B" "${libs[@]}" -lz -lopenblas -o "$out")
}

build() {
    lib TensorCore "$ROOT"/Sources/TensorCore/*.swift
    case $1 in
    zip | unpickler | pth)
        lib TorchIO "$ROOT"/Sources/TorchIO/*.swift ;;
    onnx)
        lib NN "$ROOT"/Sources/NN/Graph/*.swift
        lib ONNX "$ROOT"/Sources/ONNX/*.swift ;;
    avi | haar | groundtruth | png)
        lib RPPG "$ROOT"/Sources/RPPG/Video/*.swift "$ROOT"/Sources/RPPG/Face/*.swift "$ROOT"/Sources/RPPG/Image/*.swift \
            "$ROOT"/Sources/RPPG/Dataset/GroundTruth.swift "$ROOT"/Sources/RPPG/Dataset/DatasetError.swift ;;
    esac
    case $1 in
    zip) harness zip ZipFuzz.swift TorchIO TensorCore ;;
    unpickler) harness unpickler UnpicklerFuzz.swift TorchIO TensorCore ;;
    pth) harness pth PthFuzz.swift TorchIO TensorCore ;;
    onnx) harness onnx ONNXFuzz.swift ONNX NN TensorCore ;;
    avi) harness avi AVIFuzz.swift RPPG TensorCore ;;
    haar) harness haar HaarFuzz.swift RPPG TensorCore ;;
    groundtruth) harness groundtruth GroundTruthFuzz.swift RPPG TensorCore ;;
    png) harness png PNGFuzz.swift RPPG TensorCore ;;
    *) echo "unknown target $1 (one of: ${ALL[*]})" >&2; exit 2 ;;
    esac
}

run() {  # run <target> <seconds> <jobs>
    local target=$1 secs=$2 jobs=$3
    build "$target"
    local live=$B/corpus/$target findings=$ROOT/Fuzz/findings/$target
    mkdir -p "$live" "$findings"
    local par=()
    [[ $jobs -gt 1 ]] && par=(-jobs="$jobs" -workers="$jobs")
    local regressions=()
    [[ -d $ROOT/Fuzz/regressions/$target ]] && regressions=("$ROOT/Fuzz/regressions/$target")
    local dict=()
    [[ -f $ROOT/Fuzz/dict/$target.dict ]] && dict=(-dict="$ROOT/Fuzz/dict/$target.dict")
    echo "fuzz: running $target for ${secs}s" >&2
    # ASan: leaks are findings too (detect_leaks=1 is libFuzzer's default on Linux).
    # SWIFT_BACKTRACE=enable=no: a Swift trap goes straight to libFuzzer's crash handler (the
    # runtime's backtracer would otherwise outlive the crash and hold the log pipe open).
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
        "$B/$target-fuzz" "$live" "$ROOT/Fuzz/corpus/$target" "${regressions[@]}" "${dict[@]}" \
        -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
        -max_len=1048576 "${par[@]}" -print_final_stats=1 \
        -artifact_prefix="$findings/" 2>&1 | tee "$B/$target.log" | grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|stat::|ERROR|SUMMARY|Test unit written" || true
    if ls "$findings"/* >/dev/null 2>&1; then echo "fuzz: $target FINDINGS in $findings" >&2; return 1; fi
}

target=${1:-all}
secs=${2:-60}
jobs=${3:-1}
if [[ $target == build ]]; then
    if [[ ${2:-all} == all ]]; then for t in "${ALL[@]}"; do build "$t"; done; else build "$2"; fi
elif [[ $target == all ]]; then
    status=0
    for t in "${ALL[@]}"; do run "$t" "$secs" "$jobs" || status=1; done
    exit $status
else
    run "$target" "$secs" "$jobs"
fi
