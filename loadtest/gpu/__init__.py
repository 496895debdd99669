"""The device load test: what to carry (``pack``) and the one command run there (``run_gpu.sh``)."""
