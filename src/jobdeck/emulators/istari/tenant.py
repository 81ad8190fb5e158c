"""The simulated Istari tenant: its users, the functions it can run, its models and agents.

Fixed data: the same for every seed. What the agents do with it is in
``agents`` and ``rules``; the registry that holds the jobs is ``simulation``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The user the emulator's personal access token belongs to.
CALLER_ID = "u-42"
OTHER_USER_ID = "u-7"
TENANT_ID = "t-1"


@dataclass(frozen=True)
class Agent:
    id: str
    display_name: str


@dataclass(frozen=True)
class FunctionSpec:
    """A function the simulated tenant can run, and what its parameters look like."""

    name: str
    version: str
    module: str
    tool: str
    tool_display: str
    entrypoint: str
    parameters: dict[str, object]
    #: Chance that a job of this function fails (validation or run).
    failure_rate: float


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("@istari:extract", "1.2.0", "@istari:cad", "catia", "CATIA V5", "extract",
                 {"units": "mm", "include_hidden": False, "formats": ["step", "stl"]}, 0.15),
    FunctionSpec("@istari:mesh", "2.0.1", "@istari:fea", "ansys", "Ansys Mechanical", "mesh",
                 {"element_size": 2.5, "order": "quadratic"}, 0.25),
    FunctionSpec("@istari:variables", "0.9.4", "@istari:nx", "nx", "Siemens NX", "extract_variables",
                 {"expressions": True, "units": "in"}, 0.1),
    FunctionSpec("@istari:export_step", "3.1.0", "@istari:pdm", "windchill", "Windchill", "export",
                 {"revision": "B.2", "pdm_user": "eng-bot", "pdm_password": "hunter2"}, 0.2),
)

MODEL_IDS: tuple[str, ...] = ("m-77", "m-78", "m-81", "m-90", "m-93")

AGENTS: tuple[Agent, ...] = (
    Agent("ag-1", "agent-ubuntu-01"),
    Agent("ag-2", "agent-windows-02"),
    Agent("ag-3", "agent-windows-03"),
)

#: Agent pools and their members. A job assigned to a pool is claimed only by one of them.
#: Simulated submissions name none (so a seed's story is what it was); the API can assign one.
AGENT_POOLS: dict[str, tuple[str, ...]] = {
    "pool-windows": ("ag-2", "ag-3"),
    "pool-linux": ("ag-1",),
}
