// The studio's HTTP routes (see README "impasto serve"): the embedded page, uploads, jobs and the
// event stream. Every file the server reads or writes is named by the server; requests only ever
// carry ids it gave out.
#include <httplib.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "impasto/errors.h"
#include "run/run_plan.h"
#include "server/event_log.h"
#include "server/job_request.h"
#include "server/serve.h"
#include "server/upload_store.h"
#include "server/web_assets.h"

namespace impasto::server {
namespace fs = std::filesystem;
namespace {

constexpr auto kKeepAliveInterval = std::chrono::seconds(15);
constexpr size_t kWorkerThreads = 16;  // each open page holds one for its event stream

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

// The uploads of one server run; removed with the server, after the queue that reads them.
struct UploadDirectory {
  fs::path path;
  UploadDirectory() {
    std::random_device random;
    path = fs::temp_directory_path() /
           ("impasto-serve-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 1000000));
  }
  ~UploadDirectory() {
    std::error_code error;
    fs::remove_all(path, error);
  }
};

std::string host_of(const std::string& host_header) {
  if (!host_header.empty() && host_header.front() == '[') return host_header.substr(0, host_header.find(']') + 1);
  return host_header.substr(0, host_header.rfind(':'));
}

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

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct StudioServer::Impl {
  ServeOptions options;
  UploadDirectory upload_dir;
  UploadStore uploads;
  EventLog events;
  JobQueue queue;
  httplib::Server http;
  int port = 0;

  Impl(const ServeOptions& o, JobQueue::Runner runner)
      : options(o),
        uploads(upload_dir.path, UploadLimits{o.max_upload_bytes, o.max_pixels}),
        queue(o.output_dir, events, std::move(runner)) {
    http.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
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
      if (!options.allow_remote && !is_loopback_host(host_of(req.get_header_value("Host")))) {
        send_error(res, 403, "this studio only answers on localhost");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "POST" && req.get_header_value("X-Impasto") != "1") {
        send_error(res, 403, "missing X-Impasto header");
        return httplib::Server::HandlerResponse::Handled;
      }
      // httplib would parse such bodies as forms (and cap them at 8 KB); images come as raw bytes.
      const std::string type = req.get_header_value("Content-Type");
      if (type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.rfind("multipart/", 0) == 0) {
        send_error(res, 415, "send the image itself as the request body, not a form");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;  // a route already explained itself
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
                   {"max_iterations", options.max_iterations}}},
                 {"defaults", run_defaults()},
                 {"models", available_models(options.model_dir)},
                 {"modes", {"stylize", "texture"}},
                 {"preserve_colors", {"luminance", "histogram"}},
                 {"output_dir", fs::absolute(options.output_dir).string()}});
    });

    http.Post("/api/images", [this](const httplib::Request& req, httplib::Response& res) {
      try {
        const StoredImage image = uploads.add(req.body, percent_decode(req.get_header_value("X-Filename")));
        send_json(res, 201, {{"id", image.id}, {"name", image.name}, {"width", image.width},
                             {"height", image.height}, {"format", image.format}});
      } catch (const InputError& e) {
        send_error(res, 400, e.what());
      }
    });

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

    http.Get(R"(/api/jobs/(\d{1,9})/result\.png)", [this](const httplib::Request& req, httplib::Response& res) {
      const auto file = queue.result_file(std::stoi(req.matches[1]));
      const auto bytes = file ? read_file(*file) : std::nullopt;
      if (!bytes) return send_error(res, 404, "no result for this job");
      if (req.has_param("download"))
        res.set_header("Content-Disposition", "attachment; filename=\"" + file->filename().string() + "\"");
      res.set_content(*bytes, "image/png");
    });

    http.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      auto last = std::make_shared<uint64_t>(events.last());
      auto greeted = std::make_shared<bool>(false);
      res.set_chunked_content_provider("text/event-stream", [this, last, greeted](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& text) { return sink.write(text.data(), text.size()); };
        if (!*greeted) {
          *greeted = true;
          return write("retry: 1000\n\n" + sse_frame("state", queue.snapshot()));
        }
        const EventLog::Batch batch = events.wait(*last, kKeepAliveInterval);
        if (batch.closed || !sink.is_writable()) return false;
        *last = batch.last;
        if (batch.missed) return write(sse_frame("state", queue.snapshot()));
        if (batch.frames.empty()) return write(": keep-alive\n\n");
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

StudioServer::StudioServer(const ServeOptions& options, JobQueue::Runner runner) {
  if (!is_loopback_host(options.host) && !options.allow_remote)
    throw InputError("--host " + options.host +
                     " would let other machines use this studio; add --allow-remote if that is what you want");
  impl_ = std::make_unique<Impl>(options, std::move(runner));
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
  return impl_->port;
}

void StudioServer::run() { impl_->http.listen_after_bind(); }

void StudioServer::stop() {
  impl_->events.close();
  impl_->http.stop();
}

std::string StudioServer::url() const {
  const std::string& host = impl_->options.host;
  const std::string shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
  return "http://" + (shown.find(':') != std::string::npos ? "[" + shown + "]" : shown) + ":" +
         std::to_string(impl_->port) + "/";
}

}  // namespace impasto::server
