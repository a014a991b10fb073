"""Hostile input, round two (issue 13): one module per class of trouble, each case a
test that failed before its fix."""
