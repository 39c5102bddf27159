"""prefect.yaml is the one list of deployments: complete, loadable, and what serve.py serves."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from prefect.flows import load_flow_from_entrypoint

from deployments.serve import DEFAULT_FILE, load_project, runner_deployments
from slate.errors import InvalidInput
from tasks.dispatch.routes import ROUTES, parameters_for
from tests.deployments.helpers import make_event

ROOT = DEFAULT_FILE.parent


def flow_modules() -> set[str]:
    """Every public module of flows/, as a path relative to the project (``flows/intake.py``)."""
    return {
        f"flows/{p.name}"
        for p in (ROOT / "flows").glob("*.py")
        if p.name != "__init__.py" and not p.name.startswith("_")
    }


def test_every_flow_module_has_an_entry_and_every_entry_a_module() -> None:
    project = load_project()
    listed = {spec.module_path for spec in project.deployments}
    assert flow_modules() - listed == set(), "flow modules without a deployment in prefect.yaml"
    assert listed - flow_modules() == set(), "deployments whose module is missing from flows/"


def test_every_entry_loads_names_its_flow_and_accepts_its_parameters() -> None:
    for spec in load_project().deployments:
        flow = load_flow_from_entrypoint(str(ROOT / spec.entrypoint), use_placeholder_flow=False)
        # Runs are addressed as "<flow>/<deployment>": the two names are kept equal.
        assert flow.name == spec.name, spec.entrypoint
        inspect.signature(flow.fn).bind_partial(**spec.parameters)


def test_reconcile_and_the_kpi_report_run_on_cron_schedules_and_the_rest_on_demand() -> None:
    by_name = {spec.name: spec for spec in load_project().deployments}
    assert [s.cron for s in by_name["reconcile"].schedules] == ["*/10 * * * *"]
    assert [s.cron for s in by_name["kpi-report"].schedules] == ["0 6 * * 1"]
    assert all(
        not spec.schedules for name, spec in by_name.items() if name not in ("reconcile", "kpi-report")
    )
    assert {spec.work_pool.name for spec in by_name.values() if spec.work_pool} == {"slate-pool"}
    assert all(spec.work_pool for spec in by_name.values())


def test_every_webhook_route_names_a_listed_deployment_that_accepts_its_parameters() -> None:
    by_address = {f"{spec.name}/{spec.name}": spec for spec in load_project().deployments}
    assert set(ROUTES.values()) - set(by_address) == set(), "routes to deployments prefect.yaml does not list"
    for event_type, address in ROUTES.items():
        flow = load_flow_from_entrypoint(
            str(ROOT / by_address[address].entrypoint), use_placeholder_flow=False
        )
        flow.validate_parameters(parameters_for(address, make_event(event_type)))


def test_serve_builds_one_runner_deployment_per_entry_with_its_schedule() -> None:
    project = load_project()
    built = runner_deployments(project, ROOT)
    assert [d.name for d in built] == [spec.name for spec in project.deployments]
    served = {d.name: d for d in built}
    for spec in project.deployments:
        deployment = served[spec.name]
        assert deployment.entrypoint == spec.entrypoint
        assert deployment.parameters == spec.parameters
        assert deployment.tags == spec.tags
        assert [s.schedule.cron for s in deployment.schedules] == [s.cron for s in spec.schedules]  # type: ignore[union-attr]
    paused = runner_deployments(project, ROOT, schedules_active=False)
    assert all(s.active is False for d in paused for s in d.schedules)


GOOD_ENTRY = "  - name: hello\n    entrypoint: flows/hello.py:hello\n"


@pytest.mark.parametrize(
    ("text", "place", "rule"),
    [
        (
            "name: x\ndeployments:\n  - name: hello\n    entrypoint: flows/hello.py\n",
            "deployments[0].entrypoint",
            "string_pattern_mismatch",
        ),
        ("name: x\ndeployments:\n" + GOOD_ENTRY + GOOD_ENTRY, "deployments", "value_error"),
        (
            "name: x\ndeployments:\n" + GOOD_ENTRY + "    triggers: []\n",
            "deployments[0].triggers",
            "extra_forbidden",
        ),
        (
            "name: x\ndeployments:\n"
            + GOOD_ENTRY
            + "    schedules:\n      - {cron: '* * * * *', interval: 60}\n",
            "deployments[0].schedules[0]",
            "value_error",
        ),
        ("name: x\ndeployments: []\n", "deployments", "too_short"),
    ],
)
def test_a_broken_file_is_refused_naming_the_place_and_rule(
    tmp_path: Path, text: str, place: str, rule: str
) -> None:
    path = tmp_path / "prefect.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as caught:
        load_project(path)
    assert caught.value.place == place
    assert caught.value.rule == rule
    assert str(path) in str(caught.value)


def test_unreadable_or_malformed_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        load_project(tmp_path / "missing.yaml")
    bad = tmp_path / "prefect.yaml"
    bad.write_text("deployments: [\n")
    with pytest.raises(InvalidInput, match="not valid YAML") as caught:
        load_project(bad)
    assert caught.value.rule == "yaml"
