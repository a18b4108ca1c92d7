"""Import every feature's models so the metadata (and Alembic) sees the whole
schema. Importing the module registers all of its tables; naming classes here
would only be a list to keep up to date."""

import slrt.api.models  # noqa: F401
import slrt.audit.models  # noqa: F401
import slrt.auth.models  # noqa: F401
import slrt.cases.models  # noqa: F401
import slrt.common.models  # noqa: F401
import slrt.dtks.models  # noqa: F401
import slrt.notifications.models  # noqa: F401
import slrt.outreach.models  # noqa: F401
import slrt.platform.storage  # noqa: F401  (stored_files, stored_file_chunks)
import slrt.proposals.models  # noqa: F401
import slrt.referrals.models  # noqa: F401
import slrt.regions.models  # noqa: F401
import slrt.reports.models  # noqa: F401
import slrt.status_page.models  # noqa: F401
