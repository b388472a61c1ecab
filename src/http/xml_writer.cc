#include "http/xml_writer.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <sstream>

#include "common/clock.h"
#include "common/utf8.h"

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

std::string XmlText(std::string_view text) {
  // XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const auto c = static_cast<uint8_t>(text[pos]);
    const size_t length = Utf8SequenceLength(text, pos);
    bool allowed = length > 0;
    if (length == 1) allowed = c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
    if (length == 3 && c == 0xef && static_cast<uint8_t>(text[pos + 1]) == 0xbf &&
        static_cast<uint8_t>(text[pos + 2]) >= 0xbe) {
      allowed = false;  // U+FFFE, U+FFFF
    }
    if (allowed) {
      out.append(text.substr(pos, length));
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
    }
    pos += std::max<size_t>(length, 1);
  }
  return out;
}

void AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  // pugixml writes text as given; an XML reader (the aws CLI's) refuses the whole document
  // over one control character or invalid byte, so they are replaced (issue 9 item 8).
  parent.append_child(name).text().set(XmlText(text).c_str());
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
