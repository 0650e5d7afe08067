#include "server/serve.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace impasto::server {
namespace {

// Ctrl-C and SIGTERM stop the server in an orderly way. The handler only writes a byte to a pipe
// (async-signal-safe); a thread reading the pipe stops the server. Blocking the signals and
// calling sigwait would not do: libraries start threads (OpenBLAS, OpenMP) before main.
int stop_pipe[2] = {-1, -1};

void on_stop_signal(int) {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_pipe[1], &byte, 1);
}

}  // namespace

int serve(const ServeOptions& options) {
  StudioServer server(options);
  const int port = server.bind();
  if (!is_loopback_host(options.host))
    std::fprintf(stderr,
                 "impasto serve: warning: listening on %s: anyone who can reach this machine on port %d can upload "
                 "images and run jobs (there is no password)\n",
                 options.host.c_str(), port);
  std::printf("Impasto studio: %s\nresults go to %s\npress Ctrl-C to stop\n", server.url().c_str(),
              std::filesystem::absolute(options.output_dir).c_str());
  std::fflush(stdout);

  if (::pipe(stop_pipe) != 0) throw std::runtime_error("cannot create a pipe");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::thread waiter([&] {
    char byte;
    while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    server.stop();
  });
  server.run();
  on_stop_signal(0);  // run() may also end without a signal: wake the waiter so it can be joined
  waiter.join();
  std::fprintf(stderr, "impasto serve: stopped\n");
  return 0;
}

}  // namespace impasto::server
