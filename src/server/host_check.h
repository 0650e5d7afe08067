#pragma once
#include <string>

namespace impasto::server {

// True for a loopback address literal (127.0.0.0/8, ::1) or "localhost": the --host values that
// keep the studio on this machine. Names that merely start with "127." are not addresses.
bool is_loopback_host(const std::string& host);

// Whether a request's Host header names this loopback studio: exactly "localhost", "127.0.0.1",
// "[::1]" or the loopback address it listens on, followed by ":port" (the port may be left out
// only when it is 80). Anything else, such as "127.0.0.1.nip.io:8080", is a name some DNS server
// chose, and a page from another site could be behind it (DNS rebinding).
bool is_local_host_header(const std::string& host_header, int port, const std::string& listen_host);

}  // namespace impasto::server
