"""Every extension module of the official python:X.Y-slim image of the same version imports in every image (issue 11
item 4): the list is images/extensions.toml's, with its recorded exceptions; `_hashlib` links an OpenSSL that the
version supports, and PBKDF2 (and scrypt on 3.6+) run in OpenSSL, with their timings printed beside runtime:py37's.
"""
import hashlib
import json
import textwrap

import pytest

from imagekit import image_name, run_in

import build  # noqa: E402 (imagekit puts the repository on sys.path)

pytestmark = pytest.mark.docker

CATALOGUE = build.load_catalogue()
PLANS = build.plan(CATALOGUE)
TAGS = [p.tag for p in PLANS]
PY_OF = {p.tag: p.py for p in PLANS}
EXTENSIONS = build.load_toml(CATALOGUE.images_dir / "extensions.toml")
# libcrypto sonames each version may link (the OpenSSL releases it supports): 2.7.18 and 3.6.15 predate OpenSSL 3;
# 3.7's last official images (python:3.7-slim on bookworm) link OpenSSL 3.0, as pyenv's 3.7.16 here does
SUPPORTED_LIBCRYPTO = {"27": ("libcrypto.so.1.1",), "36": ("libcrypto.so.1.1",),
                       "37": ("libcrypto.so.1.1", "libcrypto.so.3")}
PASSWORD, SALT, ITERATIONS = b"correct horse", b"battery staple", 260000

IMPORT_ALL = textwrap.dedent("""
    import importlib, json, sys
    result = {}
    for name in json.loads(sys.argv[1]):
        try:
            module = importlib.import_module(name)
            result[name] = {"ok": True, "file": getattr(module, "__file__", None)}
        except Exception as error:
            result[name] = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
    print("EXT-RESULT " + json.dumps(result))
""")

KDF = textwrap.dedent("""
    import binascii, hashlib, json, sys, time
    password, salt, iterations = b"correct horse", b"battery staple", int(sys.argv[1])
    out = {"pbkdf2_module": getattr(hashlib.pbkdf2_hmac, "__module__", None)}
    start = time.time()
    # u"sha256" as Werkzeug passes it on 2.7 (the pure-Python fallback raised TypeError for a unicode name)
    out["pbkdf2"] = binascii.hexlify(hashlib.pbkdf2_hmac(u"sha256", password, salt, iterations)).decode()
    out["pbkdf2_seconds"] = time.time() - start
    if hasattr(hashlib, "scrypt"):
        start = time.time()
        out["scrypt"] = binascii.hexlify(hashlib.scrypt(password, salt=salt, n=16384, r=8, p=1, dklen=32)).decode()
        out["scrypt_seconds"] = time.time() - start
    import _hashlib
    out["hashlib_file"] = _hashlib.__file__
    out["sha3"] = "sha3_256" in hashlib.algorithms_available
    print("KDF-RESULT " + json.dumps(out))
""")


def official(py):
    section = EXTENSIONS["py" + py]
    return section["official"], {e["module"]: e["reason"] for e in section.get("exceptions", [])}


def last_json(proc, marker):
    lines = [l for l in proc.stdout.splitlines() if l.startswith(marker + " ")]
    assert lines, "no %s line:\n%s\n%s" % (marker, proc.stdout[-2000:], proc.stderr[-2000:])
    return json.loads(lines[-1][len(marker) + 1:])


def test_extension_list_is_complete_data():
    """Each version's list names modules only once, exceptions are listed modules with a reason, and every module
    the local base builds has its recipe."""
    for line in CATALOGUE.pythons:
        modules, exceptions = official(line.py)
        assert len(modules) == len(set(modules)), line.py
        assert "_hashlib" in modules and "_ssl" in modules
        assert set(exceptions) <= set(modules) and all(exceptions.values()), exceptions
        recipe = build.extensions_recipe(CATALOGUE, line)
        assert {m["name"] for m in recipe["modules"]} <= set(modules)


@pytest.mark.parametrize("tag", TAGS)
def test_every_extension_module_of_the_official_image_imports(current_image, catalogue, tag):
    current_image(tag)
    modules, exceptions = official(PY_OF[tag])
    proc = run_in(image_name(catalogue, tag), ["-c", IMPORT_ALL, json.dumps(modules)])
    result = last_json(proc, "EXT-RESULT")
    broken = {name: r["error"] for name, r in result.items() if not r["ok"] and name not in exceptions}
    assert not broken, "extension modules of python:%s-slim that do not import in %s: %s" % (
        catalogue.python(PY_OF[tag]).version, tag, broken)
    for name in exceptions:
        assert not result[name]["ok"], "%s imports in %s: drop its recorded exception" % (name, tag)


@pytest.fixture(scope="session")
def kdf(current_image, catalogue):
    results = {}

    def get(tag):
        if tag not in results:
            current_image(tag)
            proc = run_in(image_name(catalogue, tag), ["-c", KDF, str(ITERATIONS)])
            results[tag] = last_json(proc, "KDF-RESULT")
        return results[tag]
    return get


@pytest.mark.parametrize("tag", TAGS)
def test_hashlib_is_openssl_with_pbkdf2_and_scrypt(kdf, catalogue, tag, capsys):
    py = PY_OF[tag]
    result = kdf(tag)
    assert result["pbkdf2"] == hashlib.pbkdf2_hmac("sha256", PASSWORD, SALT, ITERATIONS).hex()
    assert result["pbkdf2_module"] == "_hashlib", "PBKDF2 of %s is the pure-Python fallback: %s" % (tag, result)
    if py != "27":
        assert result["scrypt"] == hashlib.scrypt(PASSWORD, salt=SALT, n=16384, r=8, p=1, dklen=32).hex()
    peer = kdf("py37")
    with capsys.disabled():
        print("\n%-20s PBKDF2-SHA256 x%d %6.0f ms (runtime:py37 %4.0f ms, x%.2f)%s" % (
            tag, ITERATIONS, result["pbkdf2_seconds"] * 1000, peer["pbkdf2_seconds"] * 1000,
            result["pbkdf2_seconds"] / peer["pbkdf2_seconds"],
            "; scrypt n=16384 %4.0f ms (py37 %4.0f ms)" % (result["scrypt_seconds"] * 1000,
                                                           peer["scrypt_seconds"] * 1000)
            if "scrypt" in result else ""))


@pytest.mark.parametrize("tag", TAGS)
def test_hashlib_links_an_openssl_the_version_supports(current_image, catalogue, tag):
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-c", "ldd $(python -c 'import _hashlib, _ssl; "
                                                     "print(_hashlib.__file__ + \" \" + _ssl.__file__)')"],
                  entrypoint="/bin/sh")
    linked = sorted({l.split()[0] for l in proc.stdout.splitlines() if "libcrypto.so" in l})
    assert len(linked) == 1, "_hashlib and _ssl of %s link %s (one OpenSSL expected):\n%s" % (tag, linked, proc.stdout)
    assert linked[0] in SUPPORTED_LIBCRYPTO[PY_OF[tag]], "%s links %s; Python %s supports %s" % (
        tag, linked[0], catalogue.python(PY_OF[tag]).version, SUPPORTED_LIBCRYPTO[PY_OF[tag]])
