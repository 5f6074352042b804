//===- RunCommands.h - `ingot run` and `ingot inspect` --------------------===//
//
// Both load artifacts only through the runtime library, as a deployment
// host would.
//
//===----------------------------------------------------------------------===//

#ifndef INGOT_COMPILER_TOOLS_RUNCOMMANDS_H
#define INGOT_COMPILER_TOOLS_RUNCOMMANDS_H

#include "llvm/Support/CommandLine.h"

namespace ingot::tools {

extern llvm::cl::SubCommand runCommand;
extern llvm::cl::SubCommand inspectCommand;

/// `ingot run`: exit code 0, or 1 after one line saying what is wrong.
int runArtifact();
/// `ingot inspect`: exit code 0, or 1 after one line saying what is wrong.
int inspectArtifact();

} // namespace ingot::tools

#endif // INGOT_COMPILER_TOOLS_RUNCOMMANDS_H
