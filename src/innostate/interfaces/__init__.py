"""User interfaces: they parse, call one library function and render."""
