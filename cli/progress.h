#pragma once
// A progress line on stderr: rewritten in place on a terminal; on a pipe or file, one line per tenth of the work
// (and the last), so logs stay readable.
#include <fmt/core.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <string>

namespace coda::cli {

class ProgressLine {
 public:
  ProgressLine(std::string what, std::string unit)
      : what_(std::move(what)), unit_(std::move(unit)), tty_(::isatty(STDERR_FILENO) != 0) {}

  void update(std::size_t done, std::size_t total, double elapsed_s) {
    if (total == 0) return;
    const std::size_t tenth = done * 10 / total;
    if (!tty_ && done != total && tenth == last_tenth_) return;
    last_tenth_ = tenth;
    fmt::print(stderr, "{}{}: {}/{} {}  {:.1f} s{}", tty_ ? "\r" : "", what_, done, total, unit_, elapsed_s,
               tty_ && done != total ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  std::string what_, unit_;
  bool tty_;
  std::size_t last_tenth_ = static_cast<std::size_t>(-1);
};

}  // namespace coda::cli
