"""`sibyl serve --help` lists every option the server accepts, as printable UTF-8 (issue 10 item 22).

The bug: `--durability` maps onto `storage::Durability`, an enum with a uint8_t underlying type, and
CLI11 printed the mapped values as raw bytes ("periodic->\\x01,sync->\\x00"); the NUL ended the
text that main() prints with fputs, so every option after `--durability` was missing from the help.

The list of options is derived from the code (every `add_option`/`add_flag` of `serve` in
src/server/config.cc) rather than copied by hand, and each one is also checked to be accepted by
the binary, so that the test follows the options as they are added.
"""
import os
import re
import subprocess

from conftest import SIBYL_BIN

CONFIG_CC = os.path.join(os.path.dirname(__file__), "..", "..", "src", "server", "config.cc")

# serve->add_option("--x", ...), serve->add_flag("--x", ...), add_option_function<T>("--x", ...):
# the first string literal of the call is the flag (possibly on the next line).
_OPTION_CALL = re.compile(r'serve->add_(?:option|flag)(?:_function<[^>]*>)?\(\s*"(--[a-z0-9-]+)"')


def options_in_code():
    with open(CONFIG_CC, encoding="utf-8") as f:
        source = f.read()
    names = _OPTION_CALL.findall(source)
    # Options registered through a helper (e.g. AddEnumOption(serve, "--durability", ...)).
    names += re.findall(r'Add\w*Option(?:<[^>]*>)?\(\s*\*?serve\s*,\s*"(--[a-z0-9-]+)"', source)
    return sorted(set(names))


def run(*args):
    return subprocess.run([SIBYL_BIN, *args], capture_output=True, timeout=10)


def test_options_are_found_in_the_code():
    # Guards the derivation itself: if config.cc changes its style, this test must notice rather
    # than check an empty list.
    names = options_in_code()
    for must in ("--config", "--data-dir", "--durability", "--cql-frame-timeout-ms", "--auth"):
        assert must in names, names
    assert len(names) >= 25, names


def test_serve_help_lists_every_option_as_printable_utf8():
    out = run("serve", "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode("utf-8")  # raises on invalid UTF-8
    bad = [(i, hex(ord(c))) for i, c in enumerate(text)
           if (ord(c) < 0x20 and c not in "\n") or ord(c) == 0x7f]
    assert not bad, f"control characters in the help at {bad[:5]}: {text[-400:]!r}"
    listed = set(re.findall(r"^\s+(--[a-z0-9-]+)", text, re.MULTILINE))
    missing = [name for name in options_in_code() if name not in listed]
    assert not missing, f"options missing from `sibyl serve --help`: {missing}\n{text}"
    # The enum options show their names, not what they map to.
    assert re.search(r"--durability\b.*\bsync\b.*\bperiodic\b|--durability\b.*\bperiodic\b.*\bsync\b",
                     text), text
    assert re.search(r"--auth\b.*\biam\b.*\bnone\b", text), text


def test_every_listed_option_is_accepted():
    # The converse: the help names nothing the parser refuses as unknown. With a stray argument
    # after it, the server never starts: a known option is refused for its value or the stray
    # argument alone is "not expected"; an unknown one would be named as "not expected" too.
    text = run("serve", "--help").stdout.decode("utf-8")
    for name in sorted(set(re.findall(r"^\s+(--[a-z0-9-]+)", text, re.MULTILINE))):
        if name in ("--help", "--version"):
            continue
        out = run("serve", f"{name}=1", "zzz-stray")
        assert out.returncode != 0
        message = out.stderr.decode("utf-8", "replace")
        unexpected = [line for line in message.splitlines() if "not expected" in line]
        assert not any(name in line for line in unexpected), (name, message)


def value_is_accepted(*args):
    # With a stray argument the server never starts; if the value is valid, the stray argument is
    # the only error (CLI11 checks values before it reports extra arguments).
    out = run("serve", *args, "zzz-stray")
    assert out.returncode != 0
    return b"not expected: zzz-stray" in out.stderr


def test_enum_options_accept_their_names_only():
    # `--durability 0` was accepted too (CLI11's CheckedTransformer also matches mapped values).
    for args in (["--durability", "bogus"], ["--durability", "0"], ["--durability", "1"],
                 ["--auth", "1"], ["--auth", "0"], ["--auth", "bogus"]):
        assert not value_is_accepted(*args), args
    for args in (["--durability", "periodic"], ["--durability", "SYNC"], ["--durability", "sync"],
                 ["--auth", "none"], ["--auth", "IAM"]):
        assert value_is_accepted(*args), args


def test_top_level_help_is_printable_and_names_serve():
    out = run("--help")
    assert out.returncode == 0
    text = out.stdout.decode("utf-8")
    assert not [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f], repr(text)
    assert re.search(r"^\s+serve\b", text, re.MULTILINE), text
