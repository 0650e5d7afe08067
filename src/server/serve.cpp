#include "server/serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>


namespace impasto::server {

int serve(const ServeOptions& options) {
  // Ctrl-C and SIGTERM stop the server in an orderly way: block them here (threads started below
  // inherit the mask) and wait for them on a thread of their own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

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

  std::thread waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  server.run();
  // run() may also end without a signal (accepting failed); wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  std::fprintf(stderr, "impasto serve: stopped\n");
  return 0;
}

}  // namespace impasto::server
