"""Classical checks: repeated-measures ANOVA (Greenhouse-Geisser) and RT-on-angle lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cogalign.rotation.analysis import GANIS_KIEVIT_PUBLISHED, classical_report
from cogalign.rotation.classical import condition_means, person_slopes, rm_anova, rt_regression


def _long(y: np.ndarray, angles=(0, 50, 100, 150), pairs=("mirror", "same")) -> pd.DataFrame:
    """One trial per person and cell with rt = y[s, i, j] / 1000 (a cell mean in ms)."""
    rows = []
    for s in range(y.shape[0]):
        for i, a in enumerate(angles):
            for j, p in enumerate(pairs):
                rows.append({"participant_id": f"s{s}", "angle": float(a), "pair_type": p,
                             "rt": y[s, i, j] / 1000.0, "correct": True, "response": p})
    return pd.DataFrame(rows)


def _textbook(y: np.ndarray) -> dict[str, tuple[float, float, float]]:
    """Two-way within-subject ANOVA from the classical sums of squares."""
    n, a, b = y.shape
    g = y.mean()
    m_s, m_a, m_b = y.mean(axis=(1, 2)), y.mean(axis=(0, 2)), y.mean(axis=(0, 1))
    m_sa, m_sb, m_ab = y.mean(axis=2), y.mean(axis=1), y.mean(axis=0)
    ss_a = n * b * np.sum((m_a - g) ** 2)
    ss_b = n * a * np.sum((m_b - g) ** 2)
    ss_ab = n * np.sum((m_ab - m_a[:, None] - m_b[None, :] + g) ** 2)
    ss_as = b * np.sum((m_sa - m_s[:, None] - m_a[None, :] + g) ** 2)
    ss_bs = a * np.sum((m_sb - m_s[:, None] - m_b[None, :] + g) ** 2)
    resid = (y - m_sa[:, :, None] - m_sb[:, None, :] - m_ab[None] + m_s[:, None, None]
             + m_a[None, :, None] + m_b[None, None, :] - g)
    ss_abs = np.sum(resid**2)
    out = {}
    for name, ss, err, df in (("angle", ss_a, ss_as, a - 1), ("pair_type", ss_b, ss_bs, b - 1),
                              ("angle:pair_type", ss_ab, ss_abs, (a - 1) * (b - 1))):
        out[name] = ((ss / df) / (err / (df * (n - 1))), ss, err)
    return out


def test_rm_anova_equals_the_textbook_sums_of_squares():
    rng = np.random.default_rng(0)
    n = 12
    y = (1500 + 8 * np.array([0, 50, 100, 150])[None, :, None] + 100 * rng.normal(size=(n, 1, 1))
         + 80 * rng.normal(size=(n, 4, 2)) + np.array([0, 60])[None, None, :])
    result = rm_anova(_long(y))
    for name, (f, ss, err) in _textbook(y).items():
        assert result.loc[name, "F"] == pytest.approx(f, rel=1e-10)
        assert result.loc[name, "ss"] == pytest.approx(ss, rel=1e-10)
        assert result.loc[name, "partial_eta2"] == pytest.approx(ss / (ss + err), rel=1e-10)
        row = result.loc[name]
        assert row["p"] == pytest.approx(stats.f.sf(row["F"], row["df1"], row["df2"]))
    assert result.loc["pair_type", "eps_gg"] == 1.0  # two levels: sphericity holds
    assert 1 / 3 <= result.loc["angle", "eps_gg"] <= 1.0
    assert result.attrs["n"] == n
    # units do not matter
    np.testing.assert_allclose(rm_anova(_long(y), scale=1.0)["F"], result["F"])


def test_greenhouse_geisser_epsilon_of_a_known_covariance():
    """With compound symmetry epsilon is 1; with one dominant contrast it falls toward 1/(k-1)."""
    rng = np.random.default_rng(1)
    n, k = 4000, 4
    base = rng.normal(size=(n, 1)) + 0.5 * rng.normal(size=(n, k))  # compound symmetric
    t = pd.DataFrame([{"participant_id": s, "angle": float(i), "rt": base[s, i] + 10, "correct": True}
                      for s in range(n) for i in range(k)])
    eps = rm_anova(t, within=("angle",), scale=1.0).loc["angle", "eps_gg"]
    assert eps == pytest.approx(1.0, abs=0.01)
    skew = base + 5 * rng.normal(size=(n, 1)) * np.arange(k)[None, :]
    t["rt"] = (skew + 100).ravel()
    eps = rm_anova(t, within=("angle",), scale=1.0).loc["angle", "eps_gg"]
    assert eps < 0.4


def test_people_with_an_empty_cell_are_left_out(small_study):
    t = small_study.copy()
    drop = (t["participant_id"] == "p1") & (t["angle"] == 150) & (t["pair_type"] == "same")
    result = rm_anova(t.loc[~drop])
    assert result.attrs["dropped"] == ["p1"] and result.attrs["n"] == 7


def test_regression_on_exact_lines():
    y = np.array([[[1000 + 10 * a, 1200 + 6 * a] for a in (0, 50, 100, 150)]] * 3, dtype=float)
    reg = rt_regression(_long(y))
    same = reg.loc[("condition means", "same")]
    assert same["slope_ms_per_deg"] == pytest.approx(6.0) and same["r2"] == pytest.approx(1.0)
    assert same["intercept_ms"] == pytest.approx(1200.0)
    assert same["speed_deg_per_s"] == pytest.approx(1000 / 6)
    assert reg.loc[("trials", "mirror"), "slope_ms_per_deg"] == pytest.approx(10.0)
    assert reg.loc[("trials", "all"), "n"] == 24
    slopes = person_slopes(_long(y))
    assert slopes["slope_ms_per_deg"].to_numpy() == pytest.approx([8.0] * 3)


@pytest.mark.realdata
def test_anova_reproduces_the_published_ganis_kievit_figures(load_dataset):
    """The copy lacks ~22 trimmed trials, so the angle and interaction F come out a little
    lower than published; the pair-type effect (df 1, 53) is reproduced to the second decimal."""
    table = load_dataset("rotation-ganis-kievit-2015")
    result = rm_anova(table)
    assert result.attrs["n"] == 54
    pub = GANIS_KIEVIT_PUBLISHED
    angle, pair, inter = (result.loc[k] for k in ("angle", "pair_type", "angle:pair_type"))
    assert angle["F"] == pytest.approx(pub["angle"]["F"], rel=0.02) and angle["F"] <= pub["angle"]["F"]
    assert angle["df1_gg"] == pytest.approx(pub["angle"]["df1_gg"], abs=0.02)
    assert angle["df2_gg"] == pytest.approx(pub["angle"]["df2_gg"], abs=1.0)
    assert angle["partial_eta2"] == pytest.approx(pub["angle"]["partial_eta2"], abs=0.005)
    assert pair["F"] == pytest.approx(pub["pair_type"]["F"], abs=0.006)
    assert (pair["df1_gg"], pair["df2_gg"]) == (1.0, 53.0)
    assert pair["partial_eta2"] == pytest.approx(pub["pair_type"]["partial_eta2"], abs=0.001)
    assert inter["F"] == pytest.approx(pub["angle:pair_type"]["F"], rel=0.02)
    assert inter["df1_gg"] == pytest.approx(pub["angle:pair_type"]["df1_gg"], abs=0.02)
    assert inter["df2_gg"] == pytest.approx(pub["angle:pair_type"]["df2_gg"], abs=1.0)
    report = classical_report(table, published=pub)
    assert report["anova"]["angle"]["published"]["F"] == 193.12
    # RT rises roughly linearly with angle
    reg = rt_regression(table)
    assert reg.loc[("condition means", "all"), "r2"] > 0.95
    assert 8.0 < reg.loc[("condition means", "all"), "slope_ms_per_deg"] < 11.0
    means = condition_means(table)
    assert means["rt_ms"].is_monotonic_increasing and means["accuracy"].is_monotonic_decreasing
