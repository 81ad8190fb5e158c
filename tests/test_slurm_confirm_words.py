"""What a Slurm backend's confirmations say it will do: the commands of mode "cli", the
slurmrestd requests of mode "rest" (no scancel or scontrol is run there)."""

from __future__ import annotations

from fakes import make_job

from jobdeck.adapters.slurm import SlurmAdapter, SlurmSettings
from jobdeck.model import Capability, JobState

HELD = make_job("4", JobState.PAUSED, backend="hpc", name="heldone")


def adapter(mode: str) -> SlurmAdapter:
    return SlurmAdapter(SlurmSettings(kind="slurm", name="hpc", mode=mode, url="http://127.0.0.1:1"))


def test_cli_confirmations_name_slurm_s_commands():
    cli = adapter("cli")
    assert cli.confirm_text(Capability.CANCEL, HELD).startswith("scancel: Slurm ends it")
    assert cli.confirm_text(Capability.RETRY, HELD).startswith("scontrol requeue:")
    assert cli.confirm_text(Capability.PAUSE, HELD).startswith("scontrol hold:")
    assert cli.confirm_text(Capability.RESUME, HELD).startswith("scontrol release:")


def test_rest_confirmations_name_slurmrestd_not_commands_it_does_not_run():
    rest = adapter("rest")
    said = [rest.confirm_text(capability, HELD) for capability in
            (Capability.CANCEL, Capability.PAUSE, Capability.RESUME)]
    assert all(words and words.startswith("slurmrestd (") for words in said)
    assert not [words for words in said if "scancel" in words or "scontrol" in words]
    assert rest.confirm_text(Capability.RETRY, HELD) is None  # refused in rest mode (why_not says why)
