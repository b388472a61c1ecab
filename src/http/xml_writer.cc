#include "http/xml_writer.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <ctime>
#include <sstream>

#include "common/clock.h"

namespace sibyl::http {

std::string NewRequestId() {
  unsigned char b[16];
  RAND_bytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string IsoDate(int64_t seconds) { return IsoTimestamp(seconds); }

QueryResponse::QueryResponse(const std::string& action, const char* xml_namespace)
    : action_(action) {
  root_ = doc_.append_child((action + "Response").c_str());
  root_.append_attribute("xmlns") = xml_namespace;
}

pugi::xml_node QueryResponse::result() {
  if (!result_) result_ = root_.append_child((action_ + "Result").c_str());
  return result_;
}

std::string QueryResponse::Finish() {
  auto meta = root_.append_child("ResponseMetadata");
  AddText(meta, "RequestId", NewRequestId());
  std::ostringstream out;
  doc_.save(out, "", pugi::format_raw);
  return out.str();
}

void AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).text().set(text.c_str());
}

std::string ErrorDocument(const char* xml_namespace, const std::string& type,
                          const std::string& code, const std::string& message) {
  pugi::xml_document doc;
  auto root = doc.append_child("ErrorResponse");
  root.append_attribute("xmlns") = xml_namespace;
  auto error = root.append_child("Error");
  AddText(error, "Type", type);
  AddText(error, "Code", code);
  AddText(error, "Message", message);
  AddText(root, "RequestId", NewRequestId());
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace sibyl::http
