# Ingot: the two commands the README starts with, and the steps behind them.
#   make demo   set up, build, compile ResNet-50 and a BERT-style encoder, run them
#               and compare with ONNX Runtime
#   make test   set up, build, run every test (lit, unit, Python, sanitizers)

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
LLVM_DIR ?= /usr/lib/llvm-19
JOBS ?= $(shell nproc)
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=$(LLVM_DIR)/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=$(LLVM_DIR)/build/utils/lit/lit.py

.PHONY: setup build demo bench bench-kernels test test-lit test-unit test-python test-conformance conformance test-asan clean

setup:
	bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: setup $(BUILD_DIR)/build.ninja
	ninja -C $(BUILD_DIR) -j $(JOBS)

demo: build
	python3 examples/demo.py --build-dir $(BUILD_DIR)

test-lit: build
	ninja -C $(BUILD_DIR) check-ingot

test-unit: build
	$(BUILD_DIR)/test/unit/ingot-unit-tests

test-python: build
	INGOT_BUILD_DIR=$(BUILD_DIR) python3 -m pytest -q test/python

# Every ONNX backend case, both modes, checked against expectations.txt.
test-conformance: build
	python3 test/onnx_backend/conformance.py --build-dir $(BUILD_DIR)

# The same, also through ONNX Runtime, writing the checked-in report.
conformance: build
	python3 test/onnx_backend/conformance.py --build-dir $(BUILD_DIR) --onnxruntime \
	  --report test/onnx_backend/REPORT.md

# Ingot next to ONNX Runtime (and IREE), one run: the GEMMs, the transformers,
# the CNNs; then each micro-kernel alone (Google Benchmark).
bench: build
	python3 bench/compare.py --iree --build-dir $(BUILD_DIR)
	$(MAKE) bench-kernels

bench-kernels: build
	mkdir -p bench/results
	$(BUILD_DIR)/bench/kernels/ingot-kernel-bench --benchmark_min_time=0.2 \
	  --benchmark_out=bench/results/$$(date +%F)-kernels.json --benchmark_out_format=json

# The lit, unit and Python suites again, built with AddressSanitizer and UBSan.
test-asan: setup
	cmake -S . -B $(ASAN_BUILD_DIR) $(CMAKE_FLAGS) -DINGOT_ENABLE_SANITIZERS=ON
	ninja -C $(ASAN_BUILD_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ninja -C $(ASAN_BUILD_DIR) check-ingot
	ASAN_OPTIONS=detect_leaks=1 $(ASAN_BUILD_DIR)/test/unit/ingot-unit-tests
	# Python loads the sanitized runtime module, so the sanitizer runtimes go
	# first; CPython's own allocations at exit are not leaks of ours.
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=0 INGOT_BUILD_DIR=$(ASAN_BUILD_DIR) python3 -m pytest -q test/python

test: test-lit test-unit test-python test-conformance test-asan

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
