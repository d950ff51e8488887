"""The tidy trial table of each paradigm.

Every table is long: one row per trial, with ``participant_id``, ``trial``, the stimulus
columns, ``response`` and ``rt`` in seconds. Study output (``studies/``), public datasets and a
user's own files are all checked against these schemas by :func:`cogalign.data.validate`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from cogalign.data.schema import Column, Schema

__all__ = [
    "BELIEFS",
    "INTERTEMPORAL",
    "MORAL_VOTES",
    "PAIRWISE",
    "PARTICIPANT",
    "RISKY",
    "RISKY_RATES",
    "ROTATION",
    "RT",
    "SCHEMAS",
    "SESSION",
    "TRIAL",
    "TRIPLETS",
    "get_schema",
    "register_schema",
]

PARTICIPANT = Column(
    "participant_id", "str", description="Pseudonymous participant identifier (no personal data)"
)
SESSION = Column("session", "int", required=False, minimum=1, description="Session number")
TRIAL = Column("trial", "int", minimum=0, description="Trial index within the session, from 0")
RT = Column(
    "rt", "float", required=False, nullable=True, minimum=0.0, unit="s",
    description="Response time in seconds",
)


def _rating_in_scale(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    if not {"scale_min", "scale_max"} <= set(df.columns):
        return
    r = df["rating"].to_numpy(dtype=float, na_value=np.nan)
    lo = df["scale_min"].to_numpy(dtype=float, na_value=np.nan)
    hi = df["scale_max"].to_numpy(dtype=float, na_value=np.nan)
    for i in np.flatnonzero(lo >= hi):
        yield i, "scale_max", f"scale_max {hi[i]:g} is not above scale_min {lo[i]:g}"
    for i in np.flatnonzero((r < lo) | (r > hi)):
        yield i, "rating", f"rating {r[i]:g} is outside the scale [{lo[i]:g}, {hi[i]:g}]"


def _distinct_items(columns: tuple[str, ...]):
    def check(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
        values = df[list(columns)].astype(object).to_numpy()
        for i, row in enumerate(values):
            if len(set(row)) < len(row):
                yield i, ",".join(columns), f"the same item appears twice: {list(row)}"

    check.__name__ = "distinct_items"
    return check


def _gambles_valid(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    for side in ("a", "b"):
        outcomes, probs = f"outcomes_{side}", f"probs_{side}"
        for i, (x, p) in enumerate(zip(df[outcomes], df[probs], strict=True)):
            if x is None or p is None:
                continue
            if len(x) != len(p):
                yield i, probs, f"{len(p)} probabilities for {len(x)} outcomes"
            elif min(p) < 0 or abs(sum(p) - 1.0) > 1e-6:
                yield i, probs, f"probabilities {p} must be non-negative and sum to 1"


def _sooner_before_later(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    t1 = df["t1"].to_numpy(dtype=float)
    t2 = df["t2"].to_numpy(dtype=float)
    for i in np.flatnonzero(t1 >= t2):
        yield i, "t2", f"the later delay t2={t2[i]:g} is not after the sooner delay t1={t1[i]:g}"


def _sooner_not_larger(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    x1 = df["x1"].to_numpy(dtype=float)
    x2 = df["x2"].to_numpy(dtype=float)
    for i in np.flatnonzero(x1 > x2):
        yield i, "x2", (f"the later amount x2={x2[i]:g} is smaller than the sooner amount "
                        f"x1={x1[i]:g} (x1 and x2 swapped?)")


def _stance_is_a_sign(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    stance = df["stance"].to_numpy(dtype=float, na_value=np.nan)
    for i in np.flatnonzero(~np.isin(stance, (1.0, -1.0))):
        yield i, "stance", f"{stance[i]:g} is not +1 (Pro) or -1 (Con)"


TRIPLETS = Schema(
    "triplets",
    (
        PARTICIPANT, SESSION, TRIAL,
        Column("item_1", "int", minimum=0, description="First item shown (0-based item index)"),
        Column("item_2", "int", minimum=0, description="Second item shown (0-based item index)"),
        Column("item_3", "int", minimum=0, description="Third item shown (0-based item index)"),
        Column("response", "int", minimum=0, description="Item index chosen as the odd one out"),
        RT,
    ),
    item_columns=("item_1", "item_2", "item_3", "response"),
    response_among=("item_1", "item_2", "item_3"),
    checks=(_distinct_items(("item_1", "item_2", "item_3")),),
    description="Triplet odd-one-out: three items shown, the odd one chosen.",
)

PAIRWISE = Schema(
    "similarity",
    (
        PARTICIPANT, SESSION, TRIAL,
        Column("item_a", "str", description="First item of the pair (label)"),
        Column("item_b", "str", description="Second item of the pair (label)"),
        Column("rating", "float", nullable=False, description="Similarity rating (higher = more similar)"),
        Column("scale_min", "float", required=False, description="Lowest rating on the scale"),
        Column("scale_max", "float", required=False, description="Highest rating on the scale"),
        Column("repeat", "int", required=False, minimum=0, description="Repetition number of this pair for this participant, from 0"),
        RT,
    ),
    checks=(_rating_in_scale, _distinct_items(("item_a", "item_b"))),
    description="Pairwise similarity rating: two items shown, similarity rated on a scale.",
)

def _rotation_consistent(df: pd.DataFrame) -> Iterator[tuple[int, str, str]]:
    if "rt" in df.columns:
        rt = df["rt"].to_numpy(dtype=float, na_value=np.nan)
        for i in np.flatnonzero(np.isinf(rt)):
            yield i, "rt", f"rt {rt[i]} is not a finite number of seconds"
    if "correct" not in df.columns:
        return
    response = df["response"].astype(object).to_numpy()
    pair = df["pair_type"].astype(object).to_numpy()
    correct = df["correct"].astype(object).to_numpy()
    for i, (r, p, c) in enumerate(zip(response, pair, correct, strict=True)):
        if pd.isna(r) or pd.isna(c):
            if pd.isna(r) and not pd.isna(c) and bool(c):
                yield i, "correct", "a trial without a response cannot be correct"
            continue
        if bool(c) != (r == p):
            yield i, "correct", (f"correct={bool(c)} but the response {r!r} "
                                 f"{'matches' if r == p else 'does not match'} the {p!r} pair")


ROTATION = Schema(
    "rotation",
    (
        PARTICIPANT, SESSION, TRIAL,
        Column("task", "str", required=False, allowed=("same-mirror", "two-choice"),
               description="'same-mirror': is the second view the same object or its mirror "
               "image; 'two-choice': which of two mirror-image bases the rotated target "
               "matches, coded relative to the left base (same = left)"),
        Column("object_id", "str", required=False, nullable=True, description="Identifier of the 3-D object"),
        Column("stimulus_id", "str", required=False, nullable=True, description="Identifier of the stimulus image or pair shown"),
        Column("angle", "float", minimum=0.0, maximum=360.0, unit="deg", description="Angular disparity between the two views"),
        Column("axis", "str", allowed=("x", "y", "z"), description="Rotation axis in the viewer's frame: x horizontal, y vertical (in depth), z line of sight (picture plane)"),
        Column("pair_type", "str", allowed=("same", "mirror"), description="Whether the second view is the same object or its mirror image"),
        Column("response", "str", nullable=True, allowed=("same", "mirror"), description="Participant's judgment; missing on time-outs"),
        Column("correct", "bool", required=False, nullable=True, description="Whether the response matched the pair type; missing without a response"),
        RT,
    ),
    checks=(_rotation_consistent,),
    description="Mental rotation: same-or-mirror judgment of two views of an object.",
)

ROTATION_MEANS = Schema(
    "rotation-means",
    (
        Column("angle", "float", minimum=0.0, maximum=360.0, unit="deg", description="Angular disparity between the two views"),
        Column("axis", "str", allowed=("x", "y", "z"), description="Rotation axis in the viewer's frame"),
        Column("pair_type", "str", allowed=("same", "mirror"), description="Same object or mirror image"),
        Column("rt", "float", minimum=0.0, unit="s", description="Central response time of the condition"),
        Column("rt_lower", "float", required=False, minimum=0.0, unit="s", description="Lower end of the published interval of rt"),
        Column("rt_upper", "float", required=False, minimum=0.0, unit="s", description="Upper end of the published interval of rt"),
        Column("accuracy", "float", minimum=0.0, maximum=1.0, description="Share of correct responses"),
        Column("accuracy_lower", "float", required=False, minimum=0.0, maximum=1.0, description="Lower end of the published interval of accuracy"),
        Column("accuracy_upper", "float", required=False, minimum=0.0, maximum=1.0, description="Upper end of the published interval of accuracy"),
    ),
    key=("angle", "axis", "pair_type"),
    description="Mental rotation, aggregated: response time and accuracy per angle and pair type.",
)

RISKY = Schema(
    "risky",
    (
        PARTICIPANT, SESSION, TRIAL,
        Column("outcomes_a", "list", description="Outcomes of gamble A (JSON list)"),
        Column("probs_a", "list", description="Probabilities of gamble A's outcomes (JSON list)"),
        Column("outcomes_b", "list", description="Outcomes of gamble B (JSON list)"),
        Column("probs_b", "list", description="Probabilities of gamble B's outcomes (JSON list)"),
        Column("response", "str", allowed=("A", "B"), description="Gamble chosen"),
        Column("payoff", "float", required=False, nullable=True, description="Outcome drawn from the chosen gamble (feedback)"),
        RT,
    ),
    checks=(_gambles_valid,),
    description="Risky choice: one choice between two gambles per row.",
)

RISKY_RATES = Schema(
    "risky-rates",
    (
        Column("problem_id", "int", minimum=0, description="Problem identifier"),
        Column("outcomes_a", "list", description="Outcomes of gamble A"),
        Column("probs_a", "list", description="Probabilities of gamble A's outcomes"),
        Column("outcomes_b", "list", description="Outcomes of gamble B"),
        Column("probs_b", "list", description="Probabilities of gamble B's outcomes"),
        Column("n", "int", minimum=1, description="Number of people who saw the problem"),
        Column("b_rate", "float", minimum=0.0, maximum=1.0, description="Share of choices of gamble B"),
        Column("feedback", "bool", required=False, description="Outcome feedback was given"),
    ),
    key=("problem_id", "feedback"),
    checks=(_gambles_valid,),
    description="Aggregate risky choice: choice rate of gamble B per problem (choices13k).",
)

INTERTEMPORAL = Schema(
    "intertemporal",
    (
        PARTICIPANT, SESSION, TRIAL,
        Column("x1", "float", description="Sooner-smaller amount"),
        Column("t1", "float", minimum=0.0, description="Delay of the sooner amount"),
        Column("x2", "float", description="Later-larger amount"),
        Column("t2", "float", minimum=0.0, description="Delay of the later amount"),
        Column("response", "int", nullable=True, allowed=(0, 1), description="1 if the later-larger option was chosen, 0 if the sooner-smaller; missing when no answer was recorded"),
        Column("condition", "int", required=False, description="Between-participant condition"),
        RT,
    ),
    checks=(_sooner_before_later, _sooner_not_larger),
    description="Intertemporal choice: sooner-smaller vs later-larger. Rules: t1 < t2, and "
    "x1 <= x2 (equal amounts are attention checks: waiting gains nothing).",
)

BELIEFS = Schema(
    "beliefs",
    (
        PARTICIPANT,
        Column("issue", "str", description="The issue or proposition the stance is on (e.g. 'Death Penalty', or a debate's key)"),
        Column("stance", "int", description="+1 for Pro (in favour), -1 for Con (against); the readers of cogalign.beliefs also accept Pro/Con"),
        Column("issue_text", "str", required=False, nullable=True, description="Text put into the belief-statement templates (e.g. a debate title); the issue name when absent"),
        Column("political_party", "str", required=False, nullable=True, description="The person's political party, when known"),
        Column("religion", "str", required=False, nullable=True, description="The person's religion, when known"),
        Column("date", "str", required=False, nullable=True, description="When the stance was taken (ISO date), when known"),
        RT,
    ),
    key=("participant_id", "issue"),
    checks=(_stance_is_a_sign,),
    description="Stances: one person's Pro (+1) or Con (-1) stance on one issue per row.",
)

MORAL_VOTES = Schema(
    "moralgraph",
    (
        PARTICIPANT,
        Column("context", "str", description="The choice context the two values apply to"),
        Column("source_value_id", "int", description="Value card being upgraded from"),
        Column("wiser_value_id", "int", description="Value card proposed as wiser"),
        Column("vote", "str", allowed=("wiser", "not_wiser", "less_wise", "unsure"), description="Participant's judgment of the upgrade"),
    ),
    key=("participant_id", "context", "source_value_id", "wiser_value_id"),
    description="Moral graph elicitation: one wisdom-upgrade vote per row.",
)

#: Every paradigm's schema by name (the names accepted by ``cogalign validate --paradigm``).
SCHEMAS: dict[str, Schema] = {
    s.name: s
    for s in (TRIPLETS, PAIRWISE, ROTATION, ROTATION_MEANS, RISKY, RISKY_RATES, INTERTEMPORAL, BELIEFS, MORAL_VOTES)
}


def register_schema(schema: Schema) -> Schema:
    """Add a paradigm's schema to :data:`SCHEMAS` (a name may be registered once).

    Paradigms declared in the registry (:mod:`cogalign.paradigms`) with a schema object are
    registered here automatically.
    """
    from cogalign.errors import CogalignError

    known = SCHEMAS.get(schema.name)
    if known is not None and known is not schema:
        raise CogalignError(f"a different schema named '{schema.name}' is already registered")
    SCHEMAS[schema.name] = schema
    return schema


def get_schema(name: str) -> Schema:
    """Return the schema of a paradigm by name, with a clear error for an unknown name.

    Names not among the built-in schemas are looked up among the registered paradigms'
    schemas (:mod:`cogalign.paradigms`).
    """
    from cogalign.errors import CogalignError

    if name not in SCHEMAS:
        from cogalign.paradigms import all_paradigms

        all_paradigms()  # registers the schemas that paradigms declare as objects
    try:
        return SCHEMAS[name]
    except KeyError:
        raise CogalignError(
            f"unknown paradigm '{name}'; choose one of: {', '.join(SCHEMAS)}"
        ) from None
