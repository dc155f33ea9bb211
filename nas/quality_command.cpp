#include "nas/quality_command.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

extern char** environ;

namespace coda::nas {

namespace {

// Closes a descriptor once, however the evaluation leaves.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct Pipe {
  Fd read, write;
  explicit Pipe(const std::string& label) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw QualityError(fmt::format("{}: cannot create a pipe: {}", label, std::strerror(errno)));
    read.fd = p[0];
    write.fd = p[1];
  }
};

// Blocks SIGPIPE in this thread while writing to the program, so that a program that exits without reading
// its input makes write() fail with EPIPE instead of killing the search; a SIGPIPE raised meanwhile is
// consumed before the old mask comes back.
struct BlockSigpipe {
  sigset_t old;
  BlockSigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
  }
  ~BlockSigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    const timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
};

std::string tail_lines(const std::string& text, std::size_t n) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  std::size_t pos = t.size();
  for (std::size_t k = 0; k < n && pos != std::string::npos && pos > 0; ++k) pos = t.rfind('\n', pos - 1);
  if (pos != std::string::npos && pos < t.size() && t[pos] == '\n') ++pos;
  if (pos == std::string::npos) pos = 0;
  return t.substr(pos);
}

std::string shorten(const std::string& s) { return s.size() <= 80 ? s : s.substr(0, 77) + "..."; }

// A simple command ("prog arg ...") is exec'd by the shell, so that the program itself is the child: its exit
// status and its death by a signal reach us unchanged. Commands with shell syntax run as written.
std::string shell_line(const std::string& command) {
  return command.find_first_of(";&|<>()$`\\\n") == std::string::npos ? "exec " + command : command;
}

}  // namespace

CommandQuality::CommandQuality(std::string command) : command_(std::move(command)) {}

std::vector<double> CommandQuality::evaluate(const std::vector<nlohmann::json>& candidates) {
  if (candidates.empty()) return {};
  const std::string label = this->label();
  std::string input;
  for (const auto& c : candidates) input += c.dump() + "\n";

  Pipe in(label), out(label), err(label);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.read.fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out.write.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err.write.fd, STDERR_FILENO);
  // The child starts with SIGPIPE at its default disposition and unblocked, whatever this thread has.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, pipe_set;
  sigemptyset(&none);
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe_set);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = shell_line(command_);
  std::vector<char*> argv{sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, sh.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw QualityError(fmt::format("{}: cannot start /bin/sh: {}", label, std::strerror(rc)));
  in.read.reset();
  out.write.reset();
  err.write.reset();
  fcntl(in.write.fd, F_SETFL, fcntl(in.write.fd, F_GETFL) | O_NONBLOCK);

  std::string answer, errors;
  bool broken_pipe = false;
  {
    BlockSigpipe guard;
    std::size_t written = 0;
    char buf[65536];
    while (in.write.fd >= 0 || out.read.fd >= 0 || err.read.fd >= 0) {
      pollfd fds[3];
      nfds_t n = 0;
      int wi = -1, oi = -1, ei = -1;
      if (in.write.fd >= 0) fds[wi = static_cast<int>(n++)] = {in.write.fd, POLLOUT, 0};
      if (out.read.fd >= 0) fds[oi = static_cast<int>(n++)] = {out.read.fd, POLLIN, 0};
      if (err.read.fd >= 0) fds[ei = static_cast<int>(n++)] = {err.read.fd, POLLIN, 0};
      if (::poll(fds, n, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (wi >= 0 && fds[wi].revents) {
        const ssize_t k = ::write(in.write.fd, input.data() + written, input.size() - written);
        if (k > 0) written += static_cast<std::size_t>(k);
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
          broken_pipe = errno == EPIPE;
          in.write.reset();
        }
        if (written == input.size()) in.write.reset();  // EOF for the program
      }
      for (auto [idx, fd, sink] : {std::tuple{oi, &out.read, &answer}, std::tuple{ei, &err.read, &errors}}) {
        if (idx < 0 || !fds[idx].revents) continue;
        const ssize_t k = ::read(fd->fd, buf, sizeof buf);
        if (k > 0)
          sink->append(buf, static_cast<std::size_t>(k));
        else if (k == 0 || (errno != EAGAIN && errno != EINTR))
          fd->reset();
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string err_tail = tail_lines(errors, 5);
  const std::string err_note = err_tail.empty() ? "" : "; its stderr ends with:\n" + err_tail;
  if (WIFSIGNALED(status))
    throw QualityError(fmt::format("{}: the program was killed by signal {} ({}){}", label, WTERMSIG(status),
                                   strsignal(WTERMSIG(status)), err_note));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    const int code = WEXITSTATUS(status);
    const std::string why =
        code > 128 && code < 128 + 32 ? fmt::format(" (a shell's code for a program killed by signal {} ({}))",
                                                    code - 128, strsignal(code - 128))
                                      : "";
    throw QualityError(fmt::format("{}: the program exited with status {}{}{}", label, code, why, err_note));
  }

  std::vector<double> values;
  std::size_t line_no = 0, pos = 0;
  while (pos < answer.size()) {
    std::size_t end = answer.find('\n', pos);
    if (end == std::string::npos) end = answer.size();
    std::string line = answer.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    std::size_t lead = 0;
    while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
    line.erase(0, lead);
    char* stop = nullptr;
    errno = 0;
    const double v = line.empty() ? 0.0 : std::strtod(line.c_str(), &stop);
    if (line.empty() || stop != line.c_str() + line.size())
      throw QualityError(fmt::format("{}: answer line {} is not a number: '{}' (expected one perplexity per line)",
                                     label, line_no, shorten(line)));
    if (!std::isfinite(v))
      throw QualityError(fmt::format("{}: answer line {} is not a finite perplexity: '{}'", label, line_no, line));
    values.push_back(v);
  }
  if (values.size() != candidates.size())
    throw QualityError(fmt::format("{}: answered {} lines for {} candidates{}{}", label, values.size(),
                                   candidates.size(),
                                   broken_pipe ? " (it stopped reading its input early)" : "", err_note));
  return values;
}

}  // namespace coda::nas
