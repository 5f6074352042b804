//===- NodeLocations.cpp - Locations that name ONNX nodes -----------------===//
//
// The importer gives each graph op the location
//   fused<"OpType">["node name", "file":0:0]
// so diagnostics, and the run-time checks the lowering emits, can say which
// node of which file they are about.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/GraphDialect.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <functional>

using namespace mlir;

namespace ingot::graph {

Location getNodeLocation(MLIRContext *ctx, StringRef file, StringRef nodeName, StringRef opType) {
  return FusedLoc::get(ctx,
                       {NameLoc::get(StringAttr::get(ctx, nodeName)),
                        FileLineColLoc::get(ctx, file, 0, 0)},
                       StringAttr::get(ctx, opType));
}

void describeLocation(Location loc, std::string &file, std::string &node, std::string &op) {
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (auto type = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
      op = type.str();
    for (Location inner : fused.getLocations())
      describeLocation(inner, file, node, op);
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    if (node.empty())
      node = name.getName().str();
    describeLocation(name.getChildLoc(), file, node, op);
  } else if (auto fileLoc = dyn_cast<FileLineColLoc>(loc)) {
    if (file.empty()) {
      file = fileLoc.getFilename().str();
      if (fileLoc.getLine() != 0)
        file += ":" + std::to_string(fileLoc.getLine()) + ":" +
                std::to_string(fileLoc.getColumn());
    }
  } else if (auto callSite = dyn_cast<CallSiteLoc>(loc)) {
    describeLocation(callSite.getCallee(), file, node, op);
  }
}

void collectNodes(Location loc, SmallVectorImpl<std::string> &nodes) {
  std::function<void(Location, StringRef)> visit = [&](Location at, StringRef op) {
    if (auto fused = dyn_cast<FusedLoc>(at)) {
      auto type = dyn_cast_or_null<StringAttr>(fused.getMetadata());
      for (Location inner : fused.getLocations())
        visit(inner, type ? type.getValue() : op);
    } else if (auto name = dyn_cast<NameLoc>(at)) {
      std::string node = op.empty() ? name.getName().str() : (op + " " + name.getName().getValue()).str();
      if (!llvm::is_contained(nodes, node))
        nodes.push_back(node);
    } else if (auto callSite = dyn_cast<CallSiteLoc>(at)) {
      visit(callSite.getCallee(), op);
    }
  };
  visit(loc, "");
}

std::string describeNode(Location loc) {
  std::string file, node, op;
  describeLocation(loc, file, node, op);
  if (node.empty())
    return op.empty() ? std::string("an op") : "a " + op + " op";
  return "node '" + node + "'" + (op.empty() ? "" : " (" + op + ")");
}

} // namespace ingot::graph
