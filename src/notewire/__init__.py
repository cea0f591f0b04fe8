"""notewire: a web notebook for interactive computing in Python."""

__version__ = "0.1.0"
