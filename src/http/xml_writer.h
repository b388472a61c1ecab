#pragma once
// Builds AWS Query protocol XML documents: <OpResponse xmlns=...><OpResult>...</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>, and ErrorResponse.

#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace sibyl::http {

inline constexpr const char* kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr const char* kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

class QueryResponse {
 public:
  QueryResponse(const std::string& action, const char* xml_namespace);
  // The <ActionResult> element to fill (created on first use).
  pugi::xml_node result();
  std::string Finish();

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
  pugi::xml_node result_;
  std::string action_;
};

// `text` as XML 1.0 allows it in a document: characters XML forbids (control characters other
// than tab and newlines, U+FFFE/U+FFFF) and bytes that are not valid UTF-8 become U+FFFD.
std::string XmlText(std::string_view text);

// Adds <name>XmlText(text)</name> under `parent`.
void AddText(pugi::xml_node parent, const char* name, const std::string& text);

std::string ErrorDocument(const char* xml_namespace, const std::string& type,
                          const std::string& code, const std::string& message);

// ISO 8601 with seconds and Z, as IAM writes dates.
std::string IsoDate(int64_t seconds_since_epoch);

std::string NewRequestId();

}  // namespace sibyl::http
