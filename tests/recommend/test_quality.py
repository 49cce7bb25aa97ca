"""Our ranking beats "newest first" on a generated population with known likes (bench/recommend_quality.py).

A behaviour test at a small size, with the bench's fixed seed; the bench reports the figures at
full size in docs/BENCHMARKS.md.
"""

from __future__ import annotations

from bench.recommend_quality import evaluate, generate, precision_at


def test_precision_at_10_beats_newest_first_on_a_generated_population():
    quality = evaluate(generate(seed=15, persons=40, posts=300))
    assert quality.persons == 40 and quality.posts == 300
    assert quality.ours > 2 * quality.newest, quality
    assert quality.ours > 0.4


def test_the_population_is_the_same_for_the_same_seed_and_has_likes():
    one, two = generate(seed=7, persons=5, posts=50), generate(seed=7, persons=5, posts=50)
    assert one.liked == two.liked and [p.post_id for p in one.openings] == [p.post_id for p in two.openings]
    assert all(one.liked)  # every generated person likes something
    assert generate(seed=8, persons=5, posts=50).liked != one.liked


def test_precision_counts_the_liked_among_the_first_k():
    assert precision_at(10, list(range(10)), {0, 3, 42}) == 0.2
    assert precision_at(10, [], {1}) == 0.0
