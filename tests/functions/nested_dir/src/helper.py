"""Imported by src/app.py as a top-level module."""
VALUE = "found beside app.py"
