#pragma once
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "impasto/audio.h"
#include "impasto/stylize.h"
#include "impasto/video.h"
#include "server/event_log.h"
#include "server/job_journal.h"

namespace impasto::server {

// What a job makes: a painting (stylize), a painted video clip (run_video) or a sound
// (synthesize_audio). One queue runs all three, one at a time.
enum class JobKind { image, video, audio };
const char* to_string(JobKind kind);

struct JobSpec {
  JobKind kind = JobKind::image;
  Options options;      // image: the run; video: the frames' options (video.frame is replaced by these)
  VideoOptions video;   // video only; frame.output and frames_dir are chosen by the queue
  AudioOptions audio;   // audio only; output is chosen by the queue
  std::string title;
  int preview_every = 5;
};

enum class JobStatus { queued, running, done, failed, cancelled };
const char* to_string(JobStatus status);

// The runners of video and audio jobs (tests put fakes here).
struct MediaRunners {
  std::function<VideoResult(const VideoOptions&, const VideoCallbacks&)> video =
      [](const VideoOptions& o, const VideoCallbacks& c) { return run_video(o, c); };
  std::function<AudioResult(const AudioOptions&, const RunCallbacks&)> audio =
      [](const AudioOptions& o, const RunCallbacks& c) { return synthesize_audio(o, c); };
};

// Runs submitted jobs one at a time, in order, on one worker thread. Every change is published to
// the event log: "state" (the whole queue) when a job is added or changes status, "progress" after
// each iteration and "preview" when a new preview image is ready (of a video: each painted frame,
// announced by a "frame" event too; of a sound: its spectrogram). Finished images are written into
// the output directory (atomically, by the runner) under names the queue chooses; a job is `done`
// only once its file is there, whole. The list of jobs is kept in a journal in the output
// directory: a queue started on it again lists the earlier results, and reports a job that was
// queued or running when the last server stopped uncleanly as failed ("lost").
class JobQueue {
 public:
  using Runner = std::function<RunResult(const Options&, const RunCallbacks&)>;

  JobQueue(std::filesystem::path output_dir, EventLog& events, Runner runner, MediaRunners media = {});
  ~JobQueue();  // cancels the running job and waits for the worker
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  int submit(JobSpec spec);
  // False when no such job is queued or running.
  bool cancel(int id);

  // {"jobs": [...]}, oldest first: what a page needs to draw the queue, the gallery and the chart.
  nlohmann::json snapshot() const;
  std::optional<std::string> preview_png(int id) const;
  // The written image (clip, sound) of a finished job.
  std::optional<std::filesystem::path> result_file(int id) const;
  // Painted frame `frame` (1-based) of a video job, once written.
  std::optional<std::filesystem::path> frame_file(int id, int frame) const;

 private:
  struct Job;
  void work();
  void run(Job& job);
  struct Finished;
  Finished run_image(Job& job, const std::filesystem::path& output);
  Finished run_video(Job& job, const std::filesystem::path& output);
  Finished run_audio(Job& job, const std::filesystem::path& output);
  RunCallbacks run_callbacks(Job& job);
  void publish_state();  // caller holds mutex_; also records the jobs in the journal
  nlohmann::json describe(const Job& job) const;
  nlohmann::json describe_all() const;  // caller holds mutex_
  std::string result_name(int id, const std::string& extension) const;
  void restore(const nlohmann::json& records);

  const std::filesystem::path output_dir_;
  const std::string run_stamp_;  // start time of this server run, part of every result name
  EventLog& events_;
  Runner runner_;
  MediaRunners media_;
  JobJournal journal_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int, std::unique_ptr<Job>> jobs_;
  int next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace impasto::server
