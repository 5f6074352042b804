//===- AtomicFile.h - Output files that appear whole or not at all --------===//

#ifndef INGOT_COMPILER_TOOLS_ATOMICFILE_H
#define INGOT_COMPILER_TOOLS_ATOMICFILE_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

namespace ingot::tools {

/// Writes `contents` to `path` through a temporary file in the same
/// directory and a rename, so a failure never leaves a partial file. Prints
/// one line naming the path on failure. A path of "-" is standard output.
mlir::LogicalResult writeAtomically(llvm::StringRef path, llvm::StringRef contents);

} // namespace ingot::tools

#endif // INGOT_COMPILER_TOOLS_ATOMICFILE_H
