"""Comparing two builds' outputs, file by file (dirs), as data (data) or as
documents (documents), under named tolerances (tolerance), laid out for a
reader (format)."""
