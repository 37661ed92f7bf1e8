"""What an experiment is to the generator: the contract it keeps (contract),
how one is found (registry), configured (settings), made (scaffold), what it
is made of (sources) and where it comes from (provenance)."""
