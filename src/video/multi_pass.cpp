#include "video/multi_pass.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "runtime/stopwatch.h"
#include "video/frame_painter.h"
#include "video/frame_record_json.h"
#include "video/frame_tensor.h"
#include "video/temporal_targets.h"

namespace impasto {

std::vector<std::unique_ptr<FrameStore>> run_later_passes(const LaterPasses& in, const FrameStore& first,
                                                          std::vector<FrameRecord>& records,
                                                          const VideoCallbacks& callbacks) {
  const int count = static_cast<int>(in.frames.size());
  const torch::Device device = in.plan.network.device;
  std::vector<std::unique_ptr<FrameStore>> stores;
  const FrameStore* before = &first;
  for (int pass = 2; pass <= in.options.passes; ++pass) {
    nlohmann::json fingerprint = in.fingerprint;
    fingerprint["pass"] = pass;
    stores.push_back(std::make_unique<FrameStore>(
        (std::filesystem::path(in.work_folder) / ("pass_" + std::to_string(pass))).string(), fingerprint));
    FrameStore& store = *stores.back();
    const bool backward = pass % 2 == 0;
    if (callbacks.on_pass) callbacks.on_pass(pass, in.options.passes, backward);
    const int step = backward ? -1 : 1;
    torch::Tensor neighbour_output;  // this pass's result of the frame painted just before
    for (int k = 0; k < count; ++k) {
      const int i = backward ? count - 1 - k : k;
      const int n = i - step;  // the neighbour this pass painted just before
      FrameRecord& record = records[i];
      if (store.has(i)) {  // painted before the run was interrupted
        FrameRecord earlier = record_from_json(store.read_record(i));
        record.losses = earlier.losses;
        record.iterations += earlier.iterations;
        record.seconds += earlier.seconds;
        neighbour_output = torch::Tensor();
        earlier.resumed = true;
        if (callbacks.on_frame) callbacks.on_frame(earlier, count);
        continue;
      }
      const bool has_neighbour = n >= 0 && n < count && !records[std::max(i, n)].scene_cut;
      if (has_neighbour && !neighbour_output.defined())
        neighbour_output = tensor_from_frame(store.read_image(n)).to(device);
      const auto start = std::chrono::steady_clock::now();
      const torch::Tensor own = tensor_from_frame(before->read_image(i)).to(device);
      ImageJob job;
      job.content = tensor_from_frame(in.frames[i]).to(device);
      job.output = store.staging_path(i);
      job.init = own;
      if (has_neighbour) {
        const EarlierFrame neighbour{1, neighbour_output, in.flows.flow(i, n), in.flows.flow(n, i)};
        job.init = blended_start(own, neighbour);
        job.configure = add_temporal_term({in.options.temporal_weight, temporal_targets({neighbour})});
      }
      torch::Tensor written;
      FrameRecord painted = paint_frame(in.plan, in.network, job, i, count, callbacks, written);
      painted.seconds = seconds_since(start);
      store.write_record(i, record_json(painted));
      store.commit_image(i);
      neighbour_output = written;
      record.losses = painted.losses;
      record.iterations += painted.iterations;
      record.seconds += painted.seconds;
      if (callbacks.on_frame) callbacks.on_frame(painted, count);
    }
    before = &store;
  }
  return stores;
}

}  // namespace impasto
