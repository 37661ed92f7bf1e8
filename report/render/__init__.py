"""Rendering a record: the HTML from a template (html), numbers in one style
(numbers), figures, equations (mathsvg and friends), the program listing
(program) and the PDF (pdf).  Renderers return strings or bytes; they write
no files."""
