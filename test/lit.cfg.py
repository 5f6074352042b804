# lit configuration for Ingot's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Ingot"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtext", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "python"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ingot_obj_root, "test")

llvm_config.with_system_environment(["HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["ingot-opt", "ingot-translate", "ingot"], [config.ingot_tools_dir])
config.substitutions.append(("%python", "python3"))
config.substitutions.append(("%ingot-c-api-check",
                             os.path.join(config.ingot_test_tools_dir, "ingot-c-api-check")))
if config.ingot_sanitizers:
    config.available_features.add("sanitizers")
