// The studio's HTTP routes (see README "impasto serve"): the embedded page, uploads, jobs and the
// event stream. Every file the server reads or writes is named by the server; requests only ever
// carry ids it gave out.
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "impasto/audio.h"
#include "impasto/errors.h"
#include "impasto/video.h"
#include "run/run_plan.h"
#include "server/event_log.h"
#include "server/host_check.h"
#include "server/job_request.h"
#include "server/serve.h"
#include "server/upload_store.h"
#include "server/web_assets.h"

namespace impasto::server {
namespace fs = std::filesystem;
namespace {

constexpr auto kKeepAliveInterval = std::chrono::seconds(15);
// An event stream waits for news in slices this long, and checks in between whether its page is
// still there, so that a closed tab frees its thread within a slice rather than at the next event.
constexpr auto kStreamSlice = std::chrono::milliseconds(250);
// httplib serves a connection on one pool thread for as long as it is open, and an event stream is
// open for the life of its page. Streams therefore have their own share of the pool: at most
// kMaxEventStreams at once (one more is refused with 503), and kRequestThreads threads are always
// left for everything else.
constexpr size_t kMaxEventStreams = 32;
constexpr size_t kRequestThreads = 16;
// Pending connections the kernel queues while every thread is busy (httplib's default is 5, which
// resets a burst of uploads). Linux caps it at net.core.somaxconn.
constexpr int kListenBacklog = 1024;

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(json_text(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The uploads of one server run, in a fresh directory only this user can enter (mkdtemp: 0700,
// and never one that someone else created first); removed with the server, after the queue.
struct UploadDirectory {
  fs::path path;
  UploadDirectory() {
    std::string name = (fs::temp_directory_path() / "impasto-serve-XXXXXX").string();
    if (!::mkdtemp(name.data())) throw InputError("cannot create a directory for uploads in " + fs::temp_directory_path().string());
    path = name;
  }
  ~UploadDirectory() {
    std::error_code error;
    fs::remove_all(path, error);
  }
};

// The page sends file names percent-encoded (header values must be ASCII).
std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Answers, then closes the connection: for a request whose body is refused unread, so that its
// bytes are never read as the next request. (A content provider that returns false makes httplib
// close the connection after writing what it wrote.)
void refuse_and_close(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Connection", "close");
  auto body = std::make_shared<std::string>(json_text({{"error", message}}));
  res.set_content_provider(body->size(), "application/json", [body](size_t offset, size_t, httplib::DataSink& sink) {
    sink.write(body->data() + offset, body->size() - offset);
    return false;
  });
}

// Why a request's body cannot be read safely within the upload limit (an HTTP status and a
// message), or status 0 when it can. Only a body of declared length can: httplib buffers a chunked
// or undelimited body whole, whatever its size, and inflates a compressed one without a limit.
std::pair<int, std::string> body_problem(const httplib::Request& req) {
  if (req.method != "POST") return {0, ""};
  if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length"))
    return {411, "send the request with a Content-Length header (chunked bodies are not accepted)"};
  const std::string encoding = req.get_header_value("Content-Encoding");
  if (!encoding.empty() && encoding != "identity") return {415, "send the body uncompressed (no Content-Encoding)"};
  return {0, ""};
}

// One of the kMaxEventStreams places; given back when the stream's response is destroyed.
class StreamSlot {
 public:
  static std::shared_ptr<StreamSlot> take(std::atomic<size_t>& open) {
    if (++open > kMaxEventStreams) {
      --open;
      return nullptr;
    }
    return std::shared_ptr<StreamSlot>(new StreamSlot(open));
  }
  ~StreamSlot() { --open_; }

 private:
  explicit StreamSlot(std::atomic<size_t>& open) : open_(open) {}
  std::atomic<size_t>& open_;
};

// The defaults of `impasto video` and `impasto audio`, which the page starts from.
nlohmann::json video_defaults() {
  const VideoOptions d;
  return {{"iterations", d.frame.iterations}, {"frame_iterations", d.frame_iterations},
          {"temporal_weight", d.temporal_weight}, {"size", d.frame.size}};
}

nlohmann::json audio_defaults() {
  const AudioOptions d;
  return {{"iterations", d.iterations}, {"content_weight", d.content_weight}, {"style_weight", d.style_weight},
          {"sample_rate", d.sample_rate}};
}

}  // namespace

struct StudioServer::Impl {
  ServeOptions options;
  UploadDirectory upload_dir;
  UploadStore uploads;
  EventLog events;
  JobQueue queue;
  httplib::Server http;
  int port = 0;
  int listen_socket = -1;
  std::atomic<size_t> open_streams{0};
  std::atomic<bool> running{false}, stopping{false};  // run() entered and not returned; stop() called

  Impl(const ServeOptions& o, JobQueue::Runner runner, MediaRunners media)
      : options(o),
        uploads(upload_dir.path, UploadLimits{o.max_upload_bytes, o.max_pixels, o.max_clip_frames,
                                              o.max_frame_pixels, o.max_sound_seconds}),
        queue(o.output_dir, events, std::move(runner), std::move(media)) {
    http.new_task_queue = [] { return new httplib::ThreadPool(kMaxEventStreams + kRequestThreads); };
    // Replaces httplib's SO_REUSEPORT, which would let a second studio share this port silently.
    http.set_socket_options([this](int socket) {
      int yes = 1;
      ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_socket = socket;
    });
    http.set_payload_max_length(o.max_upload_bytes);
    http.set_keep_alive_timeout(2);
    routes();
  }

  void routes() {
    // A page from another site must not drive this server through the user's browser: loopback
    // servers only answer to loopback host names (no DNS rebinding), and every POST needs a
    // custom header, which a cross-site form cannot send and a cross-site fetch may not without
    // the CORS permission this server never grants.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!options.allow_remote && !is_local_host_header(req.get_header_value("Host"), port, options.host)) {
        refuse_and_close(res, 403, "this studio only answers to localhost:" + std::to_string(port));
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
        refuse_and_close(res, 405, "this studio only answers GET and POST");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "POST" && req.get_header_value("X-Impasto") != "1") {
        refuse_and_close(res, 403, "missing X-Impasto header");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (const auto [status, problem] = body_problem(req); status != 0) {
        refuse_and_close(res, status, problem);
        return httplib::Server::HandlerResponse::Handled;
      }
      // httplib would parse such bodies as forms (and cap them at 8 KB); images come as raw bytes.
      const std::string type = req.get_header_value("Content-Type");
      if (type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.rfind("multipart/", 0) == 0) {
        refuse_and_close(res, 415, "send the file itself as the request body, not a form");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty() || res.has_header("Connection")) return;  // a route already explained itself
      if (res.status == 413)
        send_error(res, 413, "the file is too large; the limit is " +
                                 std::to_string(options.max_upload_bytes >> 20) + " MB");
      else if (res.status == 404)
        send_error(res, 404, "not found");
      else
        send_error(res, res.status, "request failed (HTTP " + std::to_string(res.status) + ")");
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
      std::string message = "internal error";
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        message += std::string(": ") + e.what();
      } catch (...) {
      }
      send_error(res, 500, message);
    });

    http.Get("/", [](const httplib::Request& req, httplib::Response& res) { serve_asset("/index.html", req, res); });
    http.Get(R"(/[\w.-]+\.(html|js|css|svg))",
             [](const httplib::Request& req, httplib::Response& res) { serve_asset(req.path, req, res); });

    http.Get("/api/config", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200,
                {{"limits",
                  {{"max_upload_bytes", options.max_upload_bytes},
                   {"max_pixels", options.max_pixels},
                   {"max_size", options.max_size},
                   {"max_iterations", options.max_iterations},
                   {"max_clip_frames", options.max_clip_frames},
                   {"max_frame_pixels", options.max_frame_pixels},
                   {"max_sound_seconds", options.max_sound_seconds}}},
                 {"defaults", run_defaults()},
                 {"video_defaults", video_defaults()},
                 {"audio_defaults", audio_defaults()},
                 {"kinds", {"image", "video", "audio"}},
                 {"models", available_models(options.model_dir)},
                 {"modes", {"stylize", "texture"}},
                 {"preserve_colors", {"luminance", "histogram"}},
                 {"output_dir", fs::absolute(options.output_dir).string()},
                 {"event_streams", {{"open", open_streams.load()}, {"limit", kMaxEventStreams}}}});
    });

    // Uploads: the body is the file itself; each kind is checked by its own UploadStore method.
    using Adder = StoredImage (UploadStore::*)(const std::string&, const std::string&);
    auto upload_route = [this](const char* path, Adder add, auto describe) {
      http.Post(path, [this, add, describe](const httplib::Request& req, httplib::Response& res) {
        try {
          const StoredImage upload = (uploads.*add)(req.body, percent_decode(req.get_header_value("X-Filename")));
          nlohmann::json answer{{"id", upload.id}, {"name", upload.name}, {"format", upload.format}};
          answer.update(describe(upload));
          send_json(res, 201, answer);
        } catch (const InputError& e) {
          send_error(res, 400, e.what());
        }
      });
    };
    upload_route("/api/images", &UploadStore::add, [](const StoredImage& image) -> nlohmann::json {
      return {{"width", image.width}, {"height", image.height}};
    });
    upload_route("/api/videos", &UploadStore::add_video, [](const StoredImage& clip) -> nlohmann::json {
      return {{"width", clip.width}, {"height", clip.height}, {"frames", clip.frames},
              {"frames_per_second", clip.frames_per_second}, {"seconds", clip.seconds}};
    });
    upload_route("/api/sounds", &UploadStore::add_sound,
                 [](const StoredImage& sound) -> nlohmann::json { return {{"seconds", sound.seconds}}; });

    http.Post("/api/jobs", [this](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json request = nlohmann::json::parse(req.body, nullptr, false);
      if (request.is_discarded()) return send_error(res, 400, "the job request is not valid JSON");
      try {
        const int id = queue.submit(parse_job_request(request, uploads, options));
        send_json(res, 201, {{"id", id}});
      } catch (const InputError& e) {
        send_error(res, 400, e.what());
      } catch (const nlohmann::json::exception& e) {
        send_error(res, 400, std::string("malformed job request: ") + e.what());
      }
    });

    http.Get("/api/jobs", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, queue.snapshot());
    });

    http.Post(R"(/api/jobs/(\d{1,9})/cancel)", [this](const httplib::Request& req, httplib::Response& res) {
      if (queue.cancel(std::stoi(req.matches[1]))) return send_json(res, 200, {{"cancelled", true}});
      send_error(res, 409, "this job is not queued or running");
    });

    http.Get(R"(/api/jobs/(\d{1,9})/preview\.png)", [this](const httplib::Request& req, httplib::Response& res) {
      const auto png = queue.preview_png(std::stoi(req.matches[1]));
      if (!png) return send_error(res, 404, "no preview for this job");
      res.set_header("Cache-Control", "no-store");
      res.set_content(*png, "image/png");
    });

    http.Get(R"(/api/jobs/(\d{1,9})/result\.(png|mp4|wav))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto file = queue.result_file(std::stoi(req.matches[1]));
      const std::string extension = "." + std::string(req.matches[2]);
      const auto bytes = file && file->extension() == extension ? read_file(*file) : std::nullopt;
      if (!bytes) return send_error(res, 404, "no result for this job");
      if (req.has_param("download"))
        res.set_header("Content-Disposition", "attachment; filename=\"" + file->filename().string() + "\"");
      res.set_content(*bytes, extension == ".png" ? "image/png" : extension == ".mp4" ? "video/mp4" : "audio/wav");
    });

    http.Get(R"(/api/jobs/(\d{1,9})/frames/(\d{1,6})\.png)", [this](const httplib::Request& req, httplib::Response& res) {
      const auto file = queue.frame_file(std::stoi(req.matches[1]), std::stoi(req.matches[2]));
      const auto bytes = file ? read_file(*file) : std::nullopt;
      if (!bytes) return send_error(res, 404, "no such frame");
      res.set_content(*bytes, "image/png");
    });

    http.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
      auto slot = StreamSlot::take(open_streams);
      if (!slot) {
        res.set_header("Retry-After", "10");
        return send_error(res, 503, "too many open studio pages (" + std::to_string(kMaxEventStreams) +
                                        "); close some and reload this one");
      }
      res.set_header("Cache-Control", "no-store");
      struct Stream {
        uint64_t last;
        bool greeted = false;
        std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
      };
      auto stream = std::make_shared<Stream>(Stream{events.last()});
      res.set_chunked_content_provider("text/event-stream", [this, stream, slot](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& text) {
          stream->last_write = std::chrono::steady_clock::now();
          return sink.write(text.data(), text.size());
        };
        if (!stream->greeted) {
          stream->greeted = true;
          return write("retry: 1000\n\n" + sse_frame("state", queue.snapshot()));
        }
        const EventLog::Batch batch = events.wait(stream->last, kStreamSlice);
        if (batch.closed || !sink.is_writable()) return false;
        stream->last = batch.last;
        if (batch.missed) return write(sse_frame("state", queue.snapshot()));
        if (batch.frames.empty()) {
          if (std::chrono::steady_clock::now() - stream->last_write < kKeepAliveInterval) return true;
          return write(": keep-alive\n\n");
        }
        std::string text;
        for (const auto& frame : batch.frames) text += frame;
        return write(text);
      });
    });
  }

  static void serve_asset(const std::string& path, const httplib::Request&, httplib::Response& res) {
    for (const auto& asset : web_assets()) {
      if (asset.path != path) continue;
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(asset.body), std::string(asset.content_type));
      return;
    }
    send_error(res, 404, "not found");
  }
};

StudioServer::StudioServer(const ServeOptions& options, JobQueue::Runner runner, MediaRunners media) {
  if (options.port < 0 || options.port > 65535)
    throw InputError("--port " + std::to_string(options.port) + " is not a TCP port (0 to 65535; 0: any free port)");
  if (!is_loopback_host(options.host) && !options.allow_remote)
    throw InputError("--host " + options.host +
                     " would let other machines use this studio; add --allow-remote if that is what you want");
  impl_ = std::make_unique<Impl>(options, std::move(runner), std::move(media));
}

StudioServer::~StudioServer() { stop(); }

int StudioServer::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
    if (impl_->port < 0) impl_->port = 0;
  } else if (impl_->http.bind_to_port(o.host, o.port)) {
    impl_->port = o.port;
  }
  if (impl_->port <= 0)
    throw InputError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                     " (in use, or not an address of this machine); try another --port");
  // listen() again on a listening socket only changes its backlog.
  if (impl_->listen_socket >= 0) ::listen(impl_->listen_socket, kListenBacklog);
  return impl_->port;
}

void StudioServer::run() {
  impl_->running = true;
  if (!impl_->stopping) impl_->http.listen_after_bind();
  impl_->running = false;
}

void StudioServer::stop() {
  impl_->stopping = true;
  impl_->events.close();
  // httplib's stop() does nothing until its listen loop has begun; a run() entered just before
  // would then listen forever. Wait for the loop (or for run() to see `stopping` and return).
  while (impl_->running && !impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->http.stop();
}

std::string StudioServer::url() const {
  const std::string& host = impl_->options.host;
  const std::string shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
  return "http://" + (shown.find(':') != std::string::npos ? "[" + shown + "]" : shown) + ":" +
         std::to_string(impl_->port) + "/";
}

}  // namespace impasto::server
