"""fnruntime: a local runtime for Tencent SCF, Alibaba FC and JD Cloud Python handlers (see ARCHITECTURE.md)."""
__version__ = "0.1.0"
