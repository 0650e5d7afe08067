#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/host_check.h"
#include "server/job_queue.h"

namespace impasto::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  bool allow_remote = false;        // required for a host other than the loopback interface
  std::string output_dir = "impasto-results";
  size_t max_upload_bytes = 30u << 20;
  int64_t max_pixels = 50'000'000;  // of an uploaded image, as declared by its header and decoded
  int max_size = 1024;              // longest side of a result
  int max_iterations = 2000;
  int max_clip_frames = 300;             // of an uploaded video clip
  int64_t max_frame_pixels = 8'294'400;  // of one frame of a clip (3840 x 2160)
  double max_sound_seconds = 60;         // of an uploaded sound (and of a sound made)
  std::string model_dir;            // as stylize --model-dir
  int threads = 0;                  // as stylize --threads
};

// The studio: HTTP routes, the upload store and the job queue. Keeps httplib out of this header.
class StudioServer {
 public:
  // Throws InputError for unusable options (a non-loopback host without allow_remote, an output
  // directory that cannot be created).
  explicit StudioServer(const ServeOptions& options, JobQueue::Runner runner = stylize, MediaRunners media = {});
  ~StudioServer();

  // Binds the listening socket; returns the port (useful with port 0). Throws InputError.
  int bind();
  // Serves until stop(); call after bind().
  void run();
  // Safe from any thread: ends open event streams, stops listening, cancels the running job.
  void stop();
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `impasto serve`: binds, prints the address, serves until SIGINT or SIGTERM. Returns the exit code.
int serve(const ServeOptions& options);

}  // namespace impasto::server
