"""The error tree: one root, data as attributes, and every error survives pickling."""

from __future__ import annotations

import inspect
import pickle

import pytest

from slate import errors


def _all_errors() -> list[type[errors.SlateError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == errors.__name__
    ]


@pytest.mark.parametrize("cls", _all_errors(), ids=lambda c: c.__name__)
def test_every_error_derives_from_the_root_and_pickles_with_its_data(cls: type[errors.SlateError]) -> None:
    assert issubclass(cls, errors.SlateError)
    error = cls("it broke", path="/media/a.wav", rule="48 kHz")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == "it broke"
    assert (copy.path, copy.rule) == ("/media/a.wav", "48 kHz")  # type: ignore[attr-defined]


def test_every_error_is_listed_in_the_module_docstring() -> None:
    doc = errors.__doc__ or ""
    missing = [cls.__name__ for cls in _all_errors() if cls.__name__ not in doc]
    assert missing == []


def test_portal_errors_split_into_retryable_and_final() -> None:
    assert issubclass(errors.PortalUnavailable, errors.PortalError)
    assert issubclass(errors.PortalRejected, errors.PortalError)
    assert not issubclass(errors.PortalRejected, errors.PortalUnavailable)
