"""Each guard of the default risk rules, and the text normalisation they rely on."""

from __future__ import annotations

import pytest

from services.desk.risk import RiskLevel, RuleSet, classify, evaluate, explain


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.default()


@pytest.mark.parametrize(
    "text",
    [
        "I'd kill for a decent bus service",
        "Dying to know when the roadworks finish",
        "The match was murder",
        "Will there be a knife crime awareness talk?",
        "Your team is killing it",
        "My phone died halfway through the call",
        "Drop dead gorgeous horses at the parade",
        "That quiz question stabbed me in the back",
        "Breaking in my new boots on the canal path",
        "The new parking scheme is a car crash of an idea",
        "If I hear that van one more time I'll kill myself",
    ],
)
def test_idioms_do_not_fire(rules: RuleSet, text: str) -> None:
    assert classify(text, rules).level is None, explain(text, rules)


def test_an_idiom_hides_only_its_own_words(rules: RuleSet) -> None:
    text = "I'd kill for a brew. Also there's a lad outside with a knife right now"
    a = classify(text, rules)
    assert a.level is RiskLevel.URGENT
    assert [r.rule_id for r in a.reasons] == ["weapon-seen"]
    assert a.reasons[0].matched == ("knife",)


def test_negated_self_harm_is_lowered_to_watch_not_hidden(rules: RuleSet) -> None:
    a = classify("I'm not going to hurt myself, I just need someone to talk to", rules)
    assert a.level is RiskLevel.WATCH
    assert a.reasons[0].rule_id == "self-harm-intent"
    assert 'Lowered to watch: "not" (negation)' in a.reasons[0].explanation


def test_negation_drops_other_rules(rules: RuleSet) -> None:
    assert classify("No one is breaking in, it was the wind", rules).level is None
    assert classify("It's not a hate crime to disagree with you", rules).level is None


def test_negation_needs_to_be_close_and_in_the_same_clause(rules: RuleSet) -> None:
    # "not" is three clauses away: it negates the queue, not the farewell.
    text = "I'm not angry, I'm not sad, I just won't be here tomorrow"
    assert classify(text, rules).level is RiskLevel.URGENT


def test_a_negation_inside_a_longer_phrase_is_no_negation(rules: RuleSet) -> None:
    a = classify("I can't stop thinking about killing myself", rules)
    assert a.level is RiskLevel.URGENT
    assert classify("I don't want to live anymore", rules).level is RiskLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "The article about the stabbing had the wrong street",
        "Is there any update on the collision on the A6?",
        "Your post about the sextortion scams was useful",
        "Just seen your appeal about the hit and run, shared",
    ],
)
def test_news_and_appeals_are_reported_speech(rules: RuleSet, text: str) -> None:
    assert classify(text, rules).level is None, explain(text, rules)


def test_a_sighting_from_an_appeal_is_intelligence(rules: RuleSet) -> None:
    a = classify(
        "Re your appeal about the missing girl, I'm sure I saw her at the bus station", rules
    )
    assert a.level is RiskLevel.WATCH
    assert "intelligence" in a.categories


def test_past_and_resolved_events_do_not_fire_but_now_undoes_the_past(rules: RuleSet) -> None:
    assert classify("The break-in at the school last year was sorted, thanks", rules).level is None
    assert classify("My son went missing last month and was found safe", rules).level is None
    again = "They tried the doors last year and they're breaking in again right now"
    assert classify(again, rules).level is RiskLevel.URGENT


def test_a_past_disclosure_still_gets_a_trained_eye(rules: RuleSet) -> None:
    a = classify("I was sexually assaulted when I was 15 and never reported it", rules)
    assert a.level is RiskLevel.WATCH
    assert a.categories == ("sexual offence",)


def test_a_joke_lowers_urgent_to_watch(rules: RuleSet) -> None:
    a = classify("honestly going to end it all if the 42 is late again lol", rules)
    assert a.level is RiskLevel.WATCH


@pytest.mark.parametrize(
    "text",
    [
        "tell my kids I love them, I won’t be here tomorrow",
        "TELL MY KIDS I LOVE THEM. I WON'T BE HERE TOMORROW",
        "wont b here 2moro",
        "i wont be here tomorrowwwww",
        "im gonna kms",
        "thinking about sucide, gonna end it all",
        "this is goodbyeeee",
        "I want to kill my self",
    ],
)
def test_spelling_case_quotes_and_text_speak_do_not_hide_a_farewell(
    rules: RuleSet, text: str
) -> None:
    a = classify(text, rules)
    assert a.level is RiskLevel.URGENT, explain(text, rules)
    assert "suicide and self-harm" in a.categories


def test_reasons_quote_the_public_s_own_words(rules: RuleSet) -> None:
    a = classify("He's outside with a MACHETE, he said he’ll kill me", rules)
    quotes = {q for r in a.reasons for q in r.matched}
    assert "MACHETE" in quotes
    assert "he’ll kill me" in quotes


def test_quoted_email_lines_and_links_are_not_the_public_s_words(rules: RuleSet) -> None:
    reply = "Thanks, I've shared it.\n\n> APPEAL: a man was stabbed on King Street\n> Call 101"
    assert classify(reply, rules).level is None
    assert classify("https://news.example/man-has-been-stabbed-in-town", rules).level is None


def test_a_censored_slur_counts_as_hate(rules: RuleSet) -> None:
    a = classify("Got called a p*ki in the town centre today", rules)
    assert a.level is RiskLevel.WATCH
    assert a.categories == ("hate crime",)


def test_a_huge_body_is_classified_on_its_first_part(rules: RuleSet) -> None:
    body = "tell my kids I love them. " + "blah " * 2_000_000 + "he has been stabbed"
    a = classify(body, rules)
    assert a.level is RiskLevel.URGENT
    assert [r.rule_id for r in a.reasons] == ["suicide-farewell"]


def test_explain_shows_what_fired_and_what_guards_did(rules: RuleSet) -> None:
    text = (
        "I'd kill for a coffee. I'm not going to hurt myself. Has anyone got the knife crime stats?"
    )
    out = explain(text, rules)
    assert out.splitlines()[0] == "level: watch"
    assert "fires   watch  self-harm-intent [suicide and self-harm]" in out
    assert (
        'lowered to watch self-harm-intent: "going to hurt myself": guard "negation" saw "not"'
        in out
    )
    result = evaluate(text, rules)
    assert any(s.by == "idioms" and s.matched == "knife" for s in result.suppressions)


def test_explain_says_when_nothing_fires(rules: RuleSet) -> None:
    assert explain("When is the front counter open?", rules) == "level: none\n  no rule fires"
