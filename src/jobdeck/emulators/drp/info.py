"""DRP's ``models.Info``: what ``GET /users/{name}/token`` hands back beside the token.

The server answers ``models.UserToken{Token, Info}`` with the *full* system
info (v3 code: ``frontend/users.go`` fills it from ``GetInfo`` and sets
``address`` to the server's address as the caller sees it; v4 ``models/token.go``
keeps the same shape). The vendor client (drppy-client 4.17) checks it: its
``Info`` model refuses a missing ``address``, ``api_port``, ``arch`` … so an
``Info`` of a few made-up fields cannot be read at all. Keys are the Go JSON
tags: snake_case, except ``License`` and ``ClusterState``.
"""

from __future__ import annotations

from typing import Any

#: The release the emulator says it is (the contract describes v4.17).
VERSION = "v4.17.0-emulated"
#: DRP's default ports (api 8092, static files 8091, tftp 69, dhcp 67, binl 4011).
PORTS = {"api_port": 8092, "file_port": 8091, "secure_file_port": 8090, "dhcp_port": 67,
         "binl_port": 4011, "tftp_port": 69, "dns_port": 53}


def server_info(*, server_id: str, address: str, hostname: str, machines: int) -> dict[str, Any]:
    """``models.Info`` as the server writes it: every field the client requires, none of them secret."""
    return {
        "arch": "amd64",
        "os": "linux",
        "version": VERSION,
        "id": server_id,
        "local_id": server_id,
        "ha_id": server_id,
        "ha_consensus_id": "",
        "uuid": server_id,
        **PORTS,
        "extra_api_ports": [],
        "extra_file_ports": [],
        "extra_secure_file_ports": [],
        "tftp_enabled": True,
        "dhcp_enabled": True,
        "binl_enabled": True,
        "dns_enabled": False,
        "prov_enabled": True,
        "secure_prov_enabled": True,
        "address": address,
        "server_hostname": hostname,
        "manager": False,
        "stats": [{"name": "machines.count", "count": machines}, {"name": "subnets.count", "count": 0}],
        "features": ["api-v3", "sane-exit-codes", "job-exit-states", "selective-job-purge", "work-orders"],
        "scopes": {"jobs": {"list": {}, "get": {}, "create": {}, "update": {}, "delete": {}, "log": {}, "actions": {}}},
        "errors": [],
        "ha_enabled": False,
        "ha_virtual_address": "",
        "ha_is_active": True,
        "ha_status": "Up",
        "ha_active_id": server_id,
        "ha_passive_state": [],
        "License": {"Contact": "", "ContactEmail": "", "ContactId": "", "Endpoints": [server_id],
                    "GenerationVersion": "v4", "Grantor": "RackN", "GrantorEmail": "", "Licenses": [],
                    "MaxDrpVersion": "", "Owner": "emulator", "OwnerEmail": "", "OwnerId": "", "Version": "v4"},
        "ClusterState": {"ActiveUri": "", "ConsensusEnabled": False, "ConsensusJoin": "", "Enabled": False,
                         "HaID": server_id, "LoadBalanced": False, "Nodes": [], "Roots": [],
                         "ServerHostname": hostname, "Token": "", "Valid": True, "VirtAddr": ""},
    }
