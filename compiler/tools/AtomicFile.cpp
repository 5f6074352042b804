//===- AtomicFile.cpp - Output files that appear whole or not at all ------===//

#include "compiler/tools/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ingot::tools {

mlir::LogicalResult writeAtomically(StringRef path, StringRef contents) {
  if (path == "-") {
    outs() << contents;
    outs().flush();
    if (outs().has_error()) {
      errs() << "<stdout>: cannot write: " << outs().error().message() << "\n";
      outs().clear_error();
      return mlir::failure();
    }
    return mlir::success();
  }
  SmallString<256> temp;
  int fd;
  SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  if (std::error_code ec = sys::fs::createUniqueFile(model, fd, temp)) {
    errs() << path << ": cannot write: " << ec.message() << "\n";
    return mlir::failure();
  }
  {
    raw_fd_ostream out(fd, /*shouldClose=*/true);
    out << contents;
    out.flush();
    if (out.has_error()) {
      errs() << path << ": cannot write: " << out.error().message() << "\n";
      out.clear_error();
      sys::fs::remove(temp);
      return mlir::failure();
    }
  }
  if (std::error_code ec = sys::fs::rename(temp, path)) {
    errs() << path << ": cannot write: " << ec.message() << "\n";
    sys::fs::remove(temp);
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace ingot::tools
