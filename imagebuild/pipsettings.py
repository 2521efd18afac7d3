"""The host pip's index settings (index URL, extra http(s) indexes, trusted hosts, certificate bundle) as pip itself
reads them, for the wheel-building stages only; what is not http(s) is dropped and said.
"""
from __future__ import annotations

import configparser
import dataclasses
import os
import re

from .catalogue import BuildError


@dataclasses.dataclass(frozen=True)
class IndexSettings:
    index_url: str
    extra_index_urls: tuple
    trusted_hosts: tuple
    cert: str | None
    dropped: tuple               # settings not passed (file:// and other non-http URLs)


def pip_config_values():
    """pip's own view of its configuration (files and PIP_* variables), as {'global.index-url': value}."""
    values = {}
    config_files = ["/etc/pip.conf", "/etc/xdg/pip/pip.conf", os.path.expanduser("~/.pip/pip.conf"),
                    os.path.expanduser("~/.config/pip/pip.conf")]
    if os.environ.get("PIP_CONFIG_FILE"):
        config_files.append(os.environ["PIP_CONFIG_FILE"])
    for path in config_files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ("global", "install", "download", "wheel"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    values[key] = value
    for variable, value in os.environ.items():
        if variable.startswith("PIP_"):
            values[variable[4:].lower().replace("_", "-")] = value
    return values


def host_index_settings(index_url=None, cert=None, use_host=True):
    values = pip_config_values() if use_host else {}
    dropped = []

    def http_only(urls):
        kept = []
        for url in urls:
            if re.match(r"https?://", url):
                kept.append(url)
            elif url:
                dropped.append(url)
        return kept

    index = http_only([index_url or values.get("index-url", "https://pypi.org/simple")]) or ["https://pypi.org/simple"]
    extra = http_only(values.get("extra-index-url", "").split())
    hosts = tuple(values.get("trusted-host", "").split())
    cert = cert or values.get("cert") or None
    if cert and not os.path.isfile(cert):
        raise BuildError("certificate bundle %s (pip's 'cert' setting) does not exist; pass --cert FILE" % cert)
    return IndexSettings(index_url=index[0], extra_index_urls=tuple(extra), trusted_hosts=hosts, cert=cert,
                         dropped=tuple(dropped))
