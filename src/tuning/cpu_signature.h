#pragma once
#include <string>

namespace impasto {

// Identifies a machine for the tuning cache by what decides the speed of its kernels, never by a
// processor's name: the instruction-set flags of /proc/cpuinfo (x86 "flags", Arm "Features"), the
// core count and the libtorch version. E.g. "avx512f avx2 fma, 2 cores, flags 9c1e0d3a5b7f2a61,
// libtorch 1.13.1": the named flags are there for people; the hash covers all of them.
std::string cpu_signature();

// The same from given /proc/cpuinfo text and core count (for tests).
std::string cpu_signature(const std::string& cpuinfo, unsigned cores);

}  // namespace impasto
