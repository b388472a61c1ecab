#pragma once
// Builds AWS Query protocol XML documents: <OpResponse xmlns=...><OpResult>...</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>, and ErrorResponse.

#include <pugixml.hpp>
#include <string>

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

// Adds <name>text</name> under `parent`.
void AddText(pugi::xml_node parent, const char* name, const std::string& text);

std::string ErrorDocument(const char* xml_namespace, const std::string& type,
                          const std::string& code, const std::string& message);

// ISO 8601 with seconds and Z, as IAM writes dates.
std::string IsoDate(int64_t seconds_since_epoch);

std::string NewRequestId();

}  // namespace sibyl::http
