"""The learned layer behind the rules: TF-IDF features and logistic-regression models
trained from the repository's own text (the labeled messages in conversations/examples/ and
the vocabulary's phrases). One model guesses a label when the rules find no plain need; one
looks for a crisis in wording the crisis patterns miss, and its kind. They are trained once
per version of that text and kept in var/, so a changed example or phrase retrains them and
nothing is downloaded."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_union

from ..errors import VocabularyError
from ..text import normalize
from .crisis import Crisis
from .vocabulary import Vocabulary

log = logging.getLogger(__name__)

# Labels the intent model never gives: crisis is the safety net's; opting out and in, and
# switching language, only on the person's own words.
NEVER = ("crisis", "stop", "start", "language")
# Below this probability the model's guess is no better than "I did not understand".
MIN_PROBABILITY = 0.45
# A crisis the patterns missed counts from here. Trained on all sets but the one scored,
# with the patterns in front, no crisis of 21 sets was missed at 1.6% false alarms
# (bench/classifier.py); at 0.4 "the urban league" read as one, at 0.5 crises were missed.
# It is only a hint.
CRISIS_PROBABILITY = 0.45
# Part of the cache key: change it with any change to how the models are trained.
RECIPE = "tfidf char 2-5 + words 1-2 fit on examples; logistic regression C 8/10/8, saga; v2"


def load_examples(folder: Path) -> list[dict]:
    """The labeled messages of every .jsonl file in folder: one JSON object per line with
    text and intent."""
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise VocabularyError(f"{folder}: no .jsonl files of labeled messages")
    rows = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
            labeled = [json.loads(line) for line in lines if line.strip()]
            for row in labeled:
                row["text"], row["intent"] = str(row["text"]), str(row["intent"])
            rows += labeled
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise VocabularyError(f"{path}: each line must be JSON with text and intent: "
                                  f"{exc}") from None
    return rows


def prepare(text: str) -> str:
    """Normalized words, typos kept: letter n-grams see past them, and a guessed word
    ("monkey" read as "money") would be evidence the person never gave."""
    return normalize(text)


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max())
    return exp / exp.sum()


@dataclass
class Reading:
    """What the models make of one message."""

    guess: str | None  # the likeliest label, when the model is sure enough
    crisis: Crisis | None  # a possible crisis and its kind; never "sure"


@dataclass
class _Models:
    features: object
    intents: LogisticRegression
    crisis: LogisticRegression
    kinds: LogisticRegression


class LearnedLayer:
    """The models, trained or loaded from var/ for exactly this text."""

    def __init__(self, vocab: Vocabulary, examples: list[dict], cache_dir: Path):
        def label(intent: str) -> str:
            name = intent.removeprefix("topic:")  # a topic counts as its label
            return vocab.topic_labels.get(name, name)

        phrases = [(" ".join(p), i) for p, (i, _) in vocab.phrases.items()]
        examples = [r for r in examples if prepare(r["text"])]
        self._rows = {
            "intents": [(prepare(t), label(i)) for t, i in
                        phrases + [(r["text"], r["intent"]) for r in examples]
                        if label(i) not in NEVER],
            "crisis": [(prepare(r["text"]), r["intent"] == "crisis") for r in examples],
            "kinds": [(prepare(r["text"]), r["crisis_kind"]) for r in examples
                      if r["intent"] == "crisis" and r.get("crisis_kind")],
        }
        for name, rows in self._rows.items():
            if len({label for _, label in rows}) < 2:
                raise VocabularyError(f"examples: the {name} model needs examples of at least "
                                      "two labels (crisis examples need two crisis_kind values)")
        key = json.dumps([sklearn.__version__, RECIPE, self._rows], default=str)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        cache = Path(cache_dir) / f"models-{digest}.pickle"
        self.models = self._load(cache) or self._train(cache)
        # sklearn's transform costs about 1 ms a message, nearly all of it checks and
        # sparse-matrix setup; the same sums done here take a tenth of that.
        self._vectorizers = [(v.build_analyzer(), v.vocabulary_, v.idf_)
                             for _, v in self.models.features.transformer_list]
        self._crisis_column = list(self.models.crisis.classes_).index(True)

    def features(self, words: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF features of normalized words, as column numbers and values: the same
        numbers as the fitted vectorizers' transform (tests check it)."""
        columns, values, offset = [], [], 0
        for analyze, vocabulary, idf in self._vectorizers:
            counts = Counter(vocabulary[t] for t in analyze(words) if t in vocabulary)
            part = {c: (1 + math.log(n)) * idf[c] for c, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in part.values())) or 1.0
            columns += [offset + c for c in part]
            values += [v / norm for v in part.values()]
            offset += len(vocabulary)
        return np.array(columns, dtype=int), np.array(values)

    def read(self, text: str) -> Reading:
        """The label guess and the crisis hint, from one pass over the words."""
        words = prepare(text)
        if not words:
            return Reading(None, None)
        m = self.models
        columns, values = self.features(words)
        intents = _softmax(m.intents.coef_[:, columns] @ values + m.intents.intercept_)
        best = intents.argmax()
        guess = str(m.intents.classes_[best]) if intents[best] >= MIN_PROBABILITY else None
        crisis = None
        score = float(m.crisis.coef_[0, columns] @ values + m.crisis.intercept_[0])
        probability = 0.5 * (1 + math.tanh(score / 2))  # the logistic, without overflow
        if (probability if self._crisis_column == 1 else 1 - probability) >= CRISIS_PROBABILITY:
            kinds = m.kinds.coef_[:, columns] @ values + m.kinds.intercept_
            crisis = Crisis(str(m.kinds.classes_[kinds.argmax()]), sure=False)
        return Reading(guess, crisis)

    @staticmethod
    def _load(cache: Path) -> _Models | None:
        try:
            with cache.open("rb") as file:
                return pickle.load(file)  # our own file, written below from repository text
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def _train(self, cache: Path) -> _Models:
        rows = self._rows
        log.info("training the message models on %d examples", len(rows["intents"]))
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2),
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        ).fit([t for t, _ in rows["crisis"]])

        def fit(name: str, **options) -> LogisticRegression:
            texts, labels = zip(*rows[name], strict=True)
            return LogisticRegression(max_iter=3000, **options).fit(
                features.transform(texts), labels)

        # saga fits the 20-label model on 11,000 messages in 6 s where lbfgs takes 18, and
        # scores as well on a set left out.
        models = _Models(features, fit("intents", C=8, solver="saga", tol=1e-3),
                         fit("crisis", C=10, class_weight="balanced"), fit("kinds", C=8))
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: two processes starting at once never read half a
            # file.
            with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as file:
                pickle.dump(models, file)
            os.replace(file.name, cache)
            for old in cache.parent.glob("*.pickle"):
                if old != cache:
                    old.unlink(missing_ok=True)  # trained from text that has since changed
        except OSError as exc:  # a read-only disk costs a retrain at the next start, no more
            log.warning("could not keep the trained models in %s: %s", cache.parent, exc)
        return models
