"""The Penalty subject: catalogue pieces against the definitions typed here by hand, parsing, refusals."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lksym.derivation.penalty import (
    CATALOGUE,
    CATALOGUE_TRAITS,
    FAMILY_TRAITS,
    Penalty,
    parse_penalty,
    parse_subject,
    power,
    usual_catalogue,
)
from lksym.derivation.symbols import X
from lksym.errors import InputError

# The definitions of the issue, t = |w| >= 0, written independently of lksym (mpmath, plain branches).
HAND = {
    "elastic_net": lambda t, l1, l2: l1 * t + l2 * t**2,
    "scad": lambda t, lam, a: (
        lam * t if t <= lam else (2 * a * lam * t - t**2 - lam**2) / (2 * (a - 1)) if t <= a * lam else lam**2 * (a + 1) / 2
    ),
    "mcp": lambda t, lam, gamma: lam * t - t**2 / (2 * gamma) if t <= gamma * lam else gamma * lam**2 / 2,
    "logsum": lambda t, eps: mpmath.log(1 + t / eps),
    "capped_l1": lambda t, theta: min(t, theta),
    "huber": lambda t, delta: t**2 / (2 * delta) if t <= delta else t - delta / 2,
    "l0": lambda t: 0 if t == 0 else 1,
}

CASES = [
    ("elastic_net(l1=0.5, l2=0.25)", "elastic_net", {"l1": 0.5, "l2": 0.25}),
    ("elastic_net(l1=0, l2=3)", "elastic_net", {"l1": 0, "l2": 3}),
    ("scad(lam=1, a=3.7)", "scad", {"lam": 1, "a": 3.7}),
    ("scad(lam=0.5, a=2.1)", "scad", {"lam": 0.5, "a": 2.1}),
    ("scad(lam=2, a=10)", "scad", {"lam": 2, "a": 10}),
    ("mcp(lam=1, gamma=3)", "mcp", {"lam": 1, "gamma": 3}),
    ("mcp(lam=2, gamma=0.5)", "mcp", {"lam": 2, "gamma": 0.5}),
    ("logsum(eps=0.1)", "logsum", {"eps": 0.1}),
    ("logsum(eps=sqrt(2))", "logsum", {"eps": "sqrt(2)"}),
    ("capped_l1(theta=1)", "capped_l1", {"theta": 1}),
    ("capped_l1(theta=7/3)", "capped_l1", {"theta": "7/3"}),
    ("huber(delta=1)", "huber", {"delta": 1}),
    ("huber(delta=0.1)", "huber", {"delta": 0.1}),
    ("l0", "l0", {}),
]


def _mpf(v):
    # "3.7" to 40 digits, not the binary float; "sqrt(2)" at this precision (test constants, not user input)
    return mpmath.mpf(str(sp.N(sp.sympify(str(v), rational=True), 40)))


def _value(p: Penalty, t: float) -> mpmath.mpf:
    if t == 0:
        return mpmath.mpf(sp.N(p.at_zero, 30))
    for piece in p.pieces:
        if t <= piece.hi:
            return mpmath.mpf(sp.N(piece.expr.subs(X, sp.Float(t, 30)), 30))
    raise AssertionError("pieces do not cover the line")


@pytest.mark.parametrize("text, name, params", CASES)
def test_catalogue_pieces_match_the_definition(text, name, params):
    mpmath.mp.dps = 30
    p = parse_penalty(text)
    assert p.family == name
    hand = HAND[name]
    # on each piece, at both sides of every breakpoint, tiny and huge |w|
    points = [0, 1e-12, 1e-3, 0.3, 0.999, 1.0, 1.001, 2.5, 3.69, 3.71, 7.0, 1e3, 1e6]
    for b in p.breakpoints:
        points += [float(b) * (1 - 1e-9), float(b), float(b) * (1 + 1e-9)]
    for t in points:
        expected = hand(mpmath.mpf(t), **{k: _mpf(v) for k, v in params.items()})
        assert abs(_value(p, t) - expected) <= 1e-20 * (1 + abs(expected)), (text, t)


@pytest.mark.parametrize(
    "text, breakpoints",
    [
        ("scad(lam=1, a=3.7)", (1, sp.Rational(37, 10))),
        ("scad(lam=0.5, a=2.1)", (sp.Rational(1, 2), sp.Rational(21, 20))),
        ("mcp(lam=1, gamma=3)", (3,)),
        ("mcp(lam=2, gamma=0.5)", (1,)),
        ("capped_l1(theta=7/3)", (sp.Rational(7, 3),)),
        ("huber(delta=0.1)", (sp.Rational(1, 10),)),
        ("logsum(eps=0.1)", ()),
        ("l0", ()),
        ("elastic_net(l1=1, l2=1)", ()),
    ],
)
def test_breakpoints_are_exact(text, breakpoints):
    assert parse_penalty(text).breakpoints == tuple(sp.S(b) for b in breakpoints)


def test_parameters_are_exact_and_scad_lam_is_not_the_prox_strength():
    p = parse_penalty("scad(lam=0.1, a=3.7)")
    assert dict(p.params) == {"lam": sp.Rational(1, 10), "a": sp.Rational(37, 10)}
    assert all(not piece.expr.free_symbols - {X} for piece in p.pieces)


@pytest.mark.parametrize("text, k", [("1.5", sp.Rational(3, 2)), ("3/2", sp.Rational(3, 2)), ("sqrt(2)", sp.sqrt(2)),
                                     ("l1", 1), ("l2", 2), ("abs(w)^1.5", sp.Rational(3, 2)), ("w^2", 2), ("|w|", 1)])
def test_numbers_and_powers_are_the_power_family(text, k):
    p = parse_penalty(text)
    assert p.family == "power" and p.k == k and p.slug == power(k).slug


@pytest.mark.parametrize(
    "typed, catalogue",
    [
        ("log(1 + abs(w)/0.1)", "logsum(eps=0.1)"),
        ("Min(abs(w), 1)", "capped_l1(theta=1)"),
        ("Piecewise((w^2/2, abs(w) <= 1), (abs(w) - 1/2, True))", "huber(delta=1)"),
        ("0.5*abs(w) + 0.25*w^2", "elastic_net(l1=0.5, l2=0.25)"),
        ("Piecewise((0, w == 0), (1, True))", "l0"),
        ("Heaviside(abs(w) - 3)*3/2 + Heaviside(3 - abs(w))*(abs(w) - w^2/6)", "mcp(lam=1, gamma=3)"),
    ],
)
def test_typed_expressions_have_the_catalogue_pieces(typed, catalogue):
    a, b = parse_penalty(typed), parse_penalty(catalogue)
    assert a.family == "expression"
    assert [(q.expr, q.lo, q.hi) for q in a.pieces] == [(q.expr, q.lo, q.hi) for q in b.pieces]
    assert a.at_zero == b.at_zero


@pytest.mark.parametrize(
    "text, message",
    [
        ("w^3", "even in w"),
        ("w + abs(w)", "even in w"),
        ("w^2*sign(w)", "even in w"),
        ("Piecewise((w^2, w > 1), (abs(w), True))", "even in w"),
        ("scad(lam=1, a=0.5)", "a must be greater than 2"),
        ("scad(lam=1, a=2)", "a must be greater than 2"),
        ("scad(lam=1)", "missing parameter a"),
        ("scad(a=3)", "missing parameter lam"),
        ("scad(lam=1, a=3, b=2)", "unknown parameter 'b'"),
        ("scad(lam=1, lam=2, a=3)", "given twice"),
        ("scad(1, 3)", "parameters are keywords"),
        ("mcp(lam=1, gamma=0)", "between 0.001 and 1000"),
        ("mcp(lam=-1, gamma=3)", "between 0.001 and 1000"),
        ("logsum(eps=1e9)", "between 0.001 and 1000"),
        ("huber(delta=abc)", "invalid delta"),
        ("huber(delta=w)", "invalid delta"),
        ("huber(delta=1+2j)", "invalid delta"),
        ("capped_l1(theta=1234567/1000000)", "too many digits"),
        ("elastic_net(l1=0, l2=0)", "cannot both be 0"),
        ("l1(x=1)", "takes no parameters"),
        ("foo(a=1)", "unknown penalty 'foo'"),
        ("sqrt(1 - w^2)", "real and finite"),
        ("log(abs(w))", "finite at w = 0"),
        ("1/abs(w)", "finite at w = 0"),
        ("abs(w)^w", "even in w"),
        ("__import__('os').system('true')", "unknown penalty|names starting with '_'"),
        ("scad(lam=__import__('os'), a=3)", "names starting with '_'"),
    ],
)
def test_bad_penalties_are_one_line_input_errors(text, message):
    with pytest.raises(InputError) as error:
        parse_penalty(text)
    text_of_error = str(error.value)
    assert "\n" not in text_of_error
    import re

    assert re.search(message, text_of_error), text_of_error


def test_parse_subject_keeps_k_messages_for_bad_exponents():
    with pytest.raises(InputError, match="k"):
        parse_subject("-1")
    assert parse_subject("scad(lam=1, a=3.7)").family == "scad"
    assert parse_subject(sp.Rational(3, 2)).k == sp.Rational(3, 2)


def test_labels_and_slugs_are_readable_and_folder_safe():
    import re

    for p in usual_catalogue():
        assert re.fullmatch(r"[A-Za-z0-9._^+-]+", p.slug), p.slug
        assert p.label
    assert parse_penalty("mcp(lam=1, gamma=3)").label == "MCP (λ = 1, γ = 3)"
    slug = parse_penalty("log(1 + abs(w)/0.1)").slug
    assert slug.startswith("expr-") and re.fullmatch(r"[A-Za-z0-9._^+-]+", slug)
    # same text twice: the same slug (deterministic); another expression: another slug
    assert parse_penalty("log(1 + abs(w)/0.1)").slug == slug != parse_penalty("log(1 + abs(w)/0.2)").slug


def test_usual_catalogue_covers_every_entry():
    assert {p.family for p in usual_catalogue()} == set(CATALOGUE)


def test_text_round_trips():
    for p in usual_catalogue():
        again = parse_penalty(p.text)
        assert again == p


@settings(max_examples=40, deadline=None)
@given(
    lam=st.fractions(min_value=sp.Rational(1, 100), max_value=50, max_denominator=100),
    a=st.fractions(min_value=sp.Rational(201, 100), max_value=50, max_denominator=100),
)
def test_scad_pieces_for_random_parameters(lam, a):
    p = parse_penalty(f"scad(lam={lam}, a={a})")
    lam, a = sp.Rational(lam), sp.Rational(a)
    assert p.breakpoints == (lam, a * lam)
    # continuous at both breakpoints, constant L^2 (a+1)/2 beyond
    assert p.pieces[0].expr.subs(X, lam) == p.pieces[1].expr.subs(X, lam)
    assert p.pieces[1].expr.subs(X, a * lam) == p.pieces[2].expr == lam**2 * (a + 1) / 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("tanhh(w^2)", "unknown function 'tanhh' in 'tanhh(w^2)'"),  # tanh itself is known (issue 26)
        ("foo(abs(w))", "unknown function 'foo'"),
        ("foo(lam=1)", "unknown penalty 'foo'"),
        ("scad(lam=1, a=3.7", "scad: unbalanced parentheses"),
        ("mcp(lam=1", "mcp: unbalanced parentheses"),
    ],
)
def test_a_misspelt_function_or_an_unclosed_call_says_what_it_is(text, message):
    with pytest.raises(InputError) as caught:
        parse_subject(text)
    assert message in str(caught.value) and "invalid k" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unclosed_exponent_is_still_a_bad_k():
    with pytest.raises(InputError, match="invalid k"):
        parse_subject("sqrt(2")


# --------------------------------------------------------------------------- the article's names (issue 26)

ALIASES = [
    ("l1.5", "1.5"), ("L1.5", "3/2"), ("l0.5", "0.5"), ("L0.5", "1/2"), ("l2", "2"), ("L2", "2"), ("l1", "1"),
    ("L1", "1"), ("lasso", "1"), ("LASSO", "1"), ("Lasso", "1"), ("ridge", "2"), ("Ridge", "2"), (" l1.5 ", "1.5"),
    ("l3/2", "3/2"), ("l 3", "3"), ("l10", "10"), ("L.5", "0.5"), ("l2.", "2"),
]


@pytest.mark.parametrize("name, number", ALIASES)
def test_the_articles_names_are_the_power_with_that_k(name, number):
    from lksym.derivation.expr import parse_k
    from lksym.derivation.penalty import parse_penalty, parse_subject, power

    want = power(number)
    for got in (parse_subject(name), parse_penalty(name), power(name)):
        assert got == want and got.slug == want.slug and got.family == "power"
    assert parse_k(name) == parse_k(number)


@pytest.mark.parametrize("name", ["l0", "L0", " L0 "])
def test_l0_is_the_counting_penalty_not_a_power(name):
    from lksym.derivation.penalty import parse_subject

    assert parse_subject(name).family == "l0"


@pytest.mark.parametrize("name", ["SCAD(lam=1, a=3.7)", "Scad(lam=1, a=3.7)", "MCP(lam=1, gamma=3)", "LogSum(eps=0.1)"])
def test_catalogue_names_in_any_case(name):
    from lksym.derivation.penalty import parse_subject

    assert parse_subject(name) == parse_subject(name.split("(")[0].lower() + "(" + name.split("(", 1)[1])


@pytest.mark.parametrize("name", ["lass", "ridged", "l1norm", "Lp", "lassoo", "elastic", "l", "L"])
def test_an_unknown_name_lists_the_known_ones(name):
    from lksym.derivation.penalty import parse_subject

    with pytest.raises(InputError, match=rf"unknown penalty '{name}' \(known: capped_l1, .*lasso .*ridge .*l1\.5"):
        parse_subject(name)


@pytest.mark.parametrize("name", ["l-1", "l0.0", "l1.5.2", "l1e5x", "lasso(l=1)"])
def test_names_that_are_not_the_articles_are_refused_in_one_line(name):
    from lksym.derivation.penalty import parse_subject

    with pytest.raises(InputError):
        parse_subject(name)


# --------------------------------------------------------------------------- what each family answers (FAMILY_TRAITS)


@pytest.mark.parametrize(
    "text, label, short_label, name, curve_label, slug",
    [
        ("1.5", "L1.5", "L1.5", "L1.5", "|w|^1.5", "k-1.5"),
        ("7/3", "L7/3", "L7/3", "L7/3", "|w|^7/3", "k-7_3"),
        ("sqrt(2)", "Lsqrt(2)", "L√2", "L√2", "|w|^√2", "k-sqrt2"),
        ("1 + sqrt(2)", "L1 + sqrt(2)", "L(1 + √2)", "L(1 + √2)", "|w|^(1 + √2)", "k-1+sqrt2"),
        ("pi", "Lpi", "Lπ", "Lπ", "|w|^π", "k-pi"),
        ("scad(lam=1, a=3.7)", "SCAD (λ = 1, a = 3.7)", "SCAD", "SCAD (λ = 1, a = 3.7)", "SCAD", "scad-lam-1-a-3.7"),
        ("mcp(lam=1, gamma=3)", "MCP (λ = 1, γ = 3)", "MCP", "MCP (λ = 1, γ = 3)", "MCP", "mcp-lam-1-gamma-3"),
        ("l0", "L0", "L0", "L0", "L0", "l0"),
    ],
)
def test_each_family_names_its_penalties_by_hand(text, label, short_label, name, curve_label, slug):
    p = parse_subject(text)
    assert (p.label, p.short_label, p.name, p.curve_label, p.slug) == (label, short_label, name, curve_label, slug)


def test_a_typed_expression_is_named_by_its_text():
    p = parse_penalty("log(1 + abs(w)/0.1)")
    assert (p.label, p.name, p.short_label, p.curve_label) == ("log(1 + abs(w)/0.1)",) * 2 + ("p(w)",) * 2
    assert p.traits is FAMILY_TRAITS["expression"] and p.k is None and p.traits.order is None


def test_the_table_covers_every_family_once():
    # Every catalogue family answers through CATALOGUE_TRAITS; only the power family and expressions have entries.
    assert set(FAMILY_TRAITS) == {"power", "expression"} and not set(FAMILY_TRAITS) & set(CATALOGUE)
    for p in usual_catalogue():
        assert p.traits is CATALOGUE_TRAITS and p.k is None
        assert not p.traits.own_comparison and not p.traits.gd_in_words
    power_traits = parse_subject("2").traits
    assert power_traits is FAMILY_TRAITS["power"] and power_traits.own_comparison and power_traits.gd_in_words


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 999), st.integers(1, 999))
def test_power_slug_is_the_reports_folder_name(numerator, denominator):
    # The folder names reports have always had (lksym.writers.index.k_slug) come from the subject now.
    from lksym.writers.index import k_slug

    k = sp.Rational(numerator, denominator)
    # k lksym refuses (outside [1/1000, 1000], or within 1/100 of the poles 1 and 2 of exact answers) has no folder.
    if not sp.Rational(1, 1000) <= k <= 1000 or any(0 < abs(k - pole) < sp.Rational(1, 100) for pole in (1, 2)):
        return
    p = power(k)
    assert p.slug == k_slug(k) and p.k == k and p.traits.order(p) == float(k)


@pytest.mark.parametrize(
    "text, identical, legend",
    [("1", ("L1",), "L1 = L1: k|w|^(k-1)"), ("2", ("L2",), "L2 = L2: k|w|^(k-1)"),
     ("sqrt(2)", (), "L√2: k|w|^(k-1)"), ("scad(lam=1, a=3.7)", (), "SCAD: |p'(w)|"),
     ("elastic_net(l1=1, l2=0)", ("L1",), "Elastic net: |p'(w)|"), ("log(1 + abs(w)/0.1)", (), "p(w): |p'(w)|")],
)
def test_gradient_legend_by_hand(text, identical, legend):
    p = parse_subject(text)
    assert p.traits.gradient_legend(p, identical) == legend
