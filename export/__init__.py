"""Offline: training, ONNX export, parity checks, quantisation. Never imported at serve time."""
