"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
# Imports: administrators and coordinators only (Perm.DATA_IMPORT); members get 403.
IMPORTERS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403,
             "researcher": 403}
POST_ONLY = {**IMPORTERS, "admin": 405, "coordinator": 405}

MATRIX: dict[str, dict[str, object]] = {
    "import_list": IMPORTERS,
    "import_upload": IMPORTERS,
    "import_detail": IMPORTERS,
    "import_mapping": IMPORTERS,
    "import_preview": IMPORTERS,
    "import_commit": POST_ONLY,
    "import_discard": POST_ONLY,
}
OBJECT_ROUTES: set[str] = {"import_detail", "import_mapping", "import_preview", "import_commit", "import_discard"}
GET_ONLY: set[str] = {"import_detail", "import_preview"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = ["exchange.ImportBatch", "exchange.ImportFile", "measures.Administration"]

MEMBERS_CSV = "會員編號,姓名,收案日期\nN0001,陳小華,2026-01-05\n"


def setup(tenant: SimpleNamespace) -> None:
    """An uploaded (not yet imported) members file for the tenant."""
    from peerpath.exchange import actions

    tenant.import_batch = actions.upload(
        tenant.staff["coordinator"], kind="members", file_name="members.csv", data=MEMBERS_CSV.encode()
    )


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name.startswith("import_"):
        return {"<int:pk>": str(tenant.import_batch.pk)}
    return {}
