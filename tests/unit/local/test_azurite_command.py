"""`azurite_command`: on disk by default; in memory without `--location`, which Azurite refuses beside
`--inMemoryPersistence` ("not supported when the --location option is set", seen with Azurite 3.35)."""

from __future__ import annotations

from pathlib import Path

from multicloud_ctl.local.processes import azurite_command


def test_on_disk_by_default_and_in_memory_without_a_location(tmp_path: Path) -> None:
    disk = azurite_command(10000, tmp_path)
    assert disk[disk.index("--location") + 1] == str(tmp_path) and "--inMemoryPersistence" not in disk
    memory = azurite_command(10000, tmp_path, in_memory=True)
    assert "--inMemoryPersistence" in memory and "--location" not in memory
    assert memory[memory.index("--blobPort") + 1] == "10000" and "--disableTelemetry" in memory
