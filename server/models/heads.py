"""Note-level heads on the shared encoder: NER tags and label-attention code probabilities.

    model = NoteModel.load()                      # model_repository/code_linker (+ heads/)
    out = model.run("Assessment: acute on chronic systolic heart failure, atrial fibrillation")
    out.entities   # (Entity(start=12, end=52, type='problem', score=0.9...), ...)  offsets into text
    out.codes      # (CodeProb('I50.23', 'ICD10CM', 0.4...), ...)  best first

Both heads read the last hidden layer of the committed int8 code-linker graph. That graph only
outputs the pooled mention embedding, so at load its final LayerNormalization output is exposed as
an extra graph output (``token_states`` [batch, sequence, hidden]) in memory: the 23 MB file is
never rewritten, and one encoder pass per ≤512-token chunk feeds both heads. The heads themselves
are numpy (``heads_from_states``), so a Triton/GPU backend that returns ``token_states`` reuses them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.models.encoder import pad_rows
from server.models.errors import ModelArtifactError
from server.models.linker import check_same_model, default_model_dir

TOKEN_STATES = "token_states"
HEADS_FILE = Path("heads") / "heads.npz"
ENTITY_TYPES = ("problem", "procedure", "medication", "anatomy", "test")
TAGS = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
MAX_POSITIONS = 512
NER_WINDOW = 3          # the tagger reads each token with its left and right neighbour
_NER_KEYS = ("ner_w1", "ner_b1", "ner_w2", "ner_b2")
_LAT_KEYS = ("lat_w", "lat_bw", "lat_u", "lat_wv", "lat_beta", "lat_b")


@dataclass(frozen=True)
class HeadsOptions:
    """``chunk_tokens``: window length with [CLS]/[SEP] (≤ 512, the encoder's positions);
    ``batch_size``: chunks per encoder call; ``min_code_prob``: codes below it are not returned."""
    chunk_tokens: int = MAX_POSITIONS
    batch_size: int = 8
    intra_op_threads: int = 1
    min_code_prob: float = 0.01


@dataclass(frozen=True)
class Entity:
    start: int            # character offsets into the note
    end: int
    type: str             # one of ENTITY_TYPES
    score: float          # mean probability of the span's tags


@dataclass(frozen=True)
class CodeProb:
    code: str
    system: str           # ICD10CM | ICD10PCS
    prob: float


@dataclass(frozen=True)
class NoteOutput:
    entities: tuple[Entity, ...]
    codes: tuple[CodeProb, ...]   # best first
    chunks: int


@dataclass(frozen=True)
class Chunk:
    """One encoder window: ``ids`` with [CLS]/[SEP]; ``offsets[i]`` is the character span of
    ``ids[i + 1]`` (the inner tokens); ``pieces[i]``: that token continues a word ("##b")."""
    ids: np.ndarray
    offsets: np.ndarray
    pieces: np.ndarray


def token_state_graph(onnx_path: Path) -> tuple[bytes, int]:
    """The encoder graph with its last hidden layer as an extra output, serialised, and the hidden
    size. The original ``mention_embedding`` output is unchanged."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError as e:   # the server extra pins it
        raise ModelArtifactError("the onnx package is needed to expose the encoder's token states") from e
    try:
        model = onnx.load(str(onnx_path))
    except Exception as e:
        raise ModelArtifactError(f"cannot read {Path(onnx_path).name}") from e
    g = model.graph
    norms = [n for n in g.node if n.op_type == "LayerNormalization"]
    if not norms or any(o.name == TOKEN_STATES for o in g.output):
        raise ModelArtifactError(f"{Path(onnx_path).name} has no final LayerNormalization to expose")
    last = norms[-1]   # nodes are topologically sorted: the last one is the final hidden layer
    inits = {t.name: t for t in g.initializer}
    gamma = inits.get(last.input[1])
    if gamma is None or len(gamma.dims) != 1:
        raise ModelArtifactError(f"{Path(onnx_path).name}: unexpected final LayerNormalization")
    hidden = int(gamma.dims[0])
    g.node.append(helper.make_node("Identity", [last.output[0]], [TOKEN_STATES], name="token_states_out"))
    g.output.append(helper.make_tensor_value_info(TOKEN_STATES, TensorProto.FLOAT, ["batch", "sequence", hidden]))
    return model.SerializeToString(), hidden


def chunk_note(tokenizer, text: str, chunk_tokens: int = MAX_POSITIONS) -> list[Chunk]:
    """Cut a note into windows of at most ``chunk_tokens`` (specials included), preferring to end
    a window after a sentence's full stop or at a line break in its last quarter."""
    if not 3 <= chunk_tokens <= MAX_POSITIONS:
        raise ValueError("chunk_tokens must be within 3..512")
    enc = tokenizer.encode(text, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offs = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    pieces = np.array([t.startswith("##") for t in enc.tokens], dtype=bool)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    width, n, out, a = chunk_tokens - 2, len(ids), [], 0
    while a < n or not out:
        b = min(a + width, n)
        if b < n:
            b = _break_point(text, offs, a, b, width)
        window = np.concatenate([[cls_id], ids[a:b], [sep_id]]).astype(np.int64)
        out.append(Chunk(window, offs[a:b], pieces[a:b]))
        a = b
    return out


def _break_point(text: str, offs: np.ndarray, a: int, b: int, width: int) -> int:
    for i in range(b - 1, max(a + 1, b - width // 4) - 1, -1):
        s, e = int(offs[i][0]), int(offs[i][1])
        nxt = int(offs[i + 1][0]) if i + 1 < len(offs) else e
        if text[s:e] == "." or "\n" in text[e:nxt]:
            return i + 1
    return b


def token_state_session(onnx_path: Path, intra_op_threads: int = 1):
    """(ONNX Runtime session over the graph with ``token_states`` exposed, hidden size)."""
    import onnxruntime as ort

    graph, hidden = token_state_graph(onnx_path)
    so = ort.SessionOptions()
    so.intra_op_num_threads = intra_op_threads
    so.inter_op_num_threads = 1
    # numpy heads run right after each call: ORT's idle threads spinning for more work would take
    # the cores from them (on 2 cores, enc+heads at batch 8 x 512 went from 0.77 to 0.88 of the
    # bare encoder's rate without the spinning)
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"]), hidden


def load_tokenizer(path: Path):
    """The shipped fast tokenizer with its 128-token truncation and padding switched off."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode_chunks(session, chunks: list[Chunk], hidden: int, batch_size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Token states [n_chunks, T, H] (float32, padded to the longest chunk) and the int64 mask;
    one encoder call per ``batch_size`` chunks, each padded only to its batch's longest."""
    width = max(len(c.ids) for c in chunks)
    ids, mask = pad_rows([c.ids for c in chunks], width)
    states = np.zeros((len(chunks), width, hidden), np.float32)
    for s in range(0, len(chunks), batch_size):
        w = int(mask[s:s + batch_size].sum(axis=1).max())
        rows = slice(s, s + batch_size)
        states[rows, :w] = session.run([TOKEN_STATES], {"input_ids": ids[rows, :w],
                                                        "attention_mask": mask[rows, :w]})[0]
    return states, mask


class HeadWeights:
    """The two heads' parameters (``heads.npz``), validated on load and held as float32."""

    def __init__(self, arrays: dict[str, np.ndarray], codes: np.ndarray, systems: np.ndarray,
                 model_sha256: str = ""):
        self.p = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}
        self.codes = np.asarray(codes).astype(str)
        self.systems = np.asarray(systems).astype(str)
        self.model_sha256 = model_sha256
        self._check()

    def _check(self) -> None:
        p = self.p
        missing = [k for k in _NER_KEYS + _LAT_KEYS if k not in p]
        if missing:
            raise ModelArtifactError(f"heads.npz lacks {', '.join(missing)}")
        h, c = p["lat_w"].shape[0], len(self.codes)
        shapes = {"ner_b1": (p["ner_w1"].shape[1],), "ner_w2": (p["ner_w1"].shape[1], len(TAGS)),
                  "ner_b2": (len(TAGS),), "lat_bw": (p["lat_w"].shape[1],),
                  "lat_u": (c, p["lat_w"].shape[1]), "lat_beta": (c, p["lat_wv"].shape[1]), "lat_b": (c,)}
        bad = [k for k, s in shapes.items() if p[k].shape != s]
        if (bad or p["ner_w1"].shape[0] != NER_WINDOW * h or p["lat_wv"].shape[0] != h
                or len(self.systems) != c or c == 0):
            raise ModelArtifactError(f"heads.npz arrays have inconsistent shapes ({', '.join(bad) or 'codes'})")
        if not all(np.isfinite(v).all() for v in p.values()):
            raise ModelArtifactError("heads.npz holds non-finite weights")

    @property
    def hidden(self) -> int:
        return int(self.p["lat_w"].shape[0])

    def save(self, path: Path, **meta: str) -> None:
        """fp16 weights (about 2 bytes a parameter) plus the code list and the encoder's sha256."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{k: v.astype(np.float16) for k, v in self.p.items()},
                            codes=self.codes, systems=self.systems, tags=np.array(TAGS),
                            model_sha256=np.array(self.model_sha256), **{k: np.array(v) for k, v in meta.items()})

    @classmethod
    def load(cls, path: Path) -> "HeadWeights":
        path = Path(path)
        if not path.is_file():
            raise ModelArtifactError(f"model artifact missing: {path.name}")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except Exception as e:
            raise ModelArtifactError(f"cannot read {path.name}") from e
        if tuple(data.get("tags", np.array([])).astype(str)) != TAGS:
            raise ModelArtifactError(f"{path.name} was written for a different tag set")
        if "codes" not in data or "systems" not in data:
            raise ModelArtifactError(f"{path.name} lacks its code list")
        arrays = {k: v for k, v in data.items() if k in _NER_KEYS + _LAT_KEYS}
        return cls(arrays, data["codes"], data["systems"], str(data.get("model_sha256", np.array(""))))


def heads_from_states(states: np.ndarray, mask: np.ndarray, w: HeadWeights) -> tuple[np.ndarray, np.ndarray]:
    """(tag logits [B, T, len(TAGS)], code probabilities [B, n_codes]) from the encoder's token
    states [B, T, H] and attention mask [B, T]; numpy only.

    Label attention (PLM-ICD/LAAT): per code c, a_c = softmax_t(u_c · tanh(W h_t)), and
    p_c = sigmoid(Σ_t a_ct (β_c · V h_t) + b_c) — each code reads the tokens that speak for it.
    """
    p = w.p
    m = np.asarray(mask).astype(bool)
    h = np.asarray(states, dtype=np.float32) * m[..., None]
    tag_logits = np.maximum(ner_window(h) @ p["ner_w1"] + p["ner_b1"], 0.0) @ p["ner_w2"] + p["ner_b2"]
    z = np.tanh(h @ p["lat_w"] + p["lat_bw"])
    scores = z @ p["lat_u"].T                                   # [B, T, C]
    scores = np.where(m[..., None], scores, -np.inf)
    scores -= scores.max(axis=1, keepdims=True)
    att = np.exp(scores)
    att /= att.sum(axis=1, keepdims=True)
    vals = (h @ p["lat_wv"]) @ p["lat_beta"].T                  # [B, T, C]
    logits = (att * vals).sum(axis=1) + p["lat_b"]
    return tag_logits, 1.0 / (1.0 + np.exp(-logits))


def ner_window(h: np.ndarray) -> np.ndarray:
    """[h_{t-1}, h_t, h_{t+1}] per token of [B, T, H] states (zeros past either end; padded
    positions must already be zero)."""
    z = np.zeros_like(h[:, :1])
    return np.concatenate([np.concatenate([z, h[:, :-1]], axis=1), h,
                           np.concatenate([h[:, 1:], z], axis=1)], axis=-1)


def decode_entities(tag_logits: np.ndarray, offsets: np.ndarray, pieces: np.ndarray) -> list[Entity]:
    """BIO spans over one chunk's inner tokens (``tag_logits`` [n, len(TAGS)] aligned with
    ``offsets`` and ``pieces``), decided per word: a word's logits are the mean of its pieces'
    ("hem", "##at", "##uria"), so a span never starts or ends inside a word. An I- tag that does
    not continue its own type starts a span."""
    n = len(offsets)
    if n == 0:
        return []
    starts = np.flatnonzero(~np.asarray(pieces, dtype=bool)[:n] | (np.arange(n) == 0))
    ends = np.append(starts[1:], n)
    z = np.add.reduceat(tag_logits[:n], starts, axis=0) / (ends - starts)[:, None]
    z -= z.max(axis=1, keepdims=True)
    prob = np.exp(z)
    prob /= prob.sum(axis=1, keepdims=True)
    tags = prob.argmax(axis=1)
    out: list[Entity] = []
    cur: list | None = None   # [type, start, end, [probs]]
    for wi, t in enumerate(tags):
        s, e = int(offsets[starts[wi]][0]), int(offsets[ends[wi] - 1][1])
        name = TAGS[t]
        if name == "O":
            if cur is not None:
                out.append(_entity(cur))
            cur = None
            continue
        bio, typ = name.split("-", 1)
        if cur is not None and bio == "I" and cur[0] == typ:
            cur[2] = e
            cur[3].append(prob[wi, t])
            continue
        if cur is not None:
            out.append(_entity(cur))
        cur = [typ, s, e, [prob[wi, t]]]
    if cur is not None:
        out.append(_entity(cur))
    return out


def _entity(cur: list) -> Entity:
    return Entity(cur[1], cur[2], cur[0], round(float(np.mean(cur[3])), 4))


class NoteModel:
    """The shared encoder (token states) and both heads; load once, ``run`` per note."""

    def __init__(self, session, tokenizer, weights: HeadWeights, options: HeadsOptions):
        self._session = session
        self._tokenizer = tokenizer
        self.weights = weights
        self.options = options
        self.labels = frozenset(str(c) for c in weights.codes)   # the codes the classifier head scores
        names = {o.name for o in session.get_outputs()}
        if TOKEN_STATES not in names:
            raise ModelArtifactError("encoder session does not output token_states")

    @classmethod
    def load(cls, model_dir: Path | None = None, options: HeadsOptions = HeadsOptions(),
             version: int = 1, heads_path: Path | None = None) -> "NoteModel":
        """Refuses a missing file, heads trained on a different ``model.onnx`` (sha256), and
        heads whose hidden size is not the graph's."""
        d = Path(model_dir) if model_dir is not None else default_model_dir()
        onnx_path, tok_path = d / str(version) / "model.onnx", d / "tokenizer.json"
        for p in (onnx_path, tok_path):
            if not p.is_file():
                raise ModelArtifactError(f"model artifact missing: {p.name}")
        weights = HeadWeights.load(heads_path if heads_path is not None else d / HEADS_FILE)
        check_same_model(weights.model_sha256, onnx_path, HEADS_FILE.name)
        session, hidden = token_state_session(onnx_path, options.intra_op_threads)
        if hidden != weights.hidden:
            raise ModelArtifactError("heads.npz hidden size differs from the encoder's")
        return cls(session, load_tokenizer(tok_path), weights, options)

    def code_probs(self, text: str) -> dict[str, float]:
        """Code -> the label-attention classifier's probability (codes from ``min_code_prob``)."""
        return {c.code: c.prob for c in self.run(text).codes}

    def chunks(self, text: str) -> list[Chunk]:
        return chunk_note(self._tokenizer, text, self.options.chunk_tokens)

    def encode(self, chunks: list[Chunk]) -> tuple[np.ndarray, np.ndarray]:
        return encode_chunks(self._session, chunks, self.weights.hidden, self.options.batch_size)

    def run(self, text: str) -> NoteOutput:
        """Entities and code probabilities of one note (max over its chunks)."""
        chunks = self.chunks(text)
        states, mask = self.encode(chunks)
        tag_logits, probs = heads_from_states(states, mask, self.weights)
        entities: list[Entity] = []
        for r, c in enumerate(chunks):
            entities.extend(decode_entities(tag_logits[r, 1:len(c.ids) - 1], c.offsets, c.pieces))
        doc = probs.max(axis=0)
        order = np.argsort(-doc, kind="stable")
        w = self.weights
        codes = tuple(CodeProb(str(w.codes[i]), str(w.systems[i]), round(float(doc[i]), 6))
                      for i in order if doc[i] >= self.options.min_code_prob)
        return NoteOutput(tuple(entities), codes, len(chunks))
