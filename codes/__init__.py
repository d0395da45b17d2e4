"""Code of the course book "Neuronale Netze": everything the chapters show and run.

Submodules are imported explicitly (``from codes.mlp import MLP``) so that importing
the package stays cheap and does not pull in PyTorch for the NumPy chapters.
"""
