"""A vendored `six` (a stand-in): the marker tells the tests this copy, not the installed one, was imported."""
VENDORED = True
