"""Part of the wrong_entry scenario: a folder the import error message lists as `lib/`."""
