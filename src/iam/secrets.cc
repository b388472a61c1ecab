#include "iam/secrets.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sibyl::iam {

Result<std::unique_ptr<Secrets>> Secrets::Open(const std::string& key_path) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  namespace fs = std::filesystem;
  std::string key;
  if (fs::exists(key_path)) {
    std::ifstream in(key_path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    key = buf.str();
    if (!in.good() && !in.eof()) return Status(ErrorCode::kIOError, "cannot read " + key_path);
    if (key.size() != crypto_secretbox_KEYBYTES) {
      return Status(ErrorCode::kCorruption, "master key " + key_path + " is not 32 bytes");
    }
  } else {
    std::error_code ec;
    fs::create_directories(fs::path(key_path).parent_path(), ec);
    key.resize(crypto_secretbox_KEYBYTES);
    randombytes_buf(key.data(), key.size());
    int fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Status(ErrorCode::kIOError, "cannot create " + key_path);
    bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Status(ErrorCode::kIOError, "cannot write " + key_path);
  }
  std::unique_ptr<Secrets> secrets(new Secrets(key));
  // A separate key for password hashing, so the two uses never share a key.
  secrets->password_key_.resize(crypto_generichash_KEYBYTES);
  static const char kContext[] = "sibyl service password hash v1";
  crypto_generichash(reinterpret_cast<unsigned char*>(secrets->password_key_.data()),
                     secrets->password_key_.size(),
                     reinterpret_cast<const unsigned char*>(kContext), sizeof(kContext) - 1,
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return secrets;
}

std::string Secrets::Seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return out;
}

Result<std::string> Secrets::Unseal(std::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Status(ErrorCode::kCorruption, "sealed secret too short");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plain(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return Status(ErrorCode::kCorruption, "sealed secret does not open under the master key");
  }
  return plain;
}

std::string Secrets::HashPassword(std::string_view password) const {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                     reinterpret_cast<const unsigned char*>(password_key_.data()),
                     password_key_.size());
  return out;
}

bool Secrets::VerifyPassword(std::string_view password, std::string_view hash) const {
  std::string computed = HashPassword(password);
  return hash.size() == computed.size() &&
         sodium_memcmp(computed.data(), hash.data(), computed.size()) == 0;
}

std::string Secrets::RandomString(size_t n, std::string_view alphabet) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(alphabet[randombytes_uniform(static_cast<uint32_t>(alphabet.size()))]);
  }
  return out;
}

std::string Secrets::NewServicePassword() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof(raw));
  std::string out(sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string Secrets::NewSecretAccessKey() {
  return RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
}

std::string Secrets::HashConsolePassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return "";  // out of memory: an empty hash matches no password
  }
  return out;
}

bool Secrets::VerifyConsolePassword(std::string_view password, const std::string& hash) {
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace sibyl::iam
