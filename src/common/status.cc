#include "common/status.h"

#include <fmt/format.h>

namespace sibyl {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
#define ERROR(name, value, desc) \
  case ErrorCode::name:          \
    return #name;
#include "common/error_code.inc"
#undef ERROR
  }
  return "kUnknown";
}

int32_t CqlWireCode(ErrorCode code) {
  auto value = static_cast<uint32_t>(code);
  return value >= 0x10000 ? 0x0000 : static_cast<int32_t>(value);
}

Status::Status(ErrorCode code, std::string message, ErrorDetail detail)
    : rep_(code == ErrorCode::kOk
               ? nullptr
               : std::make_unique<Rep>(Rep{code, std::move(message), std::move(detail)})) {}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

const ErrorDetail& Status::detail() const {
  static const ErrorDetail kNone;
  return rep_ ? rep_->detail : kNone;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return fmt::format("{}: {}", ErrorCodeName(rep_->code), rep_->message);
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  return Status(rep_->code, fmt::format("{}: {}", context, rep_->message), rep_->detail);
}

Status InvalidRequest(std::string message) { return Status(ErrorCode::kInvalid, std::move(message)); }
Status SyntaxError(std::string message) { return Status(ErrorCode::kSyntaxError, std::move(message)); }
Status ConfigError(std::string message) { return Status(ErrorCode::kConfigError, std::move(message)); }
Status ProtocolError(std::string message) {
  return Status(ErrorCode::kProtocolError, std::move(message));
}
Status InternalError(std::string message) {
  return Status(ErrorCode::kInternal, std::move(message));
}
Status NotFound(std::string message) { return Status(ErrorCode::kNotFound, std::move(message)); }
Status Unsupported(std::string_view what) {
  return Status(ErrorCode::kInvalid, fmt::format("unsupported: {}", what));
}

Status AwsError(std::string code, int http_status, std::string message) {
  return Status(ErrorCode::kAwsError, std::move(message),
                AwsErrorDetail{std::move(code), http_status});
}

}  // namespace sibyl
