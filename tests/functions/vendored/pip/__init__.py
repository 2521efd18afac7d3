"""A vendored `pip` package (a stand-in) that must shadow the interpreter's own pip in site-packages."""
VENDORED = True
