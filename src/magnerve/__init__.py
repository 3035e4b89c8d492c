"""magnerve: safe, cited magnesium plans for nerve pain."""
__version__ = "0.1.0"
