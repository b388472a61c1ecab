#include "query/paging_state.h"

namespace sibyl::query {

// Layout: [u8 version=1][u8 flags: 1=has clustering][i64 token][u32 index][i64 remaining]
//         [i64 remaining_in_partition][u32 len][partition key][u32 len][clustering]
namespace {

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

struct Reader {
  const std::string& s;
  size_t pos = 0;
  bool ok = true;
  uint64_t Get(int bytes) {
    if (pos + bytes > s.size()) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(s[pos++]);
    return v;
  }
  std::string Bytes() {
    uint32_t len = static_cast<uint32_t>(Get(4));
    if (!ok || pos + len > s.size()) {
      ok = false;
      return {};
    }
    std::string out = s.substr(pos, len);
    pos += len;
    return out;
  }
};

}  // namespace

std::string PagingState::Encode() const {
  std::string out;
  out.push_back(1);
  out.push_back(last_clustering ? 1 : 0);
  PutU64(&out, static_cast<uint64_t>(token));
  PutU32(&out, partition_index);
  PutU64(&out, static_cast<uint64_t>(remaining));
  PutU64(&out, static_cast<uint64_t>(remaining_in_partition));
  PutU32(&out, static_cast<uint32_t>(partition_key.size()));
  out += partition_key;
  const std::string& c = last_clustering ? *last_clustering : std::string();
  PutU32(&out, static_cast<uint32_t>(c.size()));
  out += c;
  return out;
}

Result<PagingState> PagingState::Decode(const std::string& bytes) {
  Reader r{bytes};
  PagingState st;
  uint64_t version = r.Get(1);
  uint64_t flags = r.Get(1);
  st.token = static_cast<int64_t>(r.Get(8));
  st.partition_index = static_cast<uint32_t>(r.Get(4));
  st.remaining = static_cast<int64_t>(r.Get(8));
  st.remaining_in_partition = static_cast<int64_t>(r.Get(8));
  st.partition_key = r.Bytes();
  std::string clustering = r.Bytes();
  if (!r.ok || version != 1 || r.pos != bytes.size()) {
    return InvalidRequest("Invalid value for the paging state");
  }
  if (flags & 1) st.last_clustering = std::move(clustering);
  return st;
}

}  // namespace sibyl::query
