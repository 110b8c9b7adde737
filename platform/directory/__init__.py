"""The cross-store search directory: a public-schema copy of every listable product, fed by store tasks."""
