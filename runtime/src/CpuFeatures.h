//===- CpuFeatures.h - What this host's CPU can run -----------------------===//

#ifndef INGOT_RUNTIME_SRC_CPUFEATURES_H
#define INGOT_RUNTIME_SRC_CPUFEATURES_H

#include <string>

namespace ingot::runtime {

/// Whether this host supports `feature` (an LLVM name from
/// artifact::kCpuFeatures), counting the OS's support for the registers.
/// Unknown names are unsupported.
bool hostHasCpuFeature(const std::string &feature);

} // namespace ingot::runtime

#endif // INGOT_RUNTIME_SRC_CPUFEATURES_H
