"""The one list of adapter kinds the conformance suite runs on.

A new adapter writes a ``Kit`` for its kind (its backend, its raw states, how it
fails, its secrets: see ``kit.py``) and adds it here; every conformance test
then runs on it, with the kind in the test's id.
"""

from __future__ import annotations

from kit import Kit
from kit_airflow import AirflowKit
from kit_celery import CeleryKit
from kit_drp import DrpKit
from kit_intuned import IntunedKit
from kit_istari import IstariKit
from kit_julep import JulepKit
from kit_local import LocalKit
from kit_slurm import SlurmKit
from kit_ray import RayKit

KITS: tuple[type[Kit], ...] = (LocalKit, DrpKit, IntunedKit, IstariKit, JulepKit, CeleryKit, RayKit, SlurmKit, AirflowKit)
