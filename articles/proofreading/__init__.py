"""Proofreading (校对): the rules of 公文 writing checked over an article's text, each finding explained."""
