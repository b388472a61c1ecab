#include "tools/cli/aws_cli.h"

#include <fmt/format.h>

#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>

#include "common/clock.h"
#include "http/request.h"
#include "http/sigv4.h"
#include "http/xml_to_json.h"
#include "iam/crypto.h"

namespace sibyl::cli {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

const std::set<std::string>& IamCommands() {
  static const std::set<std::string> kCommands = {
      "create-user", "get-user", "list-users", "update-user", "delete-user",
      "create-access-key", "list-access-keys", "update-access-key", "delete-access-key",
      "get-access-key-last-used", "create-service-specific-credential",
      "list-service-specific-credentials", "reset-service-specific-credential",
      "update-service-specific-credential", "delete-service-specific-credential",
      "tag-user", "untag-user", "list-user-tags",
      "put-user-policy", "get-user-policy", "list-user-policies", "delete-user-policy",
      "create-policy", "get-policy", "get-policy-version", "create-policy-version",
      "list-policy-versions", "delete-policy-version", "set-default-policy-version",
      "list-policies", "delete-policy", "attach-user-policy", "detach-user-policy",
      "list-attached-user-policies", "list-entities-for-policy", "create-group", "get-group",
      "list-groups", "delete-group", "add-user-to-group", "remove-user-from-group",
      "list-groups-for-user", "put-group-policy", "get-group-policy", "list-group-policies",
      "delete-group-policy", "attach-group-policy", "detach-group-policy",
      "list-attached-group-policies", "simulate-principal-policy", "create-login-profile",
      "get-login-profile", "update-login-profile", "delete-login-profile", "change-password"};
  return kCommands;
}

// Parameters the aws CLI takes as lists (--action-names a b c -> ActionNames.member.N).
bool IsListParameter(const std::string& name) {
  static const std::set<std::string> kLists = {"ActionNames", "ResourceArns", "TagKeys"};
  return kLists.count(name) > 0;
}

std::string Pascal(const std::string& kebab) {
  std::string out;
  bool upper = true;
  for (char c : kebab) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Reads `key` of [section] in an INI file such as ~/.aws/credentials.
std::string IniValue(const std::string& path, const std::string& section, const std::string& key) {
  std::ifstream in(path);
  std::string line, current;
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t\r"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      current = trim(line.substr(1, line.size() - 2));
      if (current.rfind("profile ", 0) == 0) current = trim(current.substr(8));
      continue;
    }
    auto eq = line.find('=');
    if (current == section && eq != std::string::npos && trim(line.substr(0, eq)) == key) {
      return trim(line.substr(eq + 1));
    }
  }
  return "";
}

int Usage(const std::string& message) {
  std::cerr << "usage: sibyl iam <command> [options] | sibyl sts get-caller-identity\n"
            << "sibyl: error: " << message << "\n";
  return 252;
}

}  // namespace

int RunAwsStyleCommand(const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("the following arguments are required: command");
  const std::string service = args[0];
  const std::string command = args[1];
  if (service == "iam" && !IamCommands().count(command)) {
    return Usage(fmt::format("argument operation: Invalid choice: '{}'", command));
  }
  if (service == "sts" && command != "get-caller-identity") {
    return Usage(fmt::format("argument operation: Invalid choice: '{}'", command));
  }
  std::string endpoint = Env("AWS_ENDPOINT_URL");
  std::string region, profile = Env("AWS_PROFILE");
  std::string ca_bundle = Env("AWS_CA_BUNDLE");
  bool verify_tls = true;
  std::vector<std::pair<std::string, std::string>> params;
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) return Usage("unrecognized arguments: " + a);
    std::string name = a.substr(2), value;
    std::vector<std::string> values;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      values.push_back(value);
    } else {
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) values.push_back(args[++i]);
      if (!values.empty()) value = values[0];
    }
    if (value.rfind("file://", 0) == 0) {
      // As the aws CLI: the parameter's value is the file's content.
      std::ifstream in(value.substr(7));
      if (!in) return Usage("Error parsing parameter '--" + name + "': Unable to load paramfile " + value);
      value.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (name == "endpoint-url") {
      endpoint = value;
    } else if (name == "region") {
      region = value;
    } else if (name == "profile") {
      profile = value;
    } else if (name == "ca-bundle") {
      ca_bundle = value;
    } else if (name == "no-verify-ssl") {
      verify_tls = false;
    } else if (name == "output") {
      if (value != "json") return Usage("only --output json is supported");
    } else if (name == "tags") {
      // The aws CLI's shorthand: --tags Key=k1,Value=v1 Key=k2,Value=v2
      for (size_t n = 0; n < values.size(); ++n) {
        std::string key, val;
        std::stringstream parts(values[n]);
        for (std::string part; std::getline(parts, part, ',');) {
          if (part.rfind("Key=", 0) == 0) key = part.substr(4);
          if (part.rfind("Value=", 0) == 0) val = part.substr(6);
        }
        if (key.empty()) return Usage("Error parsing parameter '--tags': expected Key=k,Value=v");
        params.emplace_back(fmt::format("Tags.member.{}.Key", n + 1), key);
        params.emplace_back(fmt::format("Tags.member.{}.Value", n + 1), val);
      }
    } else if (IsListParameter(Pascal(name))) {
      for (size_t n = 0; n < values.size(); ++n) {
        params.emplace_back(fmt::format("{}.member.{}", Pascal(name), n + 1), values[n]);
      }
    } else if (values.size() > 1) {
      return Usage("unrecognized arguments: " + values[1]);
    } else if (values.empty() && eq == std::string::npos) {
      // A boolean flag, as the aws CLI spells them: --set-as-default / --no-set-as-default.
      bool negated = name.rfind("no-", 0) == 0;
      params.emplace_back(Pascal(negated ? name.substr(3) : name), negated ? "false" : "true");
    } else {
      params.emplace_back(Pascal(name), value);
    }
  }
  if (endpoint.empty()) endpoint = "http://127.0.0.1:8080";
  if (profile.empty()) profile = "default";
  std::string home = Env("HOME");
  std::string key_id = Env("AWS_ACCESS_KEY_ID"), secret = Env("AWS_SECRET_ACCESS_KEY");
  if (key_id.empty()) {
    key_id = IniValue(home + "/.aws/credentials", profile, "aws_access_key_id");
    secret = IniValue(home + "/.aws/credentials", profile, "aws_secret_access_key");
  }
  if (region.empty()) region = Env("AWS_REGION");
  if (region.empty()) region = Env("AWS_DEFAULT_REGION");
  if (region.empty()) region = IniValue(home + "/.aws/config", profile, "region");
  if (region.empty()) region = "us-east-1";
  if (key_id.empty() || secret.empty()) {
    std::cerr << "\nUnable to locate credentials. You can configure credentials by running "
                 "\"aws configure\".\n";
    return 253;
  }

  // http://host:port or https://host:port (HTTPS verified against the system's CAs plus
  // --ca-bundle / AWS_CA_BUNDLE, such as the server's generated certificate).
  const bool https = endpoint.rfind("https://", 0) == 0;
  if (!https && endpoint.rfind("http://", 0) != 0) {
    return Usage("--endpoint-url must be http://host[:port] or https://host[:port]");
  }
  std::string host_port = endpoint.substr(https ? 8 : 7);
  while (!host_port.empty() && host_port.back() == '/') host_port.pop_back();
  auto colon = host_port.rfind(':');
  std::string host = colon == std::string::npos ? host_port : host_port.substr(0, colon);
  std::string port = colon == std::string::npos ? (https ? "443" : "80") : host_port.substr(colon + 1);

  const std::string action = Pascal(command);
  std::string body = fmt::format("Action={}&Version={}", action,
                                 service == "iam" ? "2010-05-08" : "2011-06-15");
  for (const auto& [k, v] : params) body += "&" + k + "=" + iam::UriEncode(v);
  http::Request request;
  request.method = "POST";
  request.target = "/";
  request.body = body;
  request.headers = {{"Host", host_port},
                     {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  http::SignRequest(request, key_id, secret, region, service, NowSeconds());

  std::string response_body;
  int status = 0;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  req.prepare_payload();
  try {
    net::io_context io;
    net::ip::tcp::resolver resolver(io);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    if (https) {
      net::ssl::context tls(net::ssl::context::tls_client);
      tls.set_default_verify_paths();
      if (!ca_bundle.empty()) tls.load_verify_file(ca_bundle);
      beast::ssl_stream<beast::tcp_stream> stream(io, tls);
      if (verify_tls) {
        stream.set_verify_mode(net::ssl::verify_peer);
        stream.set_verify_callback(net::ssl::host_name_verification(host));
      } else {
        stream.set_verify_mode(net::ssl::verify_none);
      }
      SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
      beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
      try {
        stream.handshake(net::ssl::stream_base::client);
      } catch (const std::exception& e) {
        std::cerr << "\nSSL validation failed for " << endpoint << "/ " << e.what() << "\n";
        return 255;
      }
      bhttp::write(stream, req);
      bhttp::read(stream, buffer, res);
      beast::error_code ec;
      stream.shutdown(ec);
    } else {
      beast::tcp_stream stream(io);
      stream.connect(resolver.resolve(host, port));
      bhttp::write(stream, req);
      bhttp::read(stream, buffer, res);
      beast::error_code ec;
      stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    }
    status = res.result_int();
    response_body = res.body();
  } catch (const std::exception& e) {
    std::cerr << "\nCould not connect to the endpoint URL: \"" << endpoint << "/\"\n";
    return 255;
  }
  pugi::xml_document doc;
  if (!doc.load_string(response_body.c_str())) {
    std::cerr << fmt::format("\nAn error occurred (HTTP {}) when calling the {} operation: {}\n",
                             status, action, response_body);
    return 254;
  }
  if (auto error = doc.child("ErrorResponse").child("Error")) {
    std::cerr << fmt::format("\nAn error occurred ({}) when calling the {} operation: {}\n",
                             error.child_value("Code"), action, error.child_value("Message"));
    return 254;
  }
  auto result = doc.first_child().child((action + "Result").c_str());
  if (result) {
    auto json = http::QueryResultToJson(result);
    // Like the aws CLI, which pages for the user: no pagination fields on a complete answer.
    if (json.is_object() && json.value("IsTruncated", true) == false) json.erase("IsTruncated");
    if (!json.empty()) std::cout << json.dump(4) << "\n";
  }
  return 0;
}

}  // namespace sibyl::cli
