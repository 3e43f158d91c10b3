"""Classification: mapclassify methods, fixed target breaks, no-data and degenerate inputs."""
import pytest

from planner.services.map_layers import classify, colors


def test_target_breaks_are_lower_inclusive():
    values = [0.5, 0.8, 0.8999, 0.9, 0.95, 1.0, None]
    classes, scheme = classify(values, method="target", breaks=[0.8, 0.9, 0.95])
    assert classes == [0, 1, 1, 2, 3, 3, None]
    assert scheme["bounds"] == [(None, 0.8, True), (0.8, 0.9, True), (0.9, 0.95, True), (0.95, None, True)]
    assert scheme["counts"] == [1, 2, 1, 2]


def test_quantiles_put_equal_numbers_in_each_class():
    values = list(range(1, 11))
    classes, scheme = classify(values, method="quantiles", k=5, integer=True)
    assert scheme["counts"] == [2, 2, 2, 2, 2]
    assert classes[:3] == [0, 0, 1]
    assert scheme["bounds"][0][0] == 1 and scheme["bounds"][-1][1] == 10


def test_equal_interval_splits_the_range():
    classes, scheme = classify([0.0, 1.0, 2.0, 3.0, 10.0], method="equal_interval", k=5)
    assert [b[1] for b in scheme["bounds"]] == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert classes == [0, 0, 0, 1, 4]
    assert scheme["counts"] == [3, 1, 0, 0, 1]
    # k is clipped to the number of distinct values.
    assert len(classify([0.0, 1.0, 2.0, 10.0], method="equal_interval", k=5)[1]["bounds"]) == 4


def test_natural_breaks_find_the_gaps():
    values = [1, 2, 3, 50, 51, 52, 100, 101, 102]
    classes, scheme = classify(values, method="natural_breaks", k=3)
    assert classes == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    big = [i % 7 + (100 if i % 2 else 0) for i in range(2000)]
    classes, scheme = classify(big, method="natural_breaks", k=2)  # sampled, still exact here
    assert scheme["counts"] == [1000, 1000]


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "natural_breaks"])
@pytest.mark.parametrize("values", [
    [5.0, 5.0, 5.0],            # one distinct value
    [1.0, 2.0],                 # fewer values than classes
    [0, 0, 0, 0, 7],            # ties
    [0.25, None, 0.25, None],   # no data mixed in
])
def test_few_distinct_values_never_crash(method, values):
    classes, scheme = classify(values, method=method, k=7)
    present = [v for v in values if v is not None]
    assert len(scheme["bounds"]) <= len(set(present))
    assert sum(scheme["counts"]) == len(present)
    for v, c in zip(values, classes):
        assert (c is None) == (v is None)
    # Each value lies within its class's bounds.
    for v, c in zip(values, classes):
        if v is not None:
            low, high, inclusive = scheme["bounds"][c]
            assert (low <= v if inclusive else low < v) and v <= high


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "natural_breaks", "target"])
def test_all_no_data(method):
    classes, scheme = classify([None, None], method=method, k=5, breaks=[0.8, 0.9, 0.95])
    assert classes == [None, None]
    assert sum(scheme["counts"]) == 0


def test_integer_bounds_are_whole_numbers():
    classes, scheme = classify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], method="equal_interval", k=3, integer=True)
    assert all(float(b[1]).is_integer() for b in scheme["bounds"])
    assert sum(scheme["counts"]) == 11


def test_colour_ramps():
    assert colors("good_high", 4)[0] == "#d7191c" and len(colors("bad_high", 7)) == 7
    assert len(colors("more", 1)) == 1 and len(colors("more", 2)) == 2
