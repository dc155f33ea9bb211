#include "sim/report/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <vector>

#include "sim/config/diagnostics.h"
#include "sim/report/report.h"

extern char** environ;

namespace coda::report {

namespace fs = std::filesystem;

namespace {
std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Removes the temporary files however render_plot leaves.
struct TempFiles {
  std::vector<fs::path> paths;
  ~TempFiles() {
    std::error_code ec;
    for (const auto& p : paths) fs::remove(p, ec);
  }
};
}  // namespace

void check_plot_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext != ".png" && ext != ".svg" && ext != ".pdf")
    throw config::InputError({"<--plot " + path + ">", 0, 0}, "", "the plot file must end in .png, .svg or .pdf");
}

std::string plot_script() {
  if (const char* env = std::getenv("CODA_PLOT_SCRIPT"); env && *env) return env;
  return (fs::path(CODA_SOURCE_DIR) / "scripts" / "plot.py").string();
}

void render_plot(const nlohmann::ordered_json& report, const std::string& path) {
  const std::string script = plot_script();
  std::error_code ec;
  if (!fs::is_regular_file(script, ec))
    throw PlotError(fmt::format("cannot plot: the plotting script {} is missing (set CODA_PLOT_SCRIPT)", script));
  static std::atomic<unsigned> counter{0};
  const fs::path base = fs::temp_directory_path(ec) / fmt::format("coda-plot-{}-{}", getpid(), counter++);
  TempFiles tmp;
  const fs::path json = base.string() + ".json", log = base.string() + ".log";
  tmp.paths = {json, log};
  write_file_atomic(json.string(), report.dump() + "\n");

  // Interpreters to try: $CODA_PYTHON, else python3 on PATH and then Debian's /usr/bin/python3 (where
  // python3-matplotlib installs) when the first lacks matplotlib (the script's exit code 3).
  std::vector<std::string> pythons;
  if (const char* env = std::getenv("CODA_PYTHON"); env && *env) {
    pythons.push_back(env);
  } else {
    pythons = {"python3"};
    if (fs::exists("/usr/bin/python3", ec)) pythons.push_back("/usr/bin/python3");
  }
  int status = 0;
  bool ran = false;
  for (const auto& python : pythons) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    std::string py = python, s = script, js = json.string(), out = path;
    std::vector<char*> argv{py.data(), s.data(), js.data(), out.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, py.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) continue;
    ran = true;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    // 3: this interpreter lacks matplotlib; 127: a wrapper (pyenv shim) found no interpreter. Else a real failure.
    if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127))) break;
  }
  if (!ran)
    throw PlotError("cannot plot: python3 is not installed; install python3 and python3-matplotlib (scripts/setup.sh)");
  std::ifstream f(log);
  std::stringstream msg;
  msg << f.rdbuf();
  std::string text = msg.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  throw PlotError(fmt::format("cannot plot {}: {} failed{}{}", path, script, text.empty() ? "" : ":\n", text));
}

}  // namespace coda::report
