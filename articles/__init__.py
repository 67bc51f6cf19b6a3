"""Composing a bulletin: series, issues, articles, their addressees, review and issuing, and the issued PDF."""
