"""Character-level tiny-shakespeare, as nanoGPT uses it: a checked file, a vocabulary, a 90/10 split, batches.

The corpus ships with the package, xz-compressed (``glu_lib/assets/``, with a README naming its
source), so nothing is downloaded. :func:`fetch` looks in a data directory first (``directory``
argument, else ``$GLU_DATA_DIR``, else ``~/.cache/glu_lib``), so a copy placed there overrides the
shipped one; when the file is not there it is unpacked from the package, and only a file that is
neither there nor shipped is downloaded from its public source (when ``download=True``). Its
SHA-256 is verified on every read.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ._checks import check_memory, file_digest, positive_int

__all__ = ["SHAKESPEARE", "data_dir", "packaged", "fetch", "read_text", "GPT2_BPE", "gpt2_encoding",
           "gpt2_tokens", "CharCorpus", "char_corpus", "get_batch", "batch_fn", "lm_loss",
           "write_token_file", "read_token_file", "fineweb_token_file"]

#: The tiny-shakespeare file (name, size, SHA-256 and public source).
SHAKESPEARE = dict(
    name="tinyshakespeare.txt",
    size=1_115_394,
    sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
)


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: ``path``, else ``$GLU_DATA_DIR``, else ``~/.cache/glu_lib``."""
    return Path(path or os.environ.get("GLU_DATA_DIR") or Path.home() / ".cache" / "glu_lib")


def _sha256(path: Path) -> str:
    return file_digest(path, "sha256")


#: Folder of the files that ship with the package (compressed with xz as ``<name>.xz``).
ASSETS = Path(__file__).resolve().parent / "assets"


def packaged(spec: dict = SHAKESPEARE) -> Path | None:
    """The xz-compressed copy of ``spec["name"]`` that ships with the package, or ``None``."""
    path = ASSETS / f"{spec['name']}.xz"
    return path if path.is_file() else None


def _check_digest(data: bytes, spec: dict, where) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec["sha256"]:
        raise ValueError(f"{where} has SHA-256 {digest}, expected {spec['sha256']}: "
                         "the file is corrupt or a different version")
    return data


def _unpack(spec: dict, folder: Path) -> Path:
    """Unpack the shipped copy of ``spec`` into ``folder`` (atomically), after checking it."""
    data = _check_digest(lzma.decompress(packaged(spec).read_bytes()), spec, packaged(spec))
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{spec['name']}.", suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    path = folder / spec["name"]
    os.replace(tmp, path)
    return path


def fetch(spec: dict = SHAKESPEARE, directory: str | os.PathLike | None = None, *, download: bool = True) -> Path:
    """Path of the verified file ``spec["name"]`` in the data directory.

    A file already there is used (and checked). Otherwise the copy shipped with the package is
    unpacked there (into a temporary folder when the data directory is not writable); only a file
    that does not ship is downloaded, when ``download=True``.
    """
    path = data_dir(directory) / spec["name"]
    if not path.exists() and packaged(spec) is not None:
        try:
            return _unpack(spec, path.parent)
        except OSError:
            return _unpack(spec, Path(tempfile.gettempdir()) / "glu_lib")
    if not path.exists():
        if not download:
            raise FileNotFoundError(f"{path} is missing and download=False")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        try:
            with urllib.request.urlopen(spec["url"], timeout=60) as r, open(tmp, "wb") as f:
                f.write(r.read())
        except OSError as e:
            raise FileNotFoundError(f"{path} is missing and could not be downloaded from {spec['url']}: {e}") from e
        tmp.replace(path)
    digest = _sha256(path)
    if digest != spec["sha256"]:
        raise ValueError(f"{path} has SHA-256 {digest}, expected {spec['sha256']}: the file is corrupt or a different version")
    return path


def read_text(spec: dict = SHAKESPEARE, directory: str | os.PathLike | None = None) -> str:
    """The verified text of ``spec["name"]``: the data directory's copy if there is one, else the
    shipped one, read without writing anything; downloaded only when neither exists."""
    path = data_dir(directory) / spec["name"]
    if not path.exists() and packaged(spec) is not None:
        data = lzma.decompress(packaged(spec).read_bytes())
        return _check_digest(data, spec, packaged(spec)).decode("utf-8")
    return fetch(spec, directory).read_text(encoding="utf-8")


#: GPT-2's byte-pair vocabulary (50,257 tokens) in tiktoken's format, as OpenAI's Whisper ships it.
GPT2_BPE = dict(
    name="gpt2.tiktoken",
    size=835_554,
    sha256="306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    url="https://raw.githubusercontent.com/openai/whisper/main/whisper/assets/gpt2.tiktoken",
)
#: GPT-2's pre-tokenisation pattern (tiktoken's ``r50k_base``).
_GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def gpt2_encoding(directory: str | os.PathLike | None = None):
    """GPT-2's tokenizer as a ``tiktoken.Encoding``, built from the shipped (checked) vocabulary
    file, so nothing is downloaded: ``gpt2_encoding().encode("Hello world") == [15496, 995]``."""
    import base64

    import tiktoken

    ranks = {}
    for line in read_text(GPT2_BPE, directory).splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding("gpt2", pat_str=_GPT2_PATTERN, mergeable_ranks=ranks,
                             special_tokens={"<|endoftext|>": 50256})


def gpt2_tokens(text: str, directory: str | os.PathLike | None = None) -> np.ndarray:
    """GPT-2 token ids of ``text`` (int64): the probes of GPT-2 small are windows of real text."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty")
    return np.asarray(gpt2_encoding(directory).encode_ordinary(text), dtype=np.int64)


@dataclass(frozen=True)
class CharCorpus:
    """A character-level corpus: the sorted vocabulary and the encoded train/validation splits."""

    chars: str
    train: np.ndarray
    val: np.ndarray

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The ids of ``text`` (uint16, or uint32 for a vocabulary above 65,536 symbols)."""
        index = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters {unknown[:5]!r} are not in the vocabulary of this corpus")
        return np.array([index[c] for c in text], dtype=_id_dtype(len(self.chars)))

    def decode(self, ids) -> str:
        ids = [int(i) for i in ids]
        bad = [i for i in ids if not 0 <= i < len(self.chars)]
        if bad:
            raise ValueError(f"ids {bad[:5]} are outside the vocabulary (0 to {len(self.chars) - 1})")
        return "".join(self.chars[i] for i in ids)


def _id_dtype(vocab_size: int):
    """The smallest unsigned type that holds ids below ``vocab_size``: uint16 up to 65,536 symbols."""
    return np.uint16 if vocab_size <= 1 << 16 else np.uint32


def char_corpus(text: str, train_fraction: float = 0.9) -> CharCorpus:
    """Encode ``text`` with its sorted character set and split it: the first 90% trains, the rest validates."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r:.40}")
    if not (isinstance(train_fraction, (int, float)) and 0 < train_fraction < 1):
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    chars = "".join(sorted(set(text)))
    lut = np.zeros(max(map(ord, chars)) + 1, dtype=_id_dtype(len(chars)))
    lut[[ord(c) for c in chars]] = np.arange(len(chars))
    ids = lut[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    cut = int(len(ids) * train_fraction)
    return CharCorpus(chars, ids[:cut], ids[cut:])


def get_batch(data: np.ndarray, block_size: int, batch_size: int, generator: torch.Generator,
              device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of ``data``: inputs (B, T) and next-character targets (B, T), positions drawn from ``generator``."""
    block_size, batch_size = positive_int(block_size, "block_size"), positive_int(batch_size, "batch_size")
    if not isinstance(data, np.ndarray) or data.ndim != 1 or data.dtype.kind not in "ui":
        raise ValueError(f"data must be a 1-D NumPy array of integer token ids, got "
                         f"{getattr(data, 'dtype', type(data).__name__)} of shape {getattr(data, 'shape', None)}")
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if len(data) <= block_size:
        raise ValueError(f"data of length {len(data)} is too short for block_size {block_size}")
    check_memory(3 * 8 * batch_size * block_size, f"a batch of {batch_size} windows of {block_size} tokens")
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    rows = ix.numpy()[:, None] + np.arange(block_size)  # windows by one gather, no Python loop
    x = torch.from_numpy(data[rows].astype(np.int64))
    y = torch.from_numpy(data[rows + 1].astype(np.int64))
    return x.to(device), y.to(device)


def batch_fn(corpus: CharCorpus, block_size: int, batch_size: int, device: str | torch.device = "cpu"):
    """A ``batch_fn(split, generator)`` for :func:`glu_lib.train.train` over the splits of ``corpus``."""
    splits = {"train": corpus.train, "val": corpus.val}

    def draw(split, gen):
        return get_batch(splits[split], block_size, batch_size, gen, device)

    def data_digest():  # all of both splits and the window shape: what a checkpoint's data fingerprint covers
        import hashlib

        h = hashlib.sha256(f"{block_size}:{batch_size}:{corpus.chars!r}".encode())
        for split in ("train", "val"):
            a = np.ascontiguousarray(splits[split])
            h.update(f"{split}:{a.dtype}:{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()

    draw.data_digest = data_digest
    return draw


def lm_loss(model, x, y):
    """Next-token cross-entropy of a :class:`glu_lib.gpt.GPT` (``model(x, y)`` returns logits and loss)."""
    return model(x, y)[1]


# --------------------------------------------------------------------------- BPE token files (full scale)

def write_token_file(texts, encode, path: str | os.PathLike, max_tokens: int, eot: int | None = None) -> int:
    """Encode ``texts`` (an iterable of documents) with ``encode`` and append the ids to ``path`` as uint16
    (nanoGPT's ``.bin`` format), each document followed by ``eot`` when given, until ``max_tokens``.

    Writes to ``path.part`` and renames when done, so an interrupted run leaves no truncated file.
    Returns the number of tokens written.
    """
    max_tokens = positive_int(max_tokens, "max_tokens")
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".part")
    written = 0
    with open(tmp, "wb") as f:
        for doc in texts:
            ids = list(encode(doc)) + ([eot] if eot is not None else [])
            if any(not 0 <= i < 2**16 for i in ids):
                raise ValueError("token ids must fit in uint16 (vocabulary below 65,536)")
            ids = ids[: max_tokens - written]
            f.write(np.asarray(ids, dtype=np.uint16).tobytes())
            written += len(ids)
            if written >= max_tokens:
                break
    tmp.replace(path)
    return written


def read_token_file(path: str | os.PathLike) -> np.ndarray:
    """The uint16 token ids of a token file, memory-mapped (usable with :func:`get_batch`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"token file {path} not found")
    size = path.stat().st_size
    if size == 0 or size % 2:
        raise ValueError(f"token file {path} has {size} bytes: expected a non-empty file of uint16 ids (an even "
                         "size); it is empty or truncated, write it again")
    return np.memmap(path, dtype=np.uint16, mode="r")


def fineweb_token_file(path: str | os.PathLike, max_tokens: int, *, dataset: str = "HuggingFaceFW/fineweb-edu",
                       subset: str = "sample-10BT") -> int:
    """Stream FineWeb-Edu and write its GPT-2 BPE tokens (tiktoken) to ``path`` (online only; needs the
    ``datasets`` and ``tiktoken`` packages). Returns the number of tokens written."""
    max_tokens = positive_int(max_tokens, "max_tokens")  # checked before the packages are needed
    import tiktoken
    from datasets import load_dataset

    enc = tiktoken.get_encoding("gpt2")
    docs = (row["text"] for row in load_dataset(dataset, name=subset, split="train", streaming=True))
    return write_token_file(docs, enc.encode_ordinary, path, max_tokens, eot=enc.eot_token)
