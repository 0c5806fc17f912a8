from conflict.services.snapshot import reference_snapshot, snapshot_forget, snapshot_value


def test_outside_a_snapshot_every_read_loads_again():
    loads = []
    assert [snapshot_value("k", lambda: loads.append(1) or len(loads)) for _ in range(3)] == [1, 2, 3]


def test_inside_a_snapshot_a_value_is_loaded_once_until_forgotten():
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    with reference_snapshot():
        assert snapshot_value("k", load) == 1
        assert snapshot_value("k", load) == 1
        snapshot_forget("k")
        assert snapshot_value("k", load) == 2
    assert snapshot_value("k", load) == 3


def test_a_nested_snapshot_shares_the_outer_one_and_leaves_it_open():
    with reference_snapshot():
        snapshot_value("k", lambda: "outer")
        with reference_snapshot():
            assert snapshot_value("k", lambda: "inner") == "outer"
        assert snapshot_value("k", lambda: "after") == "outer"
