from itops.common.supply_replacement import supply_replaced


def test_a_rise_of_40_points_is_a_replacement():
    assert supply_replaced(0.05, 0.97)
    assert supply_replaced(0.10, 0.50)


def test_a_whole_40_points_counts_whatever_binary_makes_of_it():
    assert (0.95 - 0.55) * 100 < 40 and 0.58 * 100 - 0.18 * 100 < 40  # 39.99999999999999
    assert supply_replaced(0.55, 0.95) and supply_replaced(0.18, 0.58)


def test_a_smaller_rise_or_a_fall_is_not():
    assert not supply_replaced(0.25, 0.64)
    assert not supply_replaced(0.90, 0.10)
