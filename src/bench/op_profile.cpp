#include "bench/op_profile.h"

#include <torch/version.h>
#if TORCH_VERSION_MAJOR < 2
#include <torch/csrc/autograd/profiler_legacy.h>
#endif

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "impasto/errors.h"

namespace impasto {
namespace {

#if TORCH_VERSION_MAJOR < 2
namespace profiler = torch::autograd::profiler;
#endif

[[maybe_unused]] std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes) {
  std::string text;
  for (const auto& shape : shapes) {
    if (shape.empty()) continue;
    text += text.empty() ? " [" : " x [";
    for (size_t d = 0; d < shape.size(); ++d) text += (d ? "," : "") + std::to_string(shape[d]);
    text += "]";
  }
  return text;
}

}  // namespace

#if TORCH_VERSION_MAJOR >= 2
// libtorch 2's profiler is Kineto's; the legacy event lists read below are 1.x's.
std::vector<OpTime> profile_ops(const std::function<void()>&, int, bool) {
  throw InputError("bench --profile needs libtorch 1.x's legacy profiler; this build uses libtorch " TORCH_VERSION);
}
#else
std::vector<OpTime> profile_ops(const std::function<void()>& work, int runs, bool by_shape) {
  profiler::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU,
                                                                       /*report_input_shapes=*/by_shape));
  for (int i = 0; i < runs; ++i) work();
  const profiler::thread_event_lists threads = profiler::disableProfilerLegacy();

  // Ranges nest per thread: an operator's self time is its duration less that of the ranges inside it.
  std::map<std::string, OpTime> by_name;
  for (const auto& events : threads) {
    struct Open {
      const profiler::LegacyEvent* push;
      double children_us = 0;
    };
    std::vector<Open> open;
    for (const auto& event : events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        open.push_back({&event});
      } else if (event.kind() == profiler::EventKind::PopRange && !open.empty()) {
        const Open range = open.back();
        open.pop_back();
        const double duration_us = range.push->cpuElapsedUs(event);
        if (!open.empty()) open.back().children_us += duration_us;
        std::string name = range.push->name();
        if (by_shape) name += shapes_text(range.push->shapes());
        OpTime& op = by_name[name];
        op.name = name;
        op.self_seconds += (duration_us - range.children_us) * 1e-6 / runs;
        op.calls += 1.0 / runs;
      }
    }
  }
  std::vector<OpTime> ops;
  for (auto& [name, op] : by_name) ops.push_back(op);
  std::sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) { return a.self_seconds > b.self_seconds; });
  return ops;
}
#endif

std::string op_profile_table(const std::vector<OpTime>& ops, size_t top) {
  double seconds_per_run = 0;
  for (const auto& op : ops) seconds_per_run += op.self_seconds;
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "  %10s %7s %7s  operator by self time (profiled: %.1f ms per iteration)\n", "ms",
                "share", "calls", seconds_per_run * 1e3);
  out << line;
  for (size_t i = 0; i < std::min(top, ops.size()); ++i) {
    std::snprintf(line, sizeof line, "  %10.2f %6.1f%% %7.0f  %s\n", ops[i].self_seconds * 1e3,
                  100.0 * ops[i].self_seconds / seconds_per_run, ops[i].calls, ops[i].name.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace impasto
