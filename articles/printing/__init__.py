"""Printing: an issue laid out to a PDF in the official print layout, then measured and kept intact."""
