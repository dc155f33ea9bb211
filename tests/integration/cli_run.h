// Running the real `coda` binary from integration tests: a scratch directory per run, stdout/stderr captured.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace coda::testing {

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A fresh directory under the system temp dir, unique per process and call.
inline fs::path scratch(const std::string& prefix) {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / (prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  fs::create_directories(d);
  return d;
}

// Runs `coda ARGS` from the source directory; stdout and stderr go to DIR/out and DIR/err.
inline CliRun coda(const std::string& args, const fs::path& dir) {
  const std::string cmd = std::string("cd '") + CODA_SOURCE_DIR + "' && '" + CODA_BINARY + "' " + args + " >'" +
                          (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

}  // namespace coda::testing
