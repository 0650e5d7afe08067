#include "server/host_check.h"

#include <arpa/inet.h>
#include <strings.h>

#include <cstdint>

namespace impasto::server {
namespace {

bool is_loopback_address(const std::string& text) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The host part of a Host header ("[::1]" keeps its brackets) and whether the port matches.
bool split_host_header(const std::string& header, int port, std::string& host) {
  size_t end = header.size();
  if (!header.empty() && header.front() == '[') {
    end = header.find(']');
    if (end == std::string::npos) return false;
    ++end;
  } else {
    end = header.find(':');
    if (end == std::string::npos) end = header.size();
  }
  host = header.substr(0, end);
  const std::string rest = header.substr(end);
  if (rest.empty()) return port == 80;
  return rest == ":" + std::to_string(port);
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return is_loopback_address(host.substr(1, host.size() - 2));
  return is_loopback_address(host);
}

bool is_local_host_header(const std::string& host_header, int port, const std::string& listen_host) {
  std::string host;
  if (!split_host_header(host_header, port, host)) return false;
  if (strcasecmp(host.c_str(), "localhost") == 0 || host == "127.0.0.1" || host == "[::1]") return true;
  // The address the studio listens on, written the way a browser writes it (e.g. 127.0.0.2).
  const bool v6 = listen_host.find(':') != std::string::npos;
  return is_loopback_address(listen_host) && host == (v6 ? "[" + listen_host + "]" : listen_host);
}

}  // namespace impasto::server
