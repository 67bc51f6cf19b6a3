"""Date formats as Chinese offices type them (FORMAT_MODULE_PATH)."""
