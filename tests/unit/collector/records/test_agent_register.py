from itops.collector.records.agent_register import AgentRegister
from itops.v1 import ingest_pb2


def _batch(sequence, *checks):
    batch = ingest_pb2.Batch(sequence=sequence)
    for name, target, status, ts in checks:
        batch.checks.add(check=name, target=target, status=status, timestamp_ms=ts, message=f"at {ts}")
    return batch


def test_replayed_batch_records_its_checks_once(tmp_path):
    state = AgentRegister(str(tmp_path))
    batch = _batch(7, ("tcp_connect", "db:5432", ingest_pb2.CHECK_STATUS_CRITICAL, 1000))
    state.write_batch_records("a1", batch)
    state.write_batch_records("a1", batch)
    latest = state.latest_checks("a1")
    assert [(c["check"], c["target"], c["status"], c["timestamp_ms"]) for c in latest] == [("tcp_connect", "db:5432", "CRITICAL", 1000)]
    assert state._db.execute("SELECT COUNT(*) FROM check_results").fetchone()[0] == 1


def test_latest_check_is_the_newest_result(tmp_path):
    state = AgentRegister(str(tmp_path))
    state.write_batch_records("a1", _batch(1, ("http", "erp", ingest_pb2.CHECK_STATUS_OK, 1000)))
    state.write_batch_records("a1", _batch(2, ("http", "erp", ingest_pb2.CHECK_STATUS_WARNING, 2000)))
    assert [(c["status"], c["message"]) for c in state.latest_checks()] == [("WARNING", "at 2000")]


def test_pruning_keeps_the_latest_result_of_every_check(tmp_path):
    state = AgentRegister(str(tmp_path))
    state.write_batch_records("a1", _batch(1, ("http", "erp", 0, 1000), ("ping", "gw", 0, 1000)))
    state.write_batch_records("a1", _batch(2, ("http", "erp", 2, 5000)))
    assert state.prune_check_results(before_ms=6000) == 1
    assert sorted((c["check"], c["timestamp_ms"]) for c in state.latest_checks()) == [("http", 5000), ("ping", 1000)]


def test_inventory_snapshot_is_stored_once_per_timestamp(tmp_path):
    state = AgentRegister(str(tmp_path))
    batch = ingest_pb2.Batch(sequence=1)
    batch.inventory.timestamp_ms = 42
    batch.inventory.memory_total_bytes = 16 * 2**30
    state.write_batch_records("a1", batch)
    state.write_batch_records("a1", batch)
    assert state._db.execute("SELECT COUNT(*) FROM inventory_snapshots").fetchone()[0] == 1


def test_last_seen_is_persisted_and_survives_reopen(tmp_path):
    state = AgentRegister(str(tmp_path))
    state.record_hello("a1", ingest_pb2.AgentHello(hostname="pc-1", agent_version="0.1.0"), "ipv4:127.0.0.1:5", 1000)
    state.touch("a1", "ipv4:127.0.0.1:6", 9000)
    state.close()
    record = AgentRegister(str(tmp_path)).agents()[0]
    assert (record.hostname, record.first_seen_ms, record.last_seen_ms, record.source_address) == (
        "pc-1", 1000, 9000, "ipv4:127.0.0.1:6")


def test_listing_agents_shows_unsaved_sightings_without_writing_them(tmp_path):
    state = AgentRegister(str(tmp_path))
    state.record_hello("a1", ingest_pb2.AgentHello(hostname="pc-1"), "ipv4:127.0.0.1:5", 1000)
    state.touch("a1", "ipv4:127.0.0.1:6", 9000)
    assert (state.agents()[0].last_seen_ms, state.agents()[0].source_address) == (9000, "ipv4:127.0.0.1:6")
    stored = state._db.execute("SELECT last_seen_ms FROM agents WHERE agent_id = 'a1'").fetchone()[0]
    assert stored == 1000, "a read must not cost a commit; the periodic persist writes it"


def test_an_agent_seen_before_its_hello_is_listed(tmp_path):
    state = AgentRegister(str(tmp_path))
    state.touch("a2", "ipv4:127.0.0.1:7", 5000)
    assert [(r.agent_id, r.last_seen_ms) for r in state.agents()] == [("a2", 5000)]
