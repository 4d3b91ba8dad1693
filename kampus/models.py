"""Imports every feature's models so the metadata is complete (migrations, relationships)."""

from kampus.api import models as api_models  # noqa: F401
from kampus.assignments import models as assignments_models  # noqa: F401
from kampus.auth import models as auth_models  # noqa: F401
from kampus.catalogue import models as catalogue_models  # noqa: F401
from kampus.credentials import models as credentials_models  # noqa: F401
from kampus.jobs import models as jobs_models  # noqa: F401
from kampus.main import models as main_models  # noqa: F401
from kampus.notifications import models as notifications_models  # noqa: F401
from kampus.orgs import models as orgs_models  # noqa: F401
from kampus.paths import models as paths_models  # noqa: F401
from kampus.progress import models as progress_models  # noqa: F401
from kampus.recognition import models as recognition_models  # noqa: F401
from kampus.reports import models as reports_models  # noqa: F401
from kampus.sso import models as sso_models  # noqa: F401
from kampus.xapi import models as xapi_models  # noqa: F401
