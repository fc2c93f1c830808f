// The local worker launcher, with /bin/sh scripts as workers: torchrun's environment, the rank
// prefixed output, and a failure or a signal stopping every worker within the grace period.
#include "dist/worker_launcher.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "support/temporary_folder.h"
#include "support/text_file.h"

namespace vdep::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A direct child must be gone (reaped); a worker's own child may be a zombie until init reaps it.
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  return line.size() > line.rfind(") ") + 2 && line[line.rfind(") ") + 2] == 'Z';
}

class WorkerLauncherTest : public TemporaryFolderTest {
 protected:
  void SetUp() override {
    TemporaryFolderTest::SetUp();
    out_ = std::tmpfile();
    err_ = std::tmpfile();
    ASSERT_NE(out_, nullptr);
    ASSERT_NE(err_, nullptr);
  }
  void TearDown() override {
    std::fclose(out_);
    std::fclose(err_);
    TemporaryFolderTest::TearDown();
  }

  // `workers` copies of `script` run by /bin/sh, which tell themselves apart by $RANK.
  WorkerLaunchOptions shell_workers(int workers, const std::string& script) const {
    WorkerLaunchOptions options;
    options.command = {"/bin/sh", "-c", script};
    options.workers = workers;
    options.stop_grace = 2s;
    options.out = out_;
    options.err = err_;
    return options;
  }

  static std::string contents(std::FILE* file) {
    std::fflush(file);
    std::rewind(file);
    std::string text;
    char buffer[65536];
    for (std::size_t count = 0; (count = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, count);
    return text;
  }

  pid_t pid_in(const std::string& name) const {
    pid_t pid = 0;
    std::ifstream(folder_ / name) >> pid;
    return pid;
  }

  // A shell condition that waits until the workers of these ranks have written their pid files.
  std::string wait_for_pids(const std::vector<int>& ranks) const {
    std::string condition;
    for (const int rank : ranks) {
      if (!condition.empty()) condition += " || ";
      condition += "[ ! -s '" + (folder_ / ("pid" + std::to_string(rank))).string() + "' ]";
    }
    return "while " + condition + "; do sleep 0.05; done; ";
  }

  std::string write_pid() const { return "echo $$ > '" + folder_.string() + "/pid'$RANK; "; }

  std::FILE* out_ = nullptr;
  std::FILE* err_ = nullptr;
};

TEST_F(WorkerLauncherTest, EachWorkerGetsTorchrunsEnvironmentBehindItsRank) {
  const int code = launch_local_workers(
      shell_workers(3, "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $MASTER_ADDR $MASTER_PORT\""));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(contents(err_), "");
  const auto lines = lines_of(contents(out_));
  ASSERT_EQ(lines.size(), 3u) << contents(out_);
  const std::regex pattern(R"(\[rank (\d)\] (\d) 3 (\d) 3 127\.0\.0\.1 (\d+))");
  std::set<std::string> ranks;
  std::set<std::string> ports;
  for (const std::string& line : lines) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, pattern)) << line;
    EXPECT_EQ(match[1], match[2]) << line;
    EXPECT_EQ(match[1], match[3]) << line;
    ranks.insert(match[1]);
    ports.insert(match[4]);
  }
  EXPECT_EQ(ranks, (std::set<std::string>{"0", "1", "2"}));
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_GT(std::stoi(*ports.begin()), 0);
}

TEST_F(WorkerLauncherTest, GivenMasterAddressAndPortReachEveryWorker) {
  auto options = shell_workers(2, "echo \"$MASTER_ADDR:$MASTER_PORT\"");
  options.master_addr = "10.1.2.3";
  options.master_port = 29512;
  EXPECT_EQ(launch_local_workers(options), 0);
  const auto lines = lines_of(contents(out_));
  EXPECT_EQ(std::multiset<std::string>(lines.begin(), lines.end()),
            (std::multiset<std::string>{"[rank 0] 10.1.2.3:29512", "[rank 1] 10.1.2.3:29512"}));
}

TEST_F(WorkerLauncherTest, StdoutAndStderrLinesGoToTheirFilesWithAnUnfinishedLastLine) {
  const int code = launch_local_workers(
      shell_workers(1, "echo out; echo err >&2; echo more out; printf out-tail; printf err-tail >&2"));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(contents(out_), "[rank 0] out\n[rank 0] more out\n[rank 0] out-tail\n");
  EXPECT_EQ(contents(err_), "[rank 0] err\n[rank 0] err-tail\n");
}

TEST_F(WorkerLauncherTest, OneFailingWorkerStopsTheOthersAndTheirChildren) {
  // Rank 0 also leaves a child of its own running, which must stop with it.
  const std::string script = "if [ \"$RANK\" = 1 ]; then " + wait_for_pids({0, 2}) + "exit 3; fi; " +
                             "if [ \"$RANK\" = 0 ]; then sleep 60 & echo $! > '" + folder_.string() + "/child'; fi; " +
                             write_pid() + "exec sleep 60";
  const auto start = Clock::now();
  const int code = launch_local_workers(shell_workers(3, script));
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(code, 3);
  EXPECT_LT(elapsed, 15s);
  EXPECT_CONTAINS(contents(err_), "vdep-run: worker rank 1 exited with code 3; stopping the other 2 worker(s)\n");
  EXPECT_EQ(contents(err_).find("SIGKILL"), std::string::npos) << contents(err_);
  for (const char* name : {"pid0", "pid2"}) {
    const pid_t pid = pid_in(name);
    ASSERT_GT(pid, 0) << name;
    errno = 0;
    EXPECT_EQ(::kill(pid, 0), -1) << name;
    EXPECT_EQ(errno, ESRCH) << name;
  }
  const pid_t child = pid_in("child");
  ASSERT_GT(child, 0);
  const auto deadline = Clock::now() + 5s;
  while (!process_gone(child) && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(process_gone(child)) << "rank 0's child " << child << " still runs";
}

TEST_F(WorkerLauncherTest, AWorkerIgnoringSigtermIsKilledAfterTheGrace) {
  const std::string script = "if [ \"$RANK\" = 1 ]; then " + wait_for_pids({0}) + "exit 3; fi; trap '' TERM; " +
                             write_pid() + "exec sleep 60";
  const auto start = Clock::now();
  const int code = launch_local_workers(shell_workers(2, script));
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(code, 3);
  EXPECT_GE(elapsed, 2s);
  EXPECT_LT(elapsed, 15s);
  const std::string err = contents(err_);
  EXPECT_CONTAINS(err, "vdep-run: worker rank 1 exited with code 3; stopping the other 1 worker(s)\n");
  EXPECT_CONTAINS(err, "vdep-run: 1 worker(s) still running 2000 ms after being asked to stop; sending SIGKILL\n");
  errno = 0;
  EXPECT_EQ(::kill(pid_in("pid0"), 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(WorkerLauncherTest, AWorkerKilledByASignalIsReportedAndFailsTheLaunch) {
  const std::string script = "if [ \"$RANK\" = 1 ]; then " + wait_for_pids({0}) + "kill -KILL $$; fi; " + write_pid() +
                             "exec sleep 60";
  EXPECT_EQ(launch_local_workers(shell_workers(2, script)), 1);
  EXPECT_CONTAINS(contents(err_),
                  "vdep-run: worker rank 1 was killed by signal 9 (Killed); stopping the other 1 worker(s)\n");
}

TEST_F(WorkerLauncherTest, TheExitCodeIsTheWorkersCommonOne) {
  EXPECT_EQ(launch_local_workers(shell_workers(3, "exit 2")), 2);
  EXPECT_CONTAINS(contents(err_), "exited with code 2");
  EXPECT_EQ(launch_local_workers(shell_workers(2, "exit 0")), 0);
}

TEST_F(WorkerLauncherTest, SigtermToTheLauncherIsForwardedToTheWorkers) {
  const auto options = shell_workers(2, write_pid() + "exec sleep 60");
  auto launch = std::async(std::launch::async, [&] { return launch_local_workers(options); });
  // Both pid files written: the launcher runs, with its handlers installed.
  const auto deadline = Clock::now() + 10s;
  while ((pid_in("pid0") == 0 || pid_in("pid1") == 0) && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_GT(pid_in("pid1"), 0);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  ASSERT_EQ(launch.wait_for(15s), std::future_status::ready);
  EXPECT_EQ(launch.get(), 128 + SIGTERM);
  EXPECT_CONTAINS(contents(err_), "vdep-run: got signal 15 (Terminated); stopping the 2 worker(s)\n");
  for (const char* name : {"pid0", "pid1"}) {
    errno = 0;
    EXPECT_EQ(::kill(pid_in(name), 0), -1) << name;
    EXPECT_EQ(errno, ESRCH) << name;
  }
}

TEST_F(WorkerLauncherTest, AChattyWorkerDoesNotBlockAndItsLinesStayWhole) {
  // Each rank writes 1.1 MB to stdout and as much to stderr, far more than a pipe holds.
  const int code = launch_local_workers(
      shell_workers(2, "yes 0123456789abcdef | head -n 65536; yes fedcba9876543210 | head -n 65536 >&2"));
  EXPECT_EQ(code, 0);
  const std::vector<std::pair<std::FILE*, std::string>> streams = {{out_, "0123456789abcdef"},
                                                                    {err_, "fedcba9876543210"}};
  for (const auto& [file, text] : streams) {
    std::map<std::string, int> counts;
    for (const std::string& line : lines_of(contents(file))) ++counts[line];
    EXPECT_EQ(counts, (std::map<std::string, int>{{"[rank 0] " + text, 65536}, {"[rank 1] " + text, 65536}}));
  }
}

TEST_F(WorkerLauncherTest, AChildStillWritingAfterItsWorkerExitedDoesNotKeepTheLauncherWaiting) {
  const auto start = Clock::now();
  const int code = launch_local_workers(
      shell_workers(1, "yes left-behind & echo $! > '" + folder_.string() + "/child'; sleep 0.2"));
  const auto elapsed = Clock::now() - start;
  if (const pid_t child = pid_in("child"); child > 0) ::kill(child, SIGKILL);
  EXPECT_EQ(code, 0);
  EXPECT_LT(elapsed, 15s);
  EXPECT_CONTAINS(contents(out_), "[rank 0] left-behind\n");
}

TEST_F(WorkerLauncherTest, AWorkerThatCannotBeExecutedExits127WithTheReason) {
  WorkerLaunchOptions options = shell_workers(1, "");
  options.command = {"/nonexistent/worker"};
  EXPECT_EQ(launch_local_workers(options), 127);
  EXPECT_EQ(contents(err_), "[rank 0] vdep-run: cannot execute /nonexistent/worker: No such file or directory\n"
                            "vdep-run: worker rank 0 exited with code 127\n");
}

TEST_F(WorkerLauncherTest, BadOptionsAreRejectedBeforeAnythingStarts) {
  WorkerLaunchOptions relative = shell_workers(1, "");
  relative.command = {"sh", "-c", "true"};
  EXPECT_THROW(launch_local_workers(relative), std::invalid_argument);
  EXPECT_THROW(launch_local_workers(shell_workers(0, "true")), std::invalid_argument);
  EXPECT_THROW(free_tcp_port("localhost"), std::invalid_argument);
}

}  // namespace
}  // namespace vdep::test
