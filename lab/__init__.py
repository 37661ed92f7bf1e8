"""The experiments of the course, from scratch in numpy.

Each experiment is a module ``exp<N>``; the rest (``mlp``, ``train``,
``gradcheck``, ``studies``, ``data``) is the maths they share.  Nothing here
imports anything but numpy and the standard library.
"""
