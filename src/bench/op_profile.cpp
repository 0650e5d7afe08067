#include "bench/op_profile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace impasto {

std::vector<OpTime> profile_ops(const std::function<void()>& work, int runs) {
  std::stringstream trace;
  {
    torch::autograd::profiler::RecordProfile recording(trace);
    for (int i = 0; i < runs; ++i) work();
  }
  struct Event {
    std::string name;
    double start, duration;
    int64_t thread;
  };
  std::vector<Event> events;
  for (const auto& e : nlohmann::json::parse(trace)) {
    if (e.value("ph", "") != "X") continue;
    events.push_back({e.at("name").get<std::string>(), e.at("ts").get<double>(), e.at("dur").get<double>(),
                      e.value("tid", int64_t{0})});
  }
  // Per thread, events nest: an operator's self time is its duration less its direct children's.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.thread != b.thread ? a.thread < b.thread : a.start != b.start ? a.start < b.start : a.duration > b.duration;
  });
  std::map<std::string, OpTime> by_name;
  std::vector<std::pair<size_t, double>> open;  // event index, its end
  std::vector<double> self(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    while (!open.empty() && (events[open.back().first].thread != e.thread || open.back().second <= e.start))
      open.pop_back();
    self[i] = e.duration;
    if (!open.empty()) self[open.back().first] -= e.duration;
    open.push_back({i, e.start + e.duration});
  }
  for (size_t i = 0; i < events.size(); ++i) {
    OpTime& op = by_name[events[i].name];
    op.name = events[i].name;
    op.self_seconds += self[i] * 1e-6 / runs;
    op.calls += 1.0 / runs;
  }
  std::vector<OpTime> ops;
  for (auto& [name, op] : by_name) ops.push_back(op);
  std::sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) { return a.self_seconds > b.self_seconds; });
  return ops;
}

std::string op_profile_table(const std::vector<OpTime>& ops, size_t top) {
  double seconds_per_run = 0;
  for (const auto& op : ops) seconds_per_run += op.self_seconds;
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "  %-44s %10s %7s %7s   (profiled: %.1f ms per iteration)\n",
                "operator (self time)", "ms", "share", "calls", seconds_per_run * 1e3);
  out << line;
  for (size_t i = 0; i < std::min(top, ops.size()); ++i) {
    std::snprintf(line, sizeof line, "  %-44s %10.2f %6.1f%% %7.0f\n", ops[i].name.substr(0, 44).c_str(),
                  ops[i].self_seconds * 1e3, 100.0 * ops[i].self_seconds / seconds_per_run, ops[i].calls);
    out << line;
  }
  return out.str();
}

}  // namespace impasto
