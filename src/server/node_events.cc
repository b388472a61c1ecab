#include "server/node_events.h"

#include <arpa/inet.h>

#include <cstdint>

namespace sibyl::server {
namespace {

void WriteString(std::string& out, const std::string& s) {
  out.push_back(static_cast<char>((s.size() >> 8) & 0xff));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out += s;
}

// [inet]: one byte of address size (4 or 16), the address, then the port as an [int].
bool WriteInet(std::string& out, const std::string& address, int port) {
  unsigned char bytes[16];
  int size = 0;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    size = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    size = 16;
  } else {
    return false;
  }
  out.push_back(static_cast<char>(size));
  out.append(reinterpret_cast<const char*>(bytes), size);
  const uint32_t p = static_cast<uint32_t>(port);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((p >> shift) & 0xff));
  return true;
}

}  // namespace

std::optional<NodeEvent> MakeNodeEvent(const storage::NodeRecord& node,
                                       storage::MembershipChange change) {
  using storage::MembershipChange;
  NodeEvent event;
  const char* what = "";
  switch (change) {
    case MembershipChange::kJoined: event.type = "TOPOLOGY_CHANGE"; what = "NEW_NODE"; break;
    case MembershipChange::kLeft: event.type = "TOPOLOGY_CHANGE"; what = "REMOVED_NODE"; break;
    case MembershipChange::kUp: event.type = "STATUS_CHANGE"; what = "UP"; break;
    case MembershipChange::kDown: event.type = "STATUS_CHANGE"; what = "DOWN"; break;
  }
  WriteString(event.body, event.type);
  WriteString(event.body, what);
  if (!WriteInet(event.body, node.address, node.cql_port)) return std::nullopt;
  return event;
}

}  // namespace sibyl::server
