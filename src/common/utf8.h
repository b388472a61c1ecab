#pragma once
// UTF-8 checks and safe quoting of client input in messages (issue 9 item 3).
//
// Every message the server sends is a protocol [string]: it must be valid UTF-8 and fit its
// length field. Whenever a message quotes something a client sent (a token, a literal, a name),
// quote it through QuoteForMessage: the result is valid UTF-8, free of control characters and
// bounded in length, whatever the input bytes were.

#include <cstddef>
#include <string>
#include <string_view>

namespace sibyl {

// Length in bytes of the valid UTF-8 sequence starting at text[pos], or 0 when the bytes there
// are not one: a stray continuation byte, a truncated sequence, an overlong form, a UTF-16
// surrogate (U+D800..U+DFFF) or a code point above U+10FFFF — everything Java's strict UTF-8
// decoder (as Cassandra uses it) refuses. REQUIRES: pos < text.size().
size_t Utf8SequenceLength(std::string_view text, size_t pos);

// The byte offset of the first invalid sequence, or text.size() when all of `text` is valid.
size_t FindInvalidUtf8(std::string_view text);
inline bool IsValidUtf8(std::string_view text) { return FindInvalidUtf8(text) == text.size(); }

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut a character in
// half (invalid bytes count as one-byte characters).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// `text` made safe to quote in a message: valid UTF-8 characters other than control characters
// are kept; control characters become \n, \t, \r or \u00XX; bytes that are not valid UTF-8
// become \xNN. When the result would exceed `max_bytes`, it is cut at a character boundary and
// "..." is appended (so the result is at most max_bytes + 3 bytes).
inline constexpr size_t kMaxQuotedBytes = 256;  // default bound for quoted input in messages
std::string QuoteForMessage(std::string_view text, size_t max_bytes = kMaxQuotedBytes);

}  // namespace sibyl
