#!/usr/bin/env bash
# Installs everything Ingot needs to build and test, idempotently.
# Debian packages through apt-get, Python packages through the machine's python3 -m pip.
set -euo pipefail

APT_PACKAGES=(
  cmake ninja-build ccache g++ make pkg-config
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools lld-19 clang-19
  libprotobuf-dev protobuf-compiler libonnx-dev
  libgtest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
)
# matplotlib draws the benchmark's chart; IREE runs beside Ingot in it.
PIP_PACKAGES=(onnx onnxruntime numpy pytest nanobind lit matplotlib iree-base-compiler iree-base-runtime)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c "import onnx, onnxruntime, numpy, pytest, nanobind, lit, matplotlib, iree.compiler, iree.runtime" 2>/dev/null; then
  echo "setup: installing Python packages: ${PIP_PACKAGES[*]}"
  python3 -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi
