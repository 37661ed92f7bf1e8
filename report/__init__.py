"""labreport: lab write-ups generated from the experiments that produce them."""

__version__ = "0.1.0"
