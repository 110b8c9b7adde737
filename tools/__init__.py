"""Developer commands: bootstrap, service discovery, run and test."""
