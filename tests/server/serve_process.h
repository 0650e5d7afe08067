#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace impasto::testing {

// `impasto serve --port 0 ARGS` in a child process, on loopback: its port (read from the address it
// prints), its memory, and a kill -9. `prefix` runs before it in the same shell (e.g. "ulimit -f 40;").
class ServeProcess {
 public:
  ServeProcess(const std::string& arguments, const std::string& prefix = "") {
    // Built before fork: the child of a threaded process may not allocate.
    const std::string command = prefix + " exec '" + IMPASTO_BINARY + "' serve --port 0 " + arguments;
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // The first line: "Impasto studio: http://127.0.0.1:PORT/". read() returns 0 if it died first.
    std::string line;
    char c;
    while (line.find('\n') == std::string::npos && ::read(out[0], &c, 1) == 1) line += c;
    output_ = out[0];
    const size_t colon = line.rfind(':');
    if (line.rfind("Impasto studio: ", 0) == 0 && colon != std::string::npos) port_ = std::atoi(line.c_str() + colon + 1);
  }
  ~ServeProcess() {
    kill(SIGKILL);
    if (output_ >= 0) ::close(output_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends the signal and waits for the process; returns its wait status.
  int kill(int signal) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, signal);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    return status_;
  }

  // Resident memory in KiB, from /proc (0 once the process is gone).
  long rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    long value = 0;
    while (status >> key) {
      if (key == "VmRSS:" && status >> value) return value;
      status.ignore(1 << 12, '\n');
    }
    return 0;
  }

 private:
  pid_t pid_ = -1;
  int output_ = -1;
  int port_ = 0;
  int status_ = -1;
};

}  // namespace impasto::testing
