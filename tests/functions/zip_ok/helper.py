"""A second module in the zip_ok package, imported by nothing: it just has to be unpacked beside index.py."""
VALUE = "helper"
