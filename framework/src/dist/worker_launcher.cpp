#include "dist/worker_launcher.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vdep {

namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error system_failure(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Both ends close on exec: a worker must hold no other worker's write end, or that worker's
// stream would never reach EOF.
std::pair<FileDescriptor, FileDescriptor> make_pipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw system_failure("cannot create a pipe");
  return {FileDescriptor(ends[0]), FileDescriptor(ends[1])};
}

void set_nonblocking(const FileDescriptor& fd) {
  if (::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK) != 0) {
    throw system_failure("cannot make a pipe non-blocking");
  }
}

std::string describe_signal(int signal) {
  return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

constexpr std::array<int, 3> kHandledSignals = {SIGINT, SIGTERM, SIGCHLD};
int signal_pipe_write_end = -1;

void write_signal_to_pipe(int signal) {
  const int saved_errno = errno;
  const auto byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] const auto written = ::write(signal_pipe_write_end, &byte, 1);
  errno = saved_errno;
}

// The self-pipe trick: the handlers only write the signal's number to a pipe that the launcher
// polls along with the workers' output, so no signal is lost between a check and poll() and
// nothing runs in a handler that is not async-signal-safe. SIGCHLD only wakes the launcher up.
class SignalPipe {
 public:
  SignalPipe() {
    std::tie(read_end_, write_end_) = make_pipe();
    set_nonblocking(read_end_);
    set_nonblocking(write_end_);
    signal_pipe_write_end = write_end_.get();
    struct sigaction action {};
    action.sa_handler = write_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    for (std::size_t i = 0; i < kHandledSignals.size(); ++i) ::sigaction(kHandledSignals[i], &action, &previous_[i]);
  }
  ~SignalPipe() {
    for (std::size_t i = 0; i < kHandledSignals.size(); ++i) ::sigaction(kHandledSignals[i], &previous_[i], nullptr);
    signal_pipe_write_end = -1;
  }
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int fd() const { return read_end_.get(); }

  // The signals received since the last call, oldest first.
  std::vector<int> take() {
    std::vector<int> signals;
    unsigned char buffer[64];
    ssize_t count = 0;
    while ((count = ::read(read_end_.get(), buffer, sizeof buffer)) > 0) {
      signals.insert(signals.end(), buffer, buffer + count);
    }
    return signals;
  }

 private:
  FileDescriptor read_end_;
  FileDescriptor write_end_;
  std::array<struct sigaction, kHandledSignals.size()> previous_{};
};

// One output stream of a worker, written to `to` a whole line at a time behind the worker's rank,
// so that the workers' lines never interleave mid-line.
class LineRelay {
 public:
  LineRelay(FileDescriptor pipe, std::FILE* to, std::string prefix)
      : pipe_(std::move(pipe)), to_(to), prefix_(std::move(prefix)) {
    set_nonblocking(pipe_);
  }

  bool open() const { return pipe_.get() >= 0; }
  int fd() const { return pipe_.get(); }

  // One read, so that a chatty worker cannot starve the others; at EOF the unfinished last line
  // is relayed and the pipe closed.
  void pump() { read_once(); }

  // Relays what the pipe holds now and closes it. For a worker that has exited: everything it
  // wrote is in the pipe by now, and a child it left behind, holding the pipe or still writing to
  // it, must not keep the launcher waiting.
  void finish() {
    int left = 0;
    if (open() && ::ioctl(pipe_.get(), FIONREAD, &left) != 0) left = 0;
    while (left > 0) {
      const std::size_t count = read_once();
      if (count == 0) break;
      left -= static_cast<int>(count);
    }
    close();
  }

 private:
  // The bytes read: 0 when the pipe is empty for now, or closed.
  std::size_t read_once() {
    if (!open()) return 0;
    char buffer[65536];
    ssize_t count = 0;
    do {
      count = ::read(pipe_.get(), buffer, sizeof buffer);
    } while (count < 0 && errno == EINTR);
    if (count < 0 && errno == EAGAIN) return 0;
    if (count <= 0) {
      close();
      return 0;
    }
    pending_.append(buffer, static_cast<std::size_t>(count));
    std::size_t start = 0;
    for (std::size_t newline = 0; (newline = pending_.find('\n', start)) != std::string::npos; start = newline + 1) {
      write_line(std::string_view(pending_).substr(start, newline - start));
    }
    pending_.erase(0, start);
    return static_cast<std::size_t>(count);
  }

  void close() {
    if (!pending_.empty()) write_line(pending_);
    pending_.clear();
    pipe_.reset();
  }

  void write_line(std::string_view line) {
    std::string text = prefix_;
    text.append(line);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), to_);
    std::fflush(to_);
  }

  FileDescriptor pipe_;
  std::FILE* to_;
  std::string prefix_;
  std::string pending_;  // an unfinished line
};

struct Worker {
  int rank = 0;
  pid_t pid = -1;  // also its process group
  LineRelay out;
  LineRelay err;
  std::optional<int> status;  // waitpid's, once reaped
  bool signalled = false;     // the launcher signalled it while it ran
};

bool succeeded(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string describe_end(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "was killed by " + describe_signal(WTERMSIG(status));
}

// The parent's environment with torchrun's variables for one rank.
std::vector<std::string> worker_environment(const WorkerLaunchOptions& options, int rank) {
  const std::vector<std::pair<std::string, std::string>> torchrun_variables = {
      {"RANK", std::to_string(rank)},
      {"WORLD_SIZE", std::to_string(options.workers)},
      {"LOCAL_RANK", std::to_string(rank)},
      {"LOCAL_WORLD_SIZE", std::to_string(options.workers)},
      {"MASTER_ADDR", options.master_addr},
      {"MASTER_PORT", std::to_string(options.master_port)}};
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const std::string_view name = text.substr(0, text.find('='));
    const bool replaced = std::any_of(torchrun_variables.begin(), torchrun_variables.end(),
                                      [&](const auto& variable) { return variable.first == name; });
    if (!replaced) environment.emplace_back(text);
  }
  for (const auto& [name, value] : torchrun_variables) environment.push_back(name + "=" + value);
  return environment;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

class LocalWorkers {
 public:
  explicit LocalWorkers(const WorkerLaunchOptions& options) : options_(options) {
    workers_.reserve(static_cast<std::size_t>(options.workers));
  }

  // Whatever ends the launch, no worker outlives it.
  ~LocalWorkers() {
    for (Worker& worker : workers_) {
      if (worker.status) continue;
      ::kill(-worker.pid, SIGKILL);
      int status = 0;
      while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  LocalWorkers(const LocalWorkers&) = delete;
  LocalWorkers& operator=(const LocalWorkers&) = delete;

  void start(int rank) {
    auto [out_read, out_write] = make_pipe();
    auto [err_read, err_write] = make_pipe();
    // Everything the child needs is prepared here: the launcher may have other threads (LibTorch's),
    // so the child must not allocate between fork and exec.
    std::vector<std::string> arguments = options_.command;
    std::vector<std::string> environment = worker_environment(options_, rank);
    const std::vector<char*> argv = c_strings(arguments);
    const std::vector<char*> envp = c_strings(environment);
    const std::string exec_failure = "vdep-run: cannot execute " + options_.command.front() + ": ";
    const pid_t launcher = ::getpid();

    // Blocked across fork so that no signal reaches the launcher's handlers in the child.
    sigset_t all_signals;
    sigset_t previous_mask;
    sigfillset(&all_signals);
    ::pthread_sigmask(SIG_BLOCK, &all_signals, &previous_mask);
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (const int signal : kHandledSignals) std::signal(signal, SIG_DFL);
      ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
      ::setpgid(0, 0);
      // Tied to the thread that forks, which is the one that waits for the workers.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != launcher) ::_exit(127);  // the launcher died before prctl
      ::dup2(out_write.get(), STDOUT_FILENO);
      ::dup2(err_write.get(), STDERR_FILENO);
      ::execve(argv.front(), argv.data(), envp.data());
      const char* reason = std::strerror(errno);
      [[maybe_unused]] auto written = ::write(STDERR_FILENO, exec_failure.data(), exec_failure.size());
      written = ::write(STDERR_FILENO, reason, std::strlen(reason));
      written = ::write(STDERR_FILENO, "\n", 1);
      ::_exit(127);
    }
    const int fork_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    if (pid < 0) {
      errno = fork_errno;
      throw system_failure("cannot start worker rank " + std::to_string(rank) + ": fork failed");
    }
    // Also in the parent: the group must exist before the launcher signals it, whichever of the
    // two processes runs first.
    ::setpgid(pid, pid);
    const std::string prefix = "[rank " + std::to_string(rank) + "] ";
    workers_.push_back(Worker{rank, pid, LineRelay(std::move(out_read), options_.out, prefix),
                              LineRelay(std::move(err_read), options_.err, prefix), std::nullopt, false});
  }

  int run() {
    while (running() > 0) {
      std::vector<pollfd> polled = {{signals_.fd(), POLLIN, 0}};
      std::vector<LineRelay*> relays;
      for (Worker& worker : workers_) {
        for (LineRelay* relay : {&worker.out, &worker.err}) {
          if (!relay->open()) continue;
          polled.push_back({relay->fd(), POLLIN, 0});
          relays.push_back(relay);
        }
      }
      int timeout_ms = -1;
      if (kill_at_) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*kill_at_ - Clock::now());
        timeout_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
      }
      if (::poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) throw system_failure("poll failed");
      for (std::size_t i = 1; i < polled.size(); ++i) {
        if (polled[i].revents != 0) relays[i - 1]->pump();
      }
      for (const int signal : signals_.take()) {
        if (signal != SIGCHLD) on_signal(signal);
      }
      reap();
      if (kill_at_ && Clock::now() >= *kill_at_ && running() > 0) {
        message(std::to_string(running()) + " worker(s) still running " +
                std::to_string(options_.stop_grace.count()) + " ms after being asked to stop; sending SIGKILL");
        signal_all(SIGKILL);
        kill_at_.reset();
      }
    }
    return exit_code();
  }

 private:
  int running() const {
    return static_cast<int>(std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.status; }));
  }

  void reap() {
    const Worker* first_failure = nullptr;
    for (Worker& worker : workers_) {
      if (worker.status) continue;
      int status = 0;
      const pid_t reaped = ::waitpid(worker.pid, &status, WNOHANG);
      if (reaped == 0) continue;
      if (reaped < 0) throw system_failure("cannot wait for worker rank " + std::to_string(worker.rank));
      worker.status = status;
      worker.out.finish();
      worker.err.finish();
      if (!succeeded(status) && !first_failure) first_failure = &worker;
    }
    if (!first_failure || stopping_) return;
    std::string text =
        "worker rank " + std::to_string(first_failure->rank) + " " + describe_end(*first_failure->status);
    if (running() > 0) text += "; stopping the other " + std::to_string(running()) + " worker(s)";
    message(text);
    stop(SIGTERM);
  }

  void on_signal(int signal) {
    if (stopping_) {
      // Such as a second Ctrl-C: the user does not want to wait out the grace period.
      message("got " + describe_signal(signal) + " while stopping the workers; sending SIGKILL");
      signal_all(SIGKILL);
      kill_at_.reset();
      return;
    }
    interrupted_by_ = signal;
    message("got " + describe_signal(signal) + "; stopping the " + std::to_string(running()) + " worker(s)");
    stop(signal);
  }

  void stop(int signal) {
    stopping_ = true;
    signal_all(signal);
    kill_at_ = Clock::now() + options_.stop_grace;
  }

  // Exited workers too: a process they left behind in their group stops with the rest.
  void signal_all(int signal) {
    for (Worker& worker : workers_) {
      if (!worker.status) worker.signalled = true;
      ::kill(-worker.pid, signal);
    }
  }

  int exit_code() const {
    if (interrupted_by_) return 128 + *interrupted_by_;
    if (std::all_of(workers_.begin(), workers_.end(), [](const Worker& w) { return succeeded(*w.status); })) return 0;
    std::set<int> codes;
    for (const Worker& worker : workers_) {
      if (worker.signalled || succeeded(*worker.status)) continue;
      codes.insert(WIFEXITED(*worker.status) ? WEXITSTATUS(*worker.status) : 1);
    }
    return codes.size() == 1 ? *codes.begin() : 1;
  }

  void message(const std::string& text) const {
    std::fprintf(options_.err, "vdep-run: %s\n", text.c_str());
    std::fflush(options_.err);
  }

  const WorkerLaunchOptions& options_;
  SignalPipe signals_;
  std::vector<Worker> workers_;
  bool stopping_ = false;
  std::optional<int> interrupted_by_;
  std::optional<Clock::time_point> kill_at_;  // while stopping: when the survivors get SIGKILL
};

}  // namespace

int launch_local_workers(const WorkerLaunchOptions& options) {
  if (options.command.empty() || options.command.front().empty() || options.command.front().front() != '/') {
    throw std::invalid_argument("a worker command needs the executable's absolute path first");
  }
  if (options.workers < 1) throw std::invalid_argument("the number of workers must be >= 1");
  WorkerLaunchOptions resolved = options;
  if (resolved.master_port == 0) resolved.master_port = free_tcp_port(resolved.master_addr);
  LocalWorkers workers(resolved);
  for (int rank = 0; rank < resolved.workers; ++rank) workers.start(rank);
  return workers.run();
}

int free_tcp_port(const std::string& address) {
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, address.c_str(), &socket_address.sin_addr) != 1) {
    throw std::invalid_argument("'" + address + "' is not an IPv4 address");
  }
  const FileDescriptor socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) throw system_failure("cannot create a socket");
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&socket_address), sizeof socket_address) != 0) {
    throw system_failure("cannot bind a socket to " + address);
  }
  socklen_t length = sizeof socket_address;
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&socket_address), &length) != 0) {
    throw system_failure("cannot read a socket's port");
  }
  return ntohs(socket_address.sin_port);
}

}  // namespace vdep
