import numpy as np

from tuneforge.importance.tree_anova import leaf_boxes, main_effects


def _tree():
    # node 0: x0 <= 0.5 ? node 1 : node 2;  node 2: x1 <= 0.25 ? node 3 : node 4
    left = np.array([1, -1, 3, -1, -1])
    right = np.array([2, -1, 4, -1, -1])
    feature = np.array([0, -2, 1, -2, -2])
    threshold = np.array([0.5, 0, 0.25, 0, 0])
    value = np.array([0, 1.0, 0, 2.0, 6.0])
    return left, right, feature, threshold, value


def test_leaf_boxes_cut_the_unit_square():
    lo, hi, vals = leaf_boxes(*_tree(), np.zeros(2), np.ones(2))
    boxes = sorted(zip(map(tuple, lo), map(tuple, hi), vals, strict=True), key=lambda b: b[2])
    assert boxes == [((0, 0), (0.5, 1), 1.0), ((0.5, 0), (1, 0.25), 2.0),
                     ((0.5, 0.25), (1, 1), 6.0)]


def test_main_effects_match_the_closed_form():
    lo, hi, vals = leaf_boxes(*_tree(), np.zeros(2), np.ones(2))
    effects, total = main_effects(lo, hi, vals, np.zeros(2), np.ones(2))
    # f = 1 on x0<=.5; for x0>.5: 2 on x1<=.25, 6 above. Mean = .5*1 + .125*2 + .375*6 = 3
    assert np.isclose(total, 0.5 * 4 + 0.125 * 1 + 0.375 * 9)
    # marginal in x0: 1 left, 0.25*2 + 0.75*6 = 5 right -> variance .5*4 + .5*4 = 4
    # marginal in x1: .5*1 + .5*2 = 1.5 below .25, .5*1 + .5*6 = 3.5 above -> .25*2.25+.75*.25
    assert np.allclose(effects, [4.0, 0.25 * 2.25 + 0.75 * 0.25])
    # what the main effects leave is the interaction: positive here
    assert effects.sum() < total


def test_an_additive_tree_has_no_interaction_and_a_constant_one_no_variance():
    left, right = np.array([1, -1, -1]), np.array([2, -1, -1])
    lo, hi, vals = leaf_boxes(left, right, np.array([1, -2, -2]), np.array([3.0, 0, 0]),
                              np.array([0, 1.0, 5.0]), np.array([0.0, 0.0]),
                              np.array([1.0, 4.0]))
    effects, total = main_effects(lo, hi, vals, np.array([0.0, 0.0]), np.array([1.0, 4.0]))
    assert effects[0] == 0 and np.isclose(effects[1], total)
    flat, t0 = main_effects(lo, hi, np.ones(2), np.array([0.0, 0.0]), np.array([1.0, 4.0]))
    assert t0 == 0 and not flat.any()
