#include "server/host_check.h"

#include <gtest/gtest.h>

namespace impasto::testing {
namespace {

using server::is_local_host_header;
using server::is_loopback_host;

TEST(ServeHostCheck, LoopbackListenAddressesAreLiteralsOnly) {
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "localhost", "LocalHost"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"127.attacker.example", "127.0.0.1.nip.io", "127.0.0", "128.0.0.1", "0.0.0.0", "::",
                           "192.168.1.4", "localhost.attacker.example", "", "::ffff:8.8.8.8"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(ServeHostCheck, OnlyExactLoopbackNamesWithThePortPass) {
  for (const char* header : {"localhost:8080", "LOCALHOST:8080", "127.0.0.1:8080", "[::1]:8080"})
    EXPECT_TRUE(is_local_host_header(header, 8080, "127.0.0.1")) << header;
  // DNS rebinding: names that only look local, and the right names with another port.
  for (const char* header : {"127.attacker.example:8080", "127.0.0.1.nip.io:8080", "localhost.attacker.example:8080",
                             "attacker.example:8080", "127.0.0.1:8081", "127.0.0.1:80", "localhost:8080x",
                             "127.0.0.1:", "127.0.0.1", "[::1]", "[::1:8080", "127.0.0.2:8080", "", ":8080",
                             "127.0.0.1:8080:8080", "[::1]:8080.nip.io"})
    EXPECT_FALSE(is_local_host_header(header, 8080, "127.0.0.1")) << header;
  // The port may be left out only when it is HTTP's own.
  EXPECT_TRUE(is_local_host_header("localhost", 80, "127.0.0.1"));
  // The loopback address the studio listens on is its own name too.
  EXPECT_TRUE(is_local_host_header("127.0.0.2:8080", 8080, "127.0.0.2"));
  EXPECT_FALSE(is_local_host_header("127.0.0.3:8080", 8080, "127.0.0.2"));
  EXPECT_TRUE(is_local_host_header("[::1]:8080", 8080, "::1"));
}

}  // namespace
}  // namespace impasto::testing
