"""What the fork server of :mod:`coursetools.nbgrader_runner` prepares once for every nbgrader command it forks.

Imports: nbgrader, the sandboxed executor, the verdicts with PyTorch, dlkurs and torchvision's
datasets (the verdicts load MNIST and CIFAR-10). And nbformat's compiled JSON-schema validators
for the notebooks the course writes (nbformat 4.5), strict and relaxed: nbgrader validates each
notebook several times, and compiling the two validators costs 0.5 s of CPU in every child that
has to do it itself.
"""
from __future__ import annotations

import nbformat.validator
import nbgrader.apps.nbgraderapp  # noqa: F401
import torchvision.datasets  # noqa: F401

import coursetools.sandbox  # noqa: F401
import coursetools.verdicts  # noqa: F401
import dlkurs  # noqa: F401

for relaxed in (False, True):
    nbformat.validator.get_validator(version=4, version_minor=5, relax_add_props=relaxed)
