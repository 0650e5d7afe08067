#include "video/video_chunks.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "impasto/errors.h"
#include "io/atomic_file.h"
#include "video/flow_field.h"
#include "video/frame_record_json.h"
#include "video/frame_source.h"
#include "video/frame_store.h"
#include "video/reliability.h"
#include "video/video_fingerprint.h"
#include "video/video_output.h"
#include "video/warping_error.h"

namespace impasto {
namespace {

std::string frames_text(const VideoChunk& c) {
  return "chunk " + std::to_string(c.index) + " (frames " + std::to_string(c.first + 1) + "-" + std::to_string(c.end) + ")";
}

// The chunks' painted frames, read back in clip order.
class ChunkFrames {
 public:
  ChunkFrames(const VideoOptions& clip, const std::vector<VideoChunk>& chunks, const std::vector<std::string>& folders)
      : chunks_(chunks) {
    for (size_t k = 0; k < chunks.size(); ++k) {
      if (!chunk_finished(clip, chunks[k], folders[k]))
        throw InputError(frames_text(chunks[k]) + " is missing, unfinished or painted with other options in '" +
                         folders[k] + "': run the same command with --slurm again");
      stores_.emplace_back(folders[k], video_fingerprint(chunk_options(clip, chunks[k], folders[k])));
    }
  }
  // Frame t of the clip as chunk k painted it.
  cv::Mat painted(size_t k, int t) const { return stores_[k].read_image(t - chunks_[k].first); }
  FrameRecord record(size_t k, int t) const { return record_from_json(stores_[k].read_record(t - chunks_[k].first)); }
  // The chunk whose own frames hold t.
  size_t owner(int t) const {
    size_t k = 0;
    while (k + 1 < chunks_.size() && t >= chunks_[k + 1].own_first) ++k;
    return k;
  }
  // Frame t of the written clip: the owner's, crossfaded into the next chunk's over its early frames.
  cv::Mat assembled(int t) const {
    const size_t k = owner(t);
    cv::Mat frame = painted(k, t);
    if (k + 1 < chunks_.size() && t >= chunks_[k + 1].first) {
      const VideoChunk& next = chunks_[k + 1];
      const double share = static_cast<double>(t - next.first + 1) / (next.own_first - next.first + 1);
      cv::addWeighted(frame, 1 - share, painted(k + 1, t), share, 0, frame);
    }
    return frame;
  }

 private:
  const std::vector<VideoChunk>& chunks_;
  std::vector<FrameStore> stores_;
};

}  // namespace

std::vector<int> regular_chunk_starts(int frames, int chunk_frames) {
  std::vector<int> starts;
  for (int s = 0; s < frames; s += chunk_frames) starts.push_back(s);
  return starts;
}

std::vector<int> chunk_starts(const std::vector<double>& motion, int chunk_frames, int overlap) {
  const int frames = static_cast<int>(motion.size());
  std::vector<double> before(frames + 1, 0.0);  // before[t]: motion summed over frames < t
  for (int t = 0; t < frames; ++t) before[t + 1] = before[t] + (t > 0 ? motion[t] : 0.0);
  // The crossfade of a chunk starting at s spans the pairs (s - overlap - 1, s - overlap) .. (s - 1, s).
  auto seam = [&](int s) { return before[s + 1] - before[std::max(0, s - overlap)]; };
  std::vector<int> starts = {0};
  for (int nominal = chunk_frames; nominal < frames; nominal += chunk_frames) {
    const int lowest = std::max(nominal - chunk_frames / 4, starts.back() + overlap + 1);
    const int highest = std::min(nominal + chunk_frames / 4, frames - 1);
    if (lowest > highest) continue;
    int best = std::clamp(nominal, lowest, highest);
    for (int s = lowest; s <= highest; ++s)
      if (seam(s) < seam(best) - 1e-12) best = s;
    starts.push_back(best);
  }
  return starts;
}

std::vector<double> clip_motion(const std::string& path, int max_frames) {
  auto source = FrameSource::open(path);
  std::vector<double> motion;
  cv::Mat previous;
  for (cv::Mat frame = source->next(); !frame.empty() && (max_frames == 0 || static_cast<int>(motion.size()) < max_frames);
       frame = source->next()) {
    cv::Mat grey, small;
    cv::cvtColor(frame, grey, cv::COLOR_BGR2GRAY);
    const double scale = std::min(1.0, 64.0 / std::max(grey.cols, grey.rows));
    cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
    motion.push_back(previous.empty() ? 0.0 : cv::norm(small, previous, cv::NORM_L1) / small.total());
    previous = small;
  }
  return motion;
}

VideoChunk video_chunk(int index, const std::vector<int>& starts, int overlap, int frames) {
  VideoChunk c;
  c.index = index;
  c.own_first = starts.at(static_cast<size_t>(index));
  c.first = std::max(0, c.own_first - overlap);
  c.end = static_cast<size_t>(index) + 1 < starts.size() ? starts[static_cast<size_t>(index) + 1] : frames;
  return c;
}

std::vector<VideoChunk> video_chunks(const std::vector<int>& starts, int overlap, int frames) {
  std::vector<VideoChunk> chunks;
  for (size_t k = 0; k < starts.size(); ++k) chunks.push_back(video_chunk(static_cast<int>(k), starts, overlap, frames));
  return chunks;
}

VideoOptions chunk_options(const VideoOptions& clip, const VideoChunk& chunk, const std::string& folder) {
  VideoOptions o = clip;
  o.first_frame = chunk.first;
  o.max_frames = chunk.end > 0 ? chunk.end - chunk.first : 0;  // 0: to the end of the clip
  o.frames_dir = folder;
  o.write_video = false;
  o.frame.report.clear();
  return o;
}

bool chunk_finished(const VideoOptions& clip, const VideoChunk& chunk, const std::string& folder) {
  const nlohmann::json fingerprint = video_fingerprint(chunk_options(clip, chunk, folder));
  return FrameStore::holds(folder, fingerprint) && FrameStore(folder, fingerprint).finished() >= chunk.end - chunk.first;
}

VideoResult assemble_video_chunks(const VideoOptions& clip, const std::vector<VideoChunk>& chunks,
                                  const std::vector<std::string>& folders) {
  if (chunks.empty()) throw InputError("a clip in chunks needs at least one chunk");
  const ChunkFrames painted(clip, chunks, folders);
  const int count = chunks.back().end;
  std::vector<cv::Mat> written;
  for (int t = 0; t < count; ++t) written.push_back(painted.assembled(t));

  auto source = FrameSource::open(clip.frame.content);
  const std::vector<cv::Mat> frames = read_frames(*source, count, source->next(), written.front().size());
  if (static_cast<int>(frames.size()) != count)
    throw InputError("'" + clip.frame.content + "' has " + std::to_string(frames.size()) + " frames, the chunks " +
                     std::to_string(count));
  std::vector<std::pair<int, int>> pairs;
  for (int t = 1; t < count; ++t) pairs.emplace_back(t - 1, t), pairs.emplace_back(t, t - 1);
  FlowField flows(frames, parse_flow_method(clip.flow), clip.flow_cache, pairs);
  auto flicker = [&](const cv::Mat& earlier, const cv::Mat& later, int t) {  // pair (t - 1, t)
    const cv::Mat forward = flows.flow(t - 1, t);
    return warping_error(earlier, later, forward, reliability(forward, flows.flow(t, t - 1)));
  };

  VideoResult result;
  result.frames = count;
  result.width = written.front().cols;
  result.height = written.front().rows;
  result.frames_per_second = source->frames_per_second();
  double total = 0;
  for (int t = 0; t < count; ++t) {
    FrameRecord record = painted.record(painted.owner(t), t);
    record.frame = t + 1;
    record.resumed = false;
    record.warp_error = t > 0 ? flicker(written[t - 1], written[t], t) : 0;
    total += record.warp_error;
    result.records.push_back(record);
  }
  result.warp_error = count > 1 ? total / (count - 1) : 0;
  for (size_t k = 1; k < chunks.size(); ++k) {
    ChunkBoundary boundary;
    const int own = chunks[k].own_first;
    boundary.frame = own + 1;
    for (int t = chunks[k].first; t <= own; ++t)
      boundary.warp_error = std::max(boundary.warp_error, result.records[t].warp_error);
    boundary.unblended_warp_error = flicker(painted.painted(k - 1, own - 1), painted.painted(k, own), own);
    result.boundaries.push_back(boundary);
  }
  result.input_warp_error = clip_warping_error(frames, flows);
  result.flow_seconds = flows.seconds_computing();
  result.flow_wait_seconds = flows.seconds_waiting();
  result.audio = write_video(
      clip.frame.output, count, [&](int t) { return written[t]; }, result.frames_per_second, clip.frame.content);
  if (!clip.frame.report.empty())
    write_file_atomically(clip.frame.report, video_report(clip, result).dump(2) + "\n");
  return result;
}

}  // namespace impasto
