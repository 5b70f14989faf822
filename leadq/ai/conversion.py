"""The conversion model: which leads are likely to be won, learnt from leadq's own outcomes.

Labels are what came of a lead, one of three (``LABELS``): **won** (marked
won or lost with `leadq leads mark`), **interested** (answered a campaign
email with interest, as the inbox classified it, or won) and **replied**
(answered at all, or won). A lead emailed ``NO_REPLY_AFTER`` ago that never
answered is a negative for the last two. Won is what matters but takes months
to collect; replies come within days, so a new install can learn from them
first: ``label="auto"`` picks the first label, in that order, with enough
leads. Features are what the scoring checklist reads (listing, enrichment,
audit) plus the fit score itself. A scaled logistic regression: few features, few hundred labels,
and coefficients a person can read. Training holds out a quarter of the
labelled leads (stratified), cross-validates on the rest, and reports ROC AUC
and calibration on the held-out part; the model is saved with its metadata.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlmodel import Session, col, or_, select

from leadq.ai.score_service import facts_of
from leadq.ai.scoring import BUILDERS, LeadFacts
from leadq.errors import UserError
from leadq.leads.models import Lead
from leadq.mail.models import OutboundMessage
from leadq.pagespeed.models import Audit
from leadq.settings import Settings

FEATURES = (
    "has_website",
    "site_unreachable",
    "https",
    "mobile_viewport",
    "copyright_age",
    "site_builder",
    "performance",
    "performance_known",
    "has_email",
    "has_phone",
    "rating",
    "log_reviews",
    "fit_score",
)


def features(facts: LeadFacts, fit_score: int | None, *, year: int) -> list[float]:
    signals = facts.signals
    performance = (facts.audit or {}).get("performance_score")
    copyright_year = signals.get("copyright_year")
    cms = str(signals.get("cms") or signals.get("generator") or "").lower()
    return [
        float(bool(facts.website)),
        float(signals.get("reachable") is False),
        float(bool(signals.get("https"))),
        float(bool(signals.get("mobile_viewport"))),
        float(min(20, year - copyright_year)) if isinstance(copyright_year, int) else 0.0,
        float(any(builder in cms for builder in BUILDERS)),
        float(performance) / 100 if isinstance(performance, int | float) else 0.0,
        float(isinstance(performance, int | float)),
        float(bool(facts.email)),
        float(bool(facts.phone)),
        float(facts.rating or 0.0),
        math.log1p(facts.review_count or 0),
        float(fit_score or 0) / 100,
    ]


#: What the model can learn to predict, most valuable first.
LABELS = ("won", "interested", "replied")
#: A lead first emailed this long ago without an answer counts as not replying: most
#: replies come within days, and a fresh send is not yet a "no".
NO_REPLY_AFTER = timedelta(days=14)


def _labelled_query(label: str, *, now: datetime):
    """The leads that have ``label`` or its opposite."""
    if label == "won":
        return select(Lead).where(col(Lead.outcome).in_(("won", "lost")))
    silent = select(OutboundMessage.lead_id).where(
        OutboundMessage.state == "sent", col(OutboundMessage.sent_at) <= now - NO_REPLY_AFTER
    )
    answered = col(Lead.replied_at).is_not(None)
    return select(Lead).where(or_(col(Lead.outcome).is_not(None), answered, col(Lead.id).in_(silent)))


def has_label(lead: Lead, label: str) -> bool:
    if lead.outcome == "won":
        return True
    if label == "interested":
        return lead.reply_verdict == "interested"
    return label == "replied" and lead.replied_at is not None


def model_path(settings: Settings) -> Path:
    return settings.data_dir / "models" / "conversion.joblib"


def _rows(session: Session, query) -> tuple[list[Lead], np.ndarray]:
    leads = list(session.exec(query).all())
    newest: dict[int, Audit] = {}
    ids = [lead.id for lead in leads]
    for start in range(0, len(ids), 500):
        audits = select(Audit).where(col(Audit.lead_id).in_(ids[start : start + 500])).order_by(col(Audit.id))
        for audit in session.exec(audits):
            newest[audit.lead_id] = audit
    year = datetime.now(UTC).year
    matrix = [features(facts_of(lead, newest.get(lead.id)), lead.ai_score, year=year) for lead in leads]
    return leads, np.array(matrix, dtype=float).reshape(len(leads), len(FEATURES))


@dataclass
class TrainingReport:
    label: str
    labelled: int
    positive: int
    cv_roc_auc: float
    test_roc_auc: float
    brier: float
    calibration: list[dict[str, float]]
    path: str
    trained_at: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _label_counts(label: str, *, session: Session, now: datetime) -> tuple[int, int]:
    """(labelled leads, those with the label)."""
    leads = session.exec(_labelled_query(label, now=now)).all()
    return len(leads), sum(has_label(lead, label) for lead in leads)


def _enough(labelled: int, positive: int, needed: int) -> bool:
    return labelled >= needed and positive >= 5 and labelled - positive >= 5


def _too_few(label: str, labelled: int, positive: int, needed: int) -> str:
    if label == "won":
        return (
            f"the conversion model needs at least {needed} leads marked won or lost, at least 5 of each "
            f"(has {labelled}: {positive} won, {labelled - positive} lost); mark outcomes with "
            "`leadq leads mark ID --won|--lost`"
        )
    return (
        f"the conversion model needs at least {needed} leads labelled {label} or not, at least 5 of each "
        f"(has {labelled}: {positive} {label}, {labelled - positive} not); replies are labelled as "
        f"`leadq inbox` files them, and a lead emailed {NO_REPLY_AFTER.days} days ago without one "
        "counts as not replying"
    )


def choose_label(settings: Settings, label: str, *, session: Session, now: datetime) -> str:
    """``label``, or for "auto" the first of ``LABELS`` with enough leads; UserError when too few."""
    needed = settings.ai_min_training_leads
    counts = {each: _label_counts(each, session=session, now=now) for each in LABELS}
    if label != "auto":
        if label not in LABELS:
            raise UserError(f"unknown label {label!r}; use one of auto, {', '.join(LABELS)}")
        if not _enough(*counts[label], needed):
            raise UserError(_too_few(label, *counts[label], needed))
        return label
    for each in LABELS:
        if _enough(*counts[each], needed):
            return each
    has = "; ".join(f"{each}: {n} labelled, {p} positive" for each, (n, p) in counts.items())
    raise UserError(
        f"the conversion model needs at least {needed} labelled leads, at least 5 with the label and "
        f"5 without, for one of won, interested or replied (has {has}); mark outcomes with "
        "`leadq leads mark ID --won|--lost`, and replies are labelled as `leadq inbox` files them"
    )


def train(settings: Settings, *, session: Session, label: str = "auto", seed: int = 0) -> TrainingReport:
    """Fit, evaluate on held-out leads and save; UserError when there is too little to learn from."""
    now = datetime.now(UTC)
    label = choose_label(settings, label, session=session, now=now)
    leads, x = _rows(session, _labelled_query(label, now=now).order_by(col(Lead.id)))
    y = np.array([has_label(lead, label) for lead in leads], dtype=int)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(
        n_splits=min(5, int(y_train.sum()), int(len(y_train) - y_train.sum())),
        shuffle=True,
        random_state=seed,
    )
    cv = cross_val_score(model, x_train, y_train, cv=folds, scoring="roc_auc")
    model.fit(x_train, y_train)
    predicted = model.predict_proba(x_test)[:, 1]
    observed, mean_predicted = calibration_curve(y_test, predicted, n_bins=5, strategy="quantile")
    trained_at = datetime.now(UTC).isoformat(timespec="seconds")
    report = TrainingReport(
        label=label,
        labelled=len(leads),
        positive=int(y.sum()),
        cv_roc_auc=round(float(cv.mean()), 4),
        test_roc_auc=round(float(roc_auc_score(y_test, predicted)), 4),
        brier=round(float(brier_score_loss(y_test, predicted)), 4),
        calibration=[
            {"predicted": round(float(p), 3), "observed": round(float(o), 3)}
            for p, o in zip(mean_predicted, observed, strict=True)
        ],
        path=str(model_path(settings)),
        trained_at=trained_at,
    )
    model.fit(x, y)  # the saved model learns from every labelled lead
    path = model_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"features": list(FEATURES), **report.as_dict()}
    joblib.dump({"model": model, "metadata": metadata}, path)
    path.with_suffix(".json").write_text(json.dumps(metadata, indent=1))
    return report


def predict(settings: Settings, *, session: Session, lead_ids: list[int] | None = None) -> int:
    """Write the probability of the model's label on the given leads (or all); returns how many."""
    path = model_path(settings)
    if not path.is_file():
        raise UserError("no conversion model yet: train one with `leadq ai train`")
    saved = joblib.load(path)
    if saved["metadata"]["features"] != list(FEATURES):
        raise UserError("the saved conversion model has other features than this leadq: retrain it")
    query = select(Lead).order_by(col(Lead.id))
    if lead_ids is not None:
        query = query.where(col(Lead.id).in_(lead_ids))
    leads, x = _rows(session, query)
    if not leads:
        return 0
    label = saved["metadata"].get("label", "won")  # models saved before labels were won/lost only
    for lead, probability in zip(leads, saved["model"].predict_proba(x)[:, 1], strict=True):
        lead.ai_conversion = round(float(probability), 4)
        lead.ai_conversion_label = label
        session.add(lead)
    return len(leads)
