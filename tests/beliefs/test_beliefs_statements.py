"""Statement templates, issue phrases and users' own statements."""

import pandas as pd
import pytest

from cogalign.beliefs.statements import (
    StatementTemplate,
    belief_statements,
    issue_phrases,
    list_templates,
    load_template,
)
from cogalign.errors import CogalignError


def test_builtin_templates():
    assert {"favor-against", "support-oppose", "agree-following", "pro-con-side"} <= set(list_templates())
    template = load_template("favor_against")
    assert template.render("the death penalty", 1) == "I am in favor of the death penalty."
    assert template.render("the death penalty", -1) == "I am against the death penalty."
    assert load_template("agree-following").render("Cats are better", 1) == (
        "I agree with the following: Cats are better")


def test_issue_phrases_prefer_debate_titles_over_names():
    phrases = issue_phrases(["Death Penalty", "Gun Rights", "k1", "Unlisted"], {"k1": "Cats rule"})
    assert phrases == {"Death Penalty": "the death penalty", "Gun Rights": "gun rights",
                       "k1": "Cats rule", "Unlisted": "Unlisted"}


def test_statements_of_several_templates_and_users_own():
    frame = belief_statements(["Death Penalty", "Welfare"], ["favor-against", "support-oppose"])
    assert len(frame) == 8
    assert frame.iloc[0].to_dict() == {"issue": "Death Penalty", "side": 1,
                                       "template": "favor-against",
                                       "text": "I am in favor of the death penalty."}
    own = pd.DataFrame({"issue": ["Welfare", "Welfare"], "side": ["Con", "Pro"],
                        "text": ["Welfare traps people.", "Welfare is a safety net."]})
    mixed = belief_statements(["Death Penalty", "Welfare"], ["favor-against"], statements=own)
    welfare = mixed[mixed["issue"] == "Welfare"]
    assert welfare["text"].tolist() == ["Welfare is a safety net.", "Welfare traps people."]
    assert set(welfare["template"]) == {"user"}
    with pytest.raises(CogalignError, match="only one side"):
        belief_statements(["Welfare"], statements=own.iloc[:1])
    with pytest.raises(CogalignError, match="row 2: side 'maybe'"):
        belief_statements(["Welfare"], statements=own.assign(side=["Con", "maybe"]))


def test_template_files(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nkind = "statement"\nfields = ["issue"]\n'
                    '[templates]\npro = "Yes to {issue}."\ncon = "No to {issue}."\n')
    assert load_template(path).render("tea", -1) == "No to tea."
    path.write_text('name = "bad"\nkind = "statement"\n[templates]\npro = "Yes."\ncon = "No {x}."\n')
    with pytest.raises(CogalignError, match="placeholder"):
        load_template(path)
    with pytest.raises(CogalignError, match="unknown statement template"):
        load_template("no-such-template")
    with pytest.raises(CogalignError, match="placeholder"):
        StatementTemplate("t", "I like {issue}", "I dislike it")
