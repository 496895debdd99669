"""Code sets, edit tables and Numba kernels. Imports nothing else of medcoder."""
