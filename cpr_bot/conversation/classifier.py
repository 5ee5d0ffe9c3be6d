"""The learned layer behind the rules: a TF-IDF and logistic-regression model trained from
the repository's own text (conversations/examples.jsonl and the vocabulary's phrases), asked
only when the rules find no plain need. It is trained once per version of that text and
kept in var/, so a changed example or phrase retrains it and nothing is downloaded."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from ..errors import VocabularyError
from ..text import normalize
from .vocabulary import Vocabulary

log = logging.getLogger(__name__)

# Labels the model never gives: crisis is the safety net's; opting out and in, and switching
# language, only on the person's own words.
NEVER = ("crisis", "stop", "start", "language")
# Below this probability the model's guess is no better than "I did not understand".
MIN_PROBABILITY = 0.3


def _examples(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        return [(str(r["text"]), str(r["intent"])) for r in rows]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise VocabularyError(f"{path}: each line must be JSON with text and intent: {exc}") \
            from None


class Classifier:
    """Guesses a label for a message the rules could not place."""

    def __init__(self, vocab: Vocabulary, examples_path: Path, cache_dir: Path):
        self.vocab = vocab
        texts = [(" ".join(p), i) for p, (i, _) in vocab.phrases.items()]
        texts += _examples(examples_path)
        rows = [(self.prepare(t), label) for t, label in texts if label not in NEVER]
        rows = [(t, label.split(":", 1)[-1]) for t, label in rows if t]
        rows = [(t, vocab.topic_labels.get(label, label)) for t, label in rows]
        digest = hashlib.sha256(
            json.dumps([sklearn.__version__, rows]).encode("utf-8")).hexdigest()[:16]
        cache = Path(cache_dir) / f"classifier-{digest}.pickle"
        self.model = self._load(cache) or self._train(rows, cache)

    @staticmethod
    def prepare(text: str) -> str:
        """Normalized words, typos kept: letter n-grams see past them, and a guessed word
        ("monkey" read as "money") would be evidence the person never gave."""
        return normalize(text)

    def guess(self, text: str) -> str | None:
        """The likeliest label, or None when the model is unsure."""
        probabilities = self.model.predict_proba([self.prepare(text)])[0]
        best = probabilities.argmax()
        return str(self.model.classes_[best]) if probabilities[best] >= MIN_PROBABILITY else None

    @staticmethod
    def _load(cache: Path):
        try:
            with cache.open("rb") as file:
                return pickle.load(file)  # our own file, written below from repository text
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    @staticmethod
    def _train(rows: list[tuple[str, str]], cache: Path):
        log.info("training the message classifier on %d examples", len(rows))
        model = make_pipeline(
            make_union(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2),
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            ),
            LogisticRegression(C=8, max_iter=2000),
        )
        model.fit([t for t, _ in rows], [label for _, label in rows])
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: two processes starting at once never read half a file.
        with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as file:
            pickle.dump(model, file)
        os.replace(file.name, cache)
        for old in cache.parent.glob("classifier-*.pickle"):
            if old != cache:
                old.unlink(missing_ok=True)  # trained from text that has since changed
        return model
