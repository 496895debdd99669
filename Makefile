# The two commands a newcomer needs:  `make serve`  and  `make test`.
# Both create .venv when it is missing and install what they need; re-running is a no-op
# until pyproject.toml changes.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
HOST   ?= 127.0.0.1
PORT   ?= 50051
PYTEST_ARGS ?=

.PHONY: serve test test-fast bench stubs clean-cache help

help:
	@echo "make serve   start the gateway on $(HOST):$(PORT) (embedded ONNX Runtime backend)"
	@echo "make test    run the test suite (installs the test extra)"
	@echo "make bench   run the benchmarks (print figures and ratios)"
	@echo "make stubs   regenerate the gRPC stubs from client/proto"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade "pip>=24"

$(VENV)/.stamp-server: pyproject.toml | $(PY)
	$(PIP) install -e ".[server]"
	@touch $@

$(VENV)/.stamp-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test]"
	@touch $@ $(VENV)/.stamp-server

serve: $(VENV)/.stamp-server
	$(VENV)/bin/medcoder serve --backend embedded --host $(HOST) --port $(PORT)

test: $(VENV)/.stamp-test
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.stamp-test
	$(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

bench: $(VENV)/.stamp-test
	$(PY) -m benchmarks

stubs: $(VENV)/.stamp-test
	$(PY) -m client.gen_stubs

clean-cache:
	rm -rf $${MEDCODER_CACHE_DIR:-$$HOME/.cache/medcoder}
