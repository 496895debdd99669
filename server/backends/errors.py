"""Errors of the model backends. ``server.errors.Unavailable`` covers "cannot be reached"; these
are the other two ways a model call fails. Messages name the backend and model, never inputs."""
from __future__ import annotations

import grpc

from server.errors import MedcoderError


class BackendTimeout(MedcoderError):
    """The model did not answer before the caller's deadline (or the backend's own timeout)."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class BackendError(MedcoderError):
    """The backend answered with an error that retrying elsewhere would not fix (bad shape,
    model crash): INTERNAL to the caller; the details are in the gateway's log, without inputs."""

    code = grpc.StatusCode.INTERNAL
