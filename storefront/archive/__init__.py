"""A whole store in one file: the archive format, writing it from a store's schema and loading it into a new one."""
