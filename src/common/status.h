#pragma once
// Status and Result<T>: errors are values (STYLE.md §3).
//
// Status is cheap when OK (a null pointer, no allocation). An error holds an ErrorCode, a message
// and, for the CQL codes whose ERROR body has extra fields, a typed detail.
// Result<T> holds either a T or a non-OK Status.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sibyl {

enum class ErrorCode : uint32_t {
#define ERROR(name, value, desc) name = value,
#include "common/error_code.inc"
#undef ERROR
};
// kOk is only ever the code of an OK Status.

// Name of the code as written in the table ("kInvalid").
std::string_view ErrorCodeName(ErrorCode code);
// The value sent in a CQL ERROR frame: CQL codes as is, internal codes as SERVER_ERROR (0x0000).
int32_t CqlWireCode(ErrorCode code);

// Extra fields of ERROR bodies (native_protocol_v4.spec §9).
struct AlreadyExistsDetail {
  std::string keyspace;
  std::string table;  // empty for a keyspace
};
struct UnpreparedDetail {
  std::string id;
};
struct UnavailableDetail {
  uint16_t consistency = 0;
  int32_t required = 0;
  int32_t alive = 0;
};
struct TimeoutDetail {  // ReadTimeout and WriteTimeout
  uint16_t consistency = 0;
  int32_t received = 0;
  int32_t block_for = 0;
  std::string write_type;     // WriteTimeout only
  bool data_present = false;  // ReadTimeout only
};
struct FunctionFailureDetail {
  std::string keyspace;
  std::string function;
  std::string arg_types;
};
// An AWS API error (IAM Query protocol): the error code clients match on and the HTTP status.
struct AwsErrorDetail {
  std::string code;  // e.g. "NoSuchEntity", "LimitExceeded", "ValidationError"
  int http_status = 400;
};
using ErrorDetail = std::variant<std::monostate, AlreadyExistsDetail, UnpreparedDetail,
                                 UnavailableDetail, TimeoutDetail, FunctionFailureDetail,
                                 AwsErrorDetail>;

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message, ErrorDetail detail = {});

  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  const ErrorDetail& detail() const;

  // "kInvalid: message" — for logs and tests.
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Marks a Status as deliberately ignored; write why next to the call.
  void IgnoreError() const {}

 private:
  struct Rep {
    ErrorCode code;
    std::string message;
    ErrorDetail detail;
  };
  std::unique_ptr<Rep> rep_;
};

// Shorthands for the common codes.
Status InvalidRequest(std::string message);
Status SyntaxError(std::string message);
Status ConfigError(std::string message);
Status ProtocolError(std::string message);
Status InternalError(std::string message);
Status NotFound(std::string message);
// Invalid "unsupported: <what>": a clear refusal of something Sibyl does not do yet.
Status Unsupported(std::string_view what);
// An AWS API error: kAwsError with AwsErrorDetail{code, http_status}.
Status AwsError(std::string code, int http_status, std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT; REQUIRES: !status.ok()

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sibyl

#define SIBYL_CONCAT_INNER(a, b) a##b
#define SIBYL_CONCAT(a, b) SIBYL_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::sibyl::Status _st = (expr);             \
    if (!_st.ok()) return _st;                \
  } while (0)

// ASSIGN_OR_RETURN(auto x, ComputeResult()); returns the Status on error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SIBYL_CONCAT(_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
